/* fetch.c - the scheduler: the curl multi loop, the cap on requests in
 * flight, retries with backoff, one redirect, the deadline, the stop, and
 * the loop's non-blocking form.  The requests waiting for a slot are
 * askq.c's; each request's easy handle is set up and read by xfer.c; the
 * decisions (how many, which retried, how long to wait, which redirect) are
 * policy.c's. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "askq.h"
#include "fetch.h"
#include "log.h"
#include "multi.h"
#include "policy.h"
#include "preconnect.h"
#include "proxy.h"
#include "ratelimit.h"
#include "util.h"
#include "xfer.h"

struct xqueue {
	struct xfer *head, *tail;
};

struct fetcher {
	CURLM *multi;
	struct fetch_opts o; /* strings borrowed from the caller */
	struct secret token;
	struct askq *ready;    /* waiting for a slot */
	struct xqueue waiting; /* backing off before a retry */
	struct xfer *active;   /* in flight, linked through next */
	CURL **pool;           /* idle easy handles */
	size_t npool;
	struct xfer_conf conf; /* what every handle shares */
	struct ratelimit rl;   /* VAULT_RATE_LIMIT */
	long inflight;
	const volatile sig_atomic_t *stop; /* set: end every request now */
	int stop_fd;                       /* readable once stop is set */
	long cap;                          /* most requests in flight now */
	long want; /* ... once the transport is known (and the pool's size) */
	int mux;   /* -1 until the first answer; then 1 for HTTP/2, else 0 */
	unsigned requests, peak;
	unsigned long long rng;
	struct xfer_sockets sockets; /* connections opened during a login */
};

static void push(struct xqueue *q, struct xfer *x)
{
	x->next = NULL;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
}

static struct xfer *pop(struct xqueue *q)
{
	struct xfer *x = q->head;

	if (x) {
		q->head = x->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return x;
}

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

static long ms_left(const struct fetcher *f)
{
	double left = f->o.deadline - now_ms();

	return left < 1 ? 1 : (long)left + 1;
}

/* Returns 0, or -1 with *why libcurl's refusal of an option (CURLE_OK when
 * there was no handle). */
static int start(struct fetcher *f, struct xfer *x, CURLcode *why)
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

static void release_easy(struct fetcher *f, struct xfer *x)
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

/* Over the unix socket (VAULT_AGENT_ADDR unix://...), not redirected. */
static int over_unix(const struct xfer *x)
{
	return x->f->o.unix_socket && !x->redirected;
}

/* Hand the outcome to the callback and forget the request. */
static void finish(struct xfer *x, long status, int failure, const char *reason)
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
	release_easy(x->f, x);
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
	release_easy(f, x);
	x->due = now + wait;
	push(&f->waiting, x);
	return 1;
}

static void done(struct fetcher *f, struct xfer *x, CURLcode rc)
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
		finish(x, 0, e.failure, e.reason);
		return;
	case XFER_UNANSWERED:
		if (policy_retry_curl(rc) && retry(f, x, 0, 0, e.reason))
			return;
		finish(x, 0, ST_UNAVAILABLE, e.reason);
		return;
	case XFER_REDIRECT: {
		const char *refused = policy_redirect(f->o.follow_redirects,
		                                      x->redirected, x->url,
		                                      e.loc);

		if (refused) {
			finish(x, 0, ST_UNAVAILABLE, refused);
			return;
		}
		log_debug("%s /v1/%s: following redirect", x->method, x->path);
		free(x->url);
		x->url = xstrdup(e.loc);
		x->redirected = 1;
		release_easy(f, x);
		askq_requeue(f->ready, x);
		return;
	}
	default:
		if (policy_retry_status(status, x->resp, x->len) &&
		    retry(f, x, e.retry_after_ms, status, NULL))
			return;
		finish(x, status, 0, NULL);
	}
}

/* The deadline passed.  A request awaiting an answer ends with 75; one
 * waiting for a retry ends with the failure it was to retry (retries stop
 * with the last failure's code); one never sent ends with 75. */
static void expire(struct fetcher *f)
{
	struct xfer *x;

	while ((x = f->active))
		finish(x, 0, ST_TEMPFAIL,
		       "deadline passed while waiting for an answer");
	while ((x = pop(&f->waiting)) || (x = askq_pop(f->ready))) {
		const char *reason;
		int failure;
		long status = policy_expire(x->attempts, x->last_status,
		                            x->last_reason, &failure, &reason);

		finish(x, status, failure, reason);
	}
}

/* A stop signal came: every request ends now, unanswered. */
static void interrupt(struct fetcher *f)
{
	struct xfer *x;

	while ((x = f->active) || (x = pop(&f->waiting)) ||
	       (x = askq_pop(f->ready)))
		finish(x, 0, ST_TEMPFAIL, "interrupted by a signal");
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
	while ((x = pop(&f->waiting))) {
		if (x->due <= now)
			askq_requeue(f->ready, x);
		else {
			push(&later, x);
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
		if (start(f, x, &why) != 0) {
			char reason[160];

			snprintf(reason, sizeof reason,
			         "cannot start a transfer%s%s%s",
			         why != CURLE_OK ? ": libcurl refused a security "
			                           "option (" :
			                           "",
			         why != CURLE_OK ? curl_easy_strerror(why) : "",
			         why != CURLE_OK ? ")" : "");
			finish(x, 0, ST_OSERR, reason);
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
		done(f, xfer_of(m->easy_handle), m->data.result);
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
		release_easy(f, x);
		xfer_free(x);
	}
	askq_free(f->ready);
	while ((x = pop(&f->waiting)))
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
