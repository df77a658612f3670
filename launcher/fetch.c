/* fetch.c - the scheduler: the curl multi loop, the cap on requests in
 * flight, the retries' backoff queue, the deadline, the stop, and the
 * loop's blocking and non-blocking forms.  One request's life (its start,
 * its answer, its retry or redirect) is flight.c's; the requests waiting
 * for a slot are askq.c's; each request's easy handle is set up and read by
 * xfer.c; the decisions (how many, which retried, how long to wait, which
 * redirect) are policy.c's.  struct fetcher is fetcher.h's, shared with
 * flight.c. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "askq.h"
#include "fetch.h"
#include "fetcher.h"
#include "flight.h"
#include "multi.h"
#include "policy.h"
#include "preconnect.h"
#include "proxy.h"
#include "ratelimit.h"
#include "util.h"
#include "xfer.h"

struct fetcher *fetch_new(const struct fetch_opts *o, struct error *err)
{
	struct fetcher *f;
	struct policy_cap c;
	CURLM *multi = multi_new();

	if (multi == NULL) {
		error_set(err, ST_OSERR, "cannot initialise libcurl");
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->o = *o;
	f->stop_fd = -1;
	f->multi = multi;
	f->ready = askq_new(f);
	policy_cap_start(o->concurrency,
	                 url_is_https(o->base_url) && o->unix_socket == NULL, &c);
	f->want = c.want;
	f->mux = c.mux;
	f->cap = c.cap;
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, c.conns);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, c.conns);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, c.conns);
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, f->want);
	f->pool = xcalloc((size_t)f->want, sizeof *f->pool);
	f->sockets.handed = CURL_SOCKET_BAD;
	if (xfer_conf_init(&f->conf, &f->o, &f->token, err) != ST_OK) {
		fetch_free(f);
		return NULL;
	}
	f->conf.sockets = &f->sockets;
	ratelimit_init(&f->rl, o->rate, o->burst, now_ms());
	rng_seed(&f->rng);
	return f;
}

void fetch_set_token(struct fetcher *f, const struct secret *token)
{
	secret_set(&f->token, token->p, token->len);
}

void fetch_set_stop(struct fetcher *f, const volatile sig_atomic_t *stop, int fd)
{
	f->stop = stop;
	f->stop_fd = stop ? fd : -1;
}

void fetch_set_deadline(struct fetcher *f, double deadline)
{
	f->o.deadline = deadline;
}

void fetch_stats(const struct fetcher *f, unsigned *requests, unsigned *peak)
{
	*requests = f->requests;
	*peak = f->peak;
}

void fetch_add(struct fetcher *f, const char *method, const char *path,
               const struct secret *body, int flags, fetch_cb cb, void *ctx)
{
	askq_add(f->ready, method, path, body, flags, cb, ctx);
}

void fetch_add_lazily(struct fetcher *f, size_t n, fetch_more_cb more, void *ctx)
{
	askq_add_lazily(f->ready, n, more, ctx);
}

void fetch_preconnect(struct fetcher *f, size_t n)
{
	size_t queued = (size_t)f->inflight + askq_len(f->ready), more;
	const char *from, *why;

	/* As many as the cap lets the coming requests use beside the ones
	 * already asked for, each of which gets a connection of its own. */
	more = n < (size_t)f->cap ? n : (size_t)f->cap;
	if (f->sockets.pre || more <= queued || f->o.unix_socket ||
	    f->conf.connect_to ||
	    proxy_choose(&f->o.proxy, f->conf.base_url, 0, &from, &why))
		return;
	f->sockets.pre = preconnect_open(f->conf.base_url, more - queued);
	f->sockets.skip = queued;
}

/* The deadline passed.  A request awaiting an answer ends with 75; one
 * waiting for a retry ends with the failure it was to retry (retries stop
 * with the last failure's code); one never sent ends with 75. */
static void expire(struct fetcher *f)
{
	struct xfer *x;

	while ((x = f->active))
		flight_finish(x, 0, ST_TEMPFAIL,
		              "deadline passed while waiting for an answer");
	while ((x = xqueue_pop(&f->waiting)) || (x = askq_pop(f->ready))) {
		const char *reason;
		int failure;
		long status = policy_expire(x->attempts, x->last_status,
		                            x->last_reason, &failure, &reason);

		flight_finish(x, status, failure, reason);
	}
}

/* A stop signal came: every request ends now, unanswered. */
static void interrupt(struct fetcher *f)
{
	struct xfer *x;

	while ((x = f->active) || (x = xqueue_pop(&f->waiting)) ||
	       (x = askq_pop(f->ready)))
		flight_finish(x, 0, ST_TEMPFAIL, "interrupted by a signal");
}

static struct xfer *xfer_of(CURL *e)
{
	char *priv = NULL;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
	return (struct xfer *)(void *)priv;
}

int fetch_idle(const struct fetcher *f)
{
	return askq_empty(f->ready) && f->waiting.head == NULL && f->inflight == 0;
}

/* One round without waiting: the stop flag, the deadline, retries that are
 * due, new transfers, libcurl's work, finished requests.  *next is when
 * the nearest retry or the deadline is due; returns 1 when a request
 * finished (callbacks ran and may have queued more). */
static int step(struct fetcher *f, double *next, struct error *err)
{
	CURLMsg *m;
	struct xqueue later = {NULL, NULL};
	struct xfer *x;
	double now = now_ms();
	int running, left, progressed = 0;
	CURLcode why = CURLE_OK;

	*next = f->o.deadline;
	if (fetch_idle(f))
		return 0;
	if (f->stop && *f->stop) {
		interrupt(f);
		return 1; /* callbacks may have queued more: they end too */
	}
	if (now >= f->o.deadline) {
		expire(f);
		return 1; /* callbacks may have queued more: they expire too */
	}
	while ((x = xqueue_pop(&f->waiting))) {
		if (x->due <= now)
			askq_requeue(f->ready, x);
		else {
			xqueue_push(&later, x);
			if (x->due < *next)
				*next = x->due;
		}
	}
	f->waiting = later;
	while (f->inflight < f->cap && !askq_empty(f->ready)) {
		double wait = ratelimit_take(&f->rl, now);

		if (wait > 0) { /* VAULT_RATE_LIMIT: the next one later */
			if (now + wait < *next)
				*next = now + wait;
			break;
		}
		if ((x = askq_pop(f->ready)) == NULL)
			break; /* a lazy entry made none */
		if (flight_start(f, x, &why) != 0) {
			char reason[160];

			snprintf(reason, sizeof reason,
			         "cannot start a transfer%s%s%s",
			         why != CURLE_OK ? ": libcurl refused a security "
			                           "option (" :
			                           "",
			         why != CURLE_OK ? curl_easy_strerror(why) : "",
			         why != CURLE_OK ? ")" : "");
			flight_finish(x, 0, ST_OSERR, reason);
			progressed = 1;
		}
	}
	if (curl_multi_perform(f->multi, &running) != CURLM_OK) {
		error_set(err, ST_SOFTWARE, "curl_multi_perform failed");
		return -1;
	}
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		flight_done(f, xfer_of(m->easy_handle), m->data.result);
		progressed = 1;
	}
	return progressed;
}

int fetch_step(struct fetcher *f, struct error *err)
{
	double next;
	int rc;

	while ((rc = step(f, &next, err)) > 0)
		;
	return rc < 0 ? err->status : ST_OK;
}

size_t fetch_fds(struct fetcher *f, struct pollfd *pf, size_t cap)
{
	return fetch_idle(f) ? 0 : multi_pollfds(f->multi, pf, cap);
}

long fetch_timeout(struct fetcher *f)
{
	struct xfer *x;
	double next = f->o.deadline, now = now_ms();
	long curl_ms = -1;

	if (fetch_idle(f))
		return -1;
	if (!askq_empty(f->ready) && f->inflight < f->cap) {
		struct ratelimit peek = f->rl; /* asked, not taken */
		double wait = ratelimit_take(&peek, now);

		if (wait <= 0)
			return 0;
		if (now + wait < next)
			next = now + wait;
	}
	for (x = f->waiting.head; x; x = x->next)
		if (x->due < next)
			next = x->due;
	/* libcurl's own timers (connects, its timeouts); without any socket
	 * to wait on yet, it wants a call soon. */
	if (curl_multi_timeout(f->multi, &curl_ms) != CURLM_OK)
		curl_ms = -1;
	return policy_poll_ms(next, now, curl_ms);
}

int fetch_run(struct fetcher *f, struct error *err)
{
	for (;;) {
		double next;
		long timeout;
		int rc;
		struct curl_waitfd wake = {f->stop_fd, CURL_WAIT_POLLIN, 0};

		if (fetch_idle(f)) {
			/* What the requests did not take is not kept open. */
			preconnect_free(f->sockets.pre);
			f->sockets.pre = NULL;
			return ST_OK;
		}
		if ((rc = step(f, &next, err)) < 0)
			return err->status;
		if (rc > 0)
			continue;
		timeout = policy_poll_ms(next, now_ms(), -1);
		if (timeout > 1000)
			timeout = 1000;
		if (curl_multi_poll(f->multi, f->stop_fd >= 0 ? &wake : NULL,
		                    f->stop_fd >= 0, (int)timeout, NULL) != CURLM_OK)
			return error_set(err, ST_SOFTWARE,
			                 "curl_multi_poll failed");
	}
}

void fetch_trim(struct fetcher *f)
{
	while (f->npool)
		curl_easy_cleanup(f->pool[--f->npool]);
}

void fetch_free(struct fetcher *f)
{
	struct xfer *x;

	if (f == NULL)
		return;
	while ((x = f->active)) {
		flight_release(f, x);
		xfer_free(x);
	}
	askq_free(f->ready);
	while ((x = xqueue_pop(&f->waiting)))
		xfer_free(x);
	fetch_trim(f);
	free(f->pool);
	curl_multi_cleanup(f->multi);
	preconnect_free(f->sockets.pre);
	secret_wipe(&f->token);
	xfer_conf_free(&f->conf);
	free(f);
	curl_global_cleanup();
}
