/* ratelimit.h - VAULT_RATE_LIMIT: a token bucket, as Go's rate.Limiter.
 *
 * A plain value: rate tokens a second, at most burst saved up, full at the
 * start.  Time is passed in (milliseconds on any monotonic clock), so the
 * arithmetic is testable without waiting.
 */
#ifndef VAULTRUN_RATELIMIT_H
#define VAULTRUN_RATELIMIT_H

struct ratelimit {
	double rate;   /* tokens per second; 0: no limit */
	double burst;  /* the bucket's size */
	double tokens; /* in the bucket now */
	double last;   /* when tokens was computed */
};

void ratelimit_init(struct ratelimit *r, double rate, long burst, double now);

/* Take a token for a request starting now: returns 0 (taken), or the
 * milliseconds until one will be there (nothing taken). */
double ratelimit_take(struct ratelimit *r, double now);

#endif
