/* policy.c - the fetcher's decisions: the cap, retries, redirects, the
 * loop's timeout. */
#include <limits.h>
#include <string.h>

#include "policy.h"
#include "status.h"
#include "util.h"

#define BACKOFF_BASE 250.0 /* ms; doubled per attempt, full jitter */
#define BACKOFF_CAP 4000.0 /* ms */
/* Requests in flight without -j: over HTTP/1.1 one connection each, at most
 * H1_CONNS; over HTTP/2 all on one connection, up to H2_STREAMS (what Go's
 * server, Vault's, allows) and the server's own SETTINGS limit.  Until the
 * first answer shows which it is, FIRST_FLIGHT: what nghttp2 sends on a new
 * connection before the server's SETTINGS, so no request spills onto a
 * second connection. */
#define H1_CONNS 32
#define H2_STREAMS 250
#define FIRST_FLIGHT 100

void policy_cap_start(long concurrency, int tls, struct policy_cap *c)
{
	/* -j N: at most N in flight, on at most N connections (HTTP/1.1 needs
	 * one each, HTTP/2 carries them all on one).  Plain http never
	 * multiplexes: its cap is known from the start. */
	c->want = concurrency > 0 ? concurrency : tls ? H2_STREAMS : H1_CONNS;
	c->conns = concurrency > 0 ? concurrency : H1_CONNS;
	c->mux = tls ? -1 : 0;
	c->cap = !tls                   ? c->want :
	         c->want < FIRST_FLIGHT ? c->want :
	                                  FIRST_FLIGHT;
}

/* The first answer shows the transport, and by then the server's SETTINGS
 * have come (a server sends them first): over HTTP/2 the cap becomes -j, or
 * H2_STREAMS, with libcurl keeping each connection within the server's
 * stream limit; over HTTP/1.1, -j or H1_CONNS connections. */
long policy_cap_known(long concurrency, long want, int mux)
{
	return mux || concurrency > 0 ? want : H1_CONNS;
}

int policy_retry_status(long s, const char *body, size_t len)
{
	static const char text[] = "missing client token";

	if (s != 412 && s != 429 && s != 500 && s != 502 && s != 503 && s != 504)
		return 0;
	return !(body && memmem(body, len, text, sizeof text - 1) != NULL);
}

int policy_retry_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_OPERATION_TIMEDOUT: /* VAULT_CLIENT_TIMEOUT, not the deadline */
		return 1;
	default:
		return 0;
	}
}

int policy_unreachable(CURLcode rc)
{
	return rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_PEER_FAILED_VERIFICATION;
}

double policy_backoff(unsigned attempts)
{
	double ceil = BACKOFF_BASE;
	unsigned i;

	for (i = 1; i < attempts && ceil < BACKOFF_CAP; i++)
		ceil *= 2;
	return ceil < BACKOFF_CAP ? ceil : BACKOFF_CAP;
}

double policy_jitter(unsigned long long *rng, double max)
{
	return max * rng_next(rng);
}

double policy_wait(unsigned attempts, int max_retries, double retry_after_ms,
                   double now, double deadline, unsigned long long *rng)
{
	double wait;

	if (attempts > (unsigned)max_retries)
		return -1;
	wait = retry_after_ms > 0 ? retry_after_ms :
	                            policy_jitter(rng, policy_backoff(attempts));
	return now + wait >= deadline ? -1 : wait;
}

long policy_poll_ms(double next, double now, long curl_ms)
{
	double left = next - now;
	long ms;

	/* converted only below INT_MAX, so (long)left + 1 <= INT_MAX: no
	 * overflow (NaN fails both tests) */
	if (left <= 0)
		ms = 0;
	else if (left < INT_MAX)
		ms = (long)left + 1;
	else
		ms = INT_MAX;
	return curl_ms >= 0 && curl_ms < ms ? curl_ms : ms;
}

long policy_expire(unsigned attempts, long last_status, const char *last_reason,
                   int *failure, const char **reason)
{
	*failure = 0;
	*reason = NULL;
	if (attempts == 0) {
		*failure = ST_TEMPFAIL;
		*reason = "deadline passed before the request could be sent";
		return 0;
	}
	if (last_status != 0)
		return last_status;
	*failure = ST_UNAVAILABLE;
	*reason = last_reason;
	return 0;
}

int policy_is_redirect(long status)
{
	return status == 301 || status == 302 || status == 307;
}

const char *policy_redirect(int follow, int redirected, const char *url,
                            const char *loc)
{
	if (!follow)
		return "redirect refused (VAULT_DISABLE_REDIRECTS is set)";
	if (redirected)
		return "redirected more than once";
	if (loc == NULL)
		return "redirect without a Location";
	if (url_is_https(url) && !url_is_https(loc))
		return "redirect from https to http refused";
	return NULL;
}
