/* renew.h - the renewal schedule of one token or lease: pure arithmetic.
 *
 * Times are seconds on the caller's monotonic clock and randomness is passed
 * in (a number in [0, 1)), so that every rule has a table test.  The rules
 * (SPEC.md "Renewal and rotation", after Vault's LifetimeWatcher):
 *   - renew when two thirds of the remaining time has passed, less a random
 *     10 to 20 % of it (at 47 to 57 % of the time left), so that a fleet
 *     started at once spreads its renewals over a tenth of the TTL;
 *   - after a failed renewal, try again in 10 s, doubling up to 5 min, never
 *     past the expiry;
 *   - a renewal that grants less than the one before is capped by the max TTL:
 *     it is the last one (the caller warns once with the time left).
 */
#ifndef VAULTRUN_RENEW_H
#define VAULTRUN_RENEW_H

#define RENEW_BACKOFF_MIN 10.0
#define RENEW_BACKOFF_MAX 300.0

struct renew {
	double expires;    /* absolute */
	double granted;    /* the duration last granted, seconds */
	unsigned failures; /* consecutive failed renewals */
	int final;         /* no renewal extends it any more */
};

/* Something granted for duration seconds at now. */
void renew_init(struct renew *r, double now, double duration);

/* When to send the next renewal, given rnd in [0, 1); a negative number when
 * there is none to send (final, or already expired). */
double renew_next(const struct renew *r, double now, double rnd);

/* A renewal was answered at now with duration seconds.  Returns 1 when the
 * schedule goes on, 0 when this was the last renewal that can extend it. */
int renew_granted(struct renew *r, double now, double duration);

/* A renewal failed at now: when to try again (at most the expiry), or a
 * negative number when it has expired. */
double renew_failed(struct renew *r, double now);

/* For rotation: when a lease that can no longer be renewed past its end must
 * be replaced (a tenth of its last granted life before it ends). */
double renew_replace_at(const struct renew *r);

#endif
