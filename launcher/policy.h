/* policy.h - the fetcher's decisions, as pure functions: how many requests
 * go in flight, which failures get another attempt and how long to wait
 * before it, which redirects are followed, how long its loop may sleep.
 * fetch.c and flight.c act on them.
 */
#ifndef VAULTRUN_POLICY_H
#define VAULTRUN_POLICY_H

#include <curl/curl.h>
#include <stddef.h>

/* The cap on requests in flight and on connections. */
struct policy_cap {
	long want;  /* the cap once the transport is known (the pool's size) */
	long conns; /* connections at most */
	long cap;   /* the cap until then */
	int mux; /* -1: unknown until the first answer (https); 0: HTTP/1.1 */
};

/* Before the first answer: concurrency is -j (0: by transport); tls says
 * whether HTTP/2 may come (https, not over a unix socket). */
void policy_cap_start(long concurrency, int tls, struct policy_cap *c);

/* The cap once the first answer showed the transport (mux: HTTP/2). */
long policy_cap_known(long concurrency, long want, int mux);

/* Is an answer with this status worth another attempt?  412, 429, 500,
 * 502, 503 and 504 are, unless the body says "missing client token" (older
 * Vaults' 500 to a request without a token: no attempt can fare better). */
int policy_retry_status(long status, const char *body, size_t len);

/* Is this transport failure worth another attempt?  The server went away
 * or cut the answer short (or VAULT_CLIENT_TIMEOUT passed); name
 * resolution, TLS and protocol errors are not. */
int policy_retry_curl(CURLcode rc);

/* Did this transport failure find no connection at all (name resolution,
 * connect, the TLS handshake or its verification)?  Then the address, not
 * the request, failed. */
int policy_unreachable(CURLcode rc);

/* The full-jitter ceiling in ms for the wait after attempt n (1 the
 * first): 250 ms, doubled per attempt, at most 4 s. */
double policy_backoff(unsigned attempts);

/* A number in [0, max) from the xorshift64* state *rng (not 0), which it
 * advances: jitter only needs to be spread, not unpredictable. */
double policy_jitter(unsigned long long *rng, double max);

/* The wait in ms before another attempt after attempt n, or -1 when there
 * is none: n is past max_retries, or the wait would end at or after the
 * deadline.  retry_after_ms > 0 is the server's Retry-After; otherwise the
 * wait is drawn from *rng under policy_backoff(n). */
double policy_wait(unsigned attempts, int max_retries, double retry_after_ms,
                   double now, double deadline, unsigned long long *rng);

/* poll()'s timeout in ms for the fetcher's loop at now: next is when it is
 * due (the soonest of the deadline, the retries' due times and the rate
 * limit's next token, on the now_ms() clock) and curl_ms libcurl's own
 * timer (-1: none).  The supervisor's agents (renewer.c, rotation.c) fold
 * their own due times into fetch_timeout's the same way, as curl_ms.  0 once next has come; else next - now rounded up past
 * it, since a loop woken a fraction of a millisecond early finds nothing
 * due and would call again with 0, spinning; at most INT_MAX, however far
 * (or not a number) next is; libcurl's timer when it is sooner. */
long policy_poll_ms(double next, double now, long curl_ms);

/* What a request that is not in flight reports when the deadline passes:
 * one never sent (attempts 0) ST_TEMPFAIL, "deadline passed before the
 * request could be sent"; one waiting for a retry the failure it was to
 * retry (retries stop with the last failure's code): its answer's status
 * (returned; *failure 0, *reason NULL) or ST_UNAVAILABLE and last_reason.
 * Returns the HTTP status to report, 0 for none. */
long policy_expire(unsigned attempts, long last_status, const char *last_reason,
                   int *failure, const char **reason);

/* Is this status a redirect vaultrun may follow (301, 302, 307)? */
int policy_is_redirect(long status);

/* Why a redirect from url to loc (NULL: no Location) is refused, or NULL
 * to follow it: follow is 0 under VAULT_DISABLE_REDIRECTS, redirected when
 * the request was redirected once already, and https never leads to http. */
const char *policy_redirect(int follow, int redirected, const char *url,
                            const char *loc);

#endif
