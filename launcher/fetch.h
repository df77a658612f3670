/* fetch.h - the request engine: libcurl's multi interface, one loop.
 *
 * Requests are queued with fetch_add (or, many at once, fetch_add_lazily:
 * each made only when it can start) and run by fetch_run, at most
 * `concurrency` in flight, over connections kept alive in the multi handle's
 * cache (HTTP/2 streams share one connection where the server offers it).
 * Transport failures and 412/429/500/502/503/504 are retried with full-jitter
 * exponential backoff or the server's Retry-After, never past the deadline;
 * one 301/302/307 redirect is followed, never from https to http.  Each
 * request's final outcome is handed to its callback, which may queue more.
 */
#ifndef VAULTRUN_FETCH_H
#define VAULTRUN_FETCH_H

#include <signal.h>
#include <stddef.h>

#include "proxy.h"
#include "secret.h"
#include "status.h"

struct fetch_opts {
	const char *base_url; /* "https://vault:8200"; for a unix socket "http://localhost" */
	const char *unix_socket; /* path, or NULL */
	const char *namespace;   /* X-Vault-Namespace, or NULL */
	long concurrency; /* -j; 0: by transport (32, or HTTP/2 streams) */
	int max_retries;
	int follow_redirects;
	double deadline;       /* absolute, on the now_ms() clock */
	double client_timeout; /* ms per attempt; 0: only the deadline */
	double rate;           /* requests per second; 0: no limit */
	long burst;
	const char *ca_cert, *ca_path, *client_cert, *client_key;
	const char *ca_cert_from, *ca_path_from; /* the settings' names */
	const char *client_cert_from, *client_key_from;
	const char *tls_server_name;
	int skip_verify;
	struct proxy_env proxy; /* strings borrowed */
};

enum { FETCH_NO_TOKEN = 1 }; /* flags for fetch_add */

struct fetch_result {
	const char *method;
	const char *path; /* as given to fetch_add */
	long status;      /* HTTP status; 0 when there was no answer */
	int failure; /* when status is 0: ST_UNAVAILABLE, ST_TEMPFAIL, ST_PROTOCOL */
	const char *reason;       /* when status is 0: why, one line */
	const char *content_type; /* may be NULL */
	const char *body;         /* borrowed for the callback's duration */
	size_t len;
	unsigned attempts;
	/* when status is 0: 1 if the address could not be reached at all (no
	 * connection: refused, name not resolved, TLS handshake failed), and
	 * the URL it was for (NULL over a unix socket) */
	int unreachable;
	const char *url;
};

typedef void (*fetch_cb)(void *ctx, const struct fetch_result *r);

struct fetcher *fetch_new(const struct fetch_opts *o, struct error *err);
void fetch_free(struct fetcher *f);

/* Send X-Vault-Token with later requests (a copy is kept and wiped). */
void fetch_set_token(struct fetcher *f, const struct secret *token);

/* Queue method (a string literal: "GET", "POST") on path, relative to /v1/
 * and already percent-encoded (it may carry a query).  path and body (JSON,
 * may be NULL) are copied.  cb is called exactly once, from within
 * fetch_run. */
void fetch_add(struct fetcher *f, const char *method, const char *path,
               const struct secret *body, int flags, fetch_cb cb, void *ctx);

/* Queue n requests, each made only when it can start, so that the ones
 * waiting for a slot cost nothing (a run's reads: a thousand, with 32 in
 * flight).  Whenever the next may start, more(ctx, k) is called, k = 0 ..
 * n-1 in turn, and queues request k with fetch_add: it takes this entry's
 * place, ahead of whatever was queued after the entry (a call that queues
 * nothing passes its turn).  At the deadline or a stop the rest are made
 * and fail as fetch_add's would; fetch_free drops them unmade. */
typedef void (*fetch_more_cb)(void *ctx, size_t k);
void fetch_add_lazily(struct fetcher *f, size_t n, fetch_more_cb more, void *ctx);

/* About n requests will follow the ones queued (a login's): open the
 * connections they will need beside them now (plain http only; see
 * preconnect.h).  Closed unused when fetch_run returns. */
void fetch_preconnect(struct fetcher *f, size_t n);

/* Run until nothing is queued or in flight.  When the deadline passes, every
 * unfinished request completes with failure ST_TEMPFAIL.  Returns ST_OK, or
 * ST_OSERR/ST_SOFTWARE when libcurl itself fails (err filled). */
int fetch_run(struct fetcher *f, struct error *err);

/* The same loop, one non-blocking round at a time, for a caller that waits
 * on descriptors of its own too (supervise mode):
 *   fetch_idle     nothing queued, waiting for a retry or in flight;
 *   fetch_fds      the descriptors to poll (at most cap; 0 when idle);
 *   fetch_timeout  ms until fetch_step is due even without an event (-1:
 *                  idle, 0: now; rounded up, never early: policy_poll_ms);
 *   fetch_step     does whatever is ready, never waits; callbacks run here.
 * Every socket is close-on-exec. */
int fetch_idle(const struct fetcher *f);
struct pollfd;
size_t fetch_fds(struct fetcher *f, struct pollfd *pf, size_t cap);
long fetch_timeout(struct fetcher *f);
int fetch_step(struct fetcher *f, struct error *err);

/* While *stop is non-zero (a signal handler sets it and makes fd readable,
 * which wakes the loop), fetch_run ends every request at once with failure
 * ST_TEMPFAIL, "interrupted by a signal".  stop NULL turns this off (for the
 * revocation that follows). */
void fetch_set_stop(struct fetcher *f, const volatile sig_atomic_t *stop, int fd);

/* Move the deadline (the revoke's own budget). */
void fetch_set_deadline(struct fetcher *f, double deadline);

/* Free the idle easy handles (each about 5.5 KiB; a run of -j 32 keeps
 * 32): the resolution is over, and the few requests that may follow (a
 * revocation, renewals) make their own.  Connections stay open: they are
 * the multi handle's. */
void fetch_trim(struct fetcher *f);

/* Requests started (attempts included) and the most in flight at once. */
void fetch_stats(const struct fetcher *f, unsigned *requests, unsigned *peak);

#endif
