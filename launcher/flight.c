/* flight.c - one request from its start to its answer: a handle taken from
 * the pool and added to the multi handle, what the attempt came to (an
 * answer, a failure, a redirect followed once, another attempt after a
 * backoff), the outcome handed to the callback and the handle back in the
 * pool.  fetch.c decides when a request starts and when the deadline or a
 * stop ends it; xfer.c sets the handle up and reads its end; policy.c
 * decides which attempts are retried, how long to wait, which redirect is
 * followed. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "askq.h"
#include "fetcher.h"
#include "flight.h"
#include "log.h"
#include "policy.h"
#include "util.h"
#include "xfer.h"

/* The first answer shows the transport: the cap becomes what it allows. */
static void transport_known(struct fetcher *f, long version)
{
	if (f->mux != -1)
		return;
	f->mux = version == CURL_HTTP_VERSION_2_0;
	f->cap = policy_cap_known(f->o.concurrency, f->want, f->mux);
	log_debug("%s: at most %ld requests in flight",
	          f->mux ? "HTTP/2" : "HTTP/1.1", f->cap);
}

static long ms_left(const struct fetcher *f)
{
	double left = f->o.deadline - now_ms();

	return left < 1 ? 1 : (long)left + 1;
}

int flight_start(struct fetcher *f, struct xfer *x, CURLcode *why)
{
	CURL *e = f->npool ? f->pool[--f->npool] : curl_easy_init();

	*why = CURLE_OK;
	if (e == NULL)
		return -1;
	if ((*why = xfer_setup(x, e, &f->conf, ms_left(f))) != CURLE_OK ||
	    curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		x->easy = NULL;
		free(x->errbuf);
		x->errbuf = NULL;
		return -1;
	}
	x->next = f->active;
	f->active = x;
	x->attempts++;
	x->started = now_ms();
	f->requests++;
	if (++f->inflight > (long)f->peak)
		f->peak = (unsigned)f->inflight;
	return 0;
}

void flight_release(struct fetcher *f, struct xfer *x)
{
	struct xfer **pp;

	if (x->easy == NULL)
		return;
	for (pp = &f->active; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	x->next = NULL;
	free(x->errbuf);
	x->errbuf = NULL;
	curl_multi_remove_handle(f->multi, x->easy);
	curl_easy_reset(x->easy);
	if (f->npool < (size_t)f->want)
		f->pool[f->npool++] = x->easy;
	else
		curl_easy_cleanup(x->easy);
	x->easy = NULL;
	f->inflight--;
}

/* Over the unix socket (VAULT_AGENT_ADDR unix://...), not redirected. */
static int over_unix(const struct xfer *x)
{
	return x->f->o.unix_socket && !x->redirected;
}

void flight_finish(struct xfer *x, long status, int failure, const char *reason)
{
	struct fetch_result r;
	char *ctype = NULL;

	memset(&r, 0, sizeof r);
	r.method = x->method;
	r.path = x->path;
	r.status = status;
	r.failure = failure;
	r.reason = reason;
	if (x->easy && status != 0) {
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
		r.content_type = ctype;
	}
	r.body = x->resp ? x->resp : "";
	r.len = status != 0 ? x->len : 0;
	r.attempts = x->attempts;
	r.unreachable = status == 0 && x->unreachable;
	r.url = over_unix(x) ? NULL : x->url;
	x->cb(x->ctx, &r);
	flight_release(x->f, x);
	xfer_free(x);
}

/* Schedule another attempt if the policy allows one before the deadline;
 * status and reason describe the failure it follows. */
static int retry(struct fetcher *f, struct xfer *x, double retry_after_ms,
                 long status, const char *reason)
{
	double now = now_ms();
	double wait = policy_wait(x->attempts, f->o.max_retries, retry_after_ms,
	                          now, f->o.deadline, &f->rng);

	if (wait < 0)
		return 0;
	log_debug("%s /v1/%s: retrying in %.0f ms (attempt %u of %d)", x->method,
	          x->path, wait, x->attempts + 1, f->o.max_retries + 1);
	/* What to report if the deadline comes first: this answer (its body
	 * stays in x->resp until the next attempt starts). */
	x->last_status = status;
	free(x->last_reason);
	x->last_reason = reason ? xstrdup(reason) : NULL;
	flight_release(f, x);
	x->due = now + wait;
	xqueue_push(&f->waiting, x);
	return 1;
}

void flight_done(struct fetcher *f, struct xfer *x, CURLcode rc)
{
	long status = 0;
	double ms = now_ms() - x->started;
	struct xfer_end e;

	x->unreachable = policy_unreachable(rc);
	if (rc == CURLE_OK) {
		long version = 0;

		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &version);
		transport_known(f, version);
	}
	if (rc == CURLE_OK)
		log_info("%s /v1/%s -> %ld (%.0f ms)", x->method, x->path,
		         status, ms);
	else
		log_info("%s /v1/%s -> %s (%.0f ms)", x->method, x->path,
		         x->too_large ? "body too large" : curl_easy_strerror(rc),
		         ms);
	switch (xfer_end(x, rc, status, &f->conf, f->o.deadline, &e)) {
	case XFER_FAILED:
		flight_finish(x, 0, e.failure, e.reason);
		return;
	case XFER_UNANSWERED:
		if (policy_retry_curl(rc) && retry(f, x, 0, 0, e.reason))
			return;
		flight_finish(x, 0, ST_UNAVAILABLE, e.reason);
		return;
	case XFER_REDIRECT: {
		const char *refused = policy_redirect(f->o.follow_redirects,
		                                      x->redirected, x->url,
		                                      e.loc);

		if (refused) {
			flight_finish(x, 0, ST_UNAVAILABLE, refused);
			return;
		}
		log_debug("%s /v1/%s: following redirect", x->method, x->path);
		free(x->url);
		x->url = xstrdup(e.loc);
		x->redirected = 1;
		flight_release(f, x);
		askq_requeue(f->ready, x);
		return;
	}
	default:
		if (policy_retry_status(status, x->resp, x->len) &&
		    retry(f, x, e.retry_after_ms, status, NULL))
			return;
		flight_finish(x, status, 0, NULL);
	}
}
