/* xfer.h - one request's transfer: its buffers, its easy handle's options,
 * libcurl's callbacks for it, and what an attempt came to.  fetch.c
 * schedules transfers (queues, the cap, the deadline) and owns them
 * (askq.c keeps the ones waiting for a slot; flight.c starts each attempt
 * and acts on its end: an answer, a retry, a redirect); this file sets up
 * a handle for one attempt and reads its end.  Only fetch.c, flight.c,
 * askq.c, xfer.c and their unit tests include this header.
 */
#ifndef VAULTRUN_XFER_H
#define VAULTRUN_XFER_H

#include <curl/curl.h>
#include <stddef.h>

#include "fetch.h"
#include "secret.h"
#include "status.h"

struct preconnect;
struct transport;

/* Connections opened ahead (preconnect.h) and the one just handed out. */
struct xfer_sockets {
	struct preconnect *pre;
	curl_socket_t handed; /* CURL_SOCKET_BAD: none */
	size_t skip;          /* sockets for the requests queued before pre */
};

/* What every handle shares, set up once per fetcher. */
struct xfer_conf {
	const struct fetch_opts *o; /* borrowed */
	const struct secret *token; /* borrowed; p NULL: none yet */
	char *base_url; /* o->base_url, or with tls_server_name as host */
	struct curl_slist *connect_to; /* tls_server_name -> the real host */
	struct transport *transport;   /* each handle's settings */
	struct xfer_sockets *sockets;  /* the fetcher's */
};

struct xfer {
	struct fetcher *f;
	struct xfer *next;
	CURL *easy;
	const char *method; /* a string literal: "GET", "POST" */
	char *path;
	char *url;          /* current target (a redirect changes it) */
	struct secret body; /* request body */
	int flags;
	fetch_cb cb;
	void *ctx;
	struct curl_slist *headers;
	struct transport *transport; /* borrowed, while in flight */
	char *resp;                  /* response body, wiped on release */
	size_t len, cap;
	int too_large; /* body over 4 MiB, or headers over 64 KiB */
	size_t header_bytes;
	int redirected;
	unsigned attempts;
	int unreachable; /* the last attempt found no connection */
	double started, due;
	char *errbuf;      /* CURL_ERROR_SIZE bytes while in flight */
	long last_status;  /* waiting for a retry: the answer it follows ... */
	char *last_reason; /* ... or why there was none (body kept in resp) */
};

/* Fill c from o and token (both must outlive c): the base URL (with
 * VAULT_TLS_SERVER_NAME applied) and the transport.  Errors: ST_CONFIG. */
int xfer_conf_init(struct xfer_conf *c, const struct fetch_opts *o,
                   const struct secret *token, struct error *err);
void xfer_conf_free(struct xfer_conf *c);

/* A new transfer for f; path and body (may be NULL) are copied. */
struct xfer *xfer_new(struct fetcher *f, const char *method, const char *path,
                      const struct secret *body, int flags, fetch_cb cb,
                      void *ctx);
/* Wipes the body, the headers (they hold the token) and the answer. */
void xfer_free(struct xfer *x);

/* Set e up for x's next attempt (x->easy = e, buffers reset); ms_left
 * bounds the attempt.  The caller adds e to its multi handle.  Returns the
 * first refusal of a security-relevant option (the URL, the protocols, the
 * socket path, the TLS server name's stand-in, and transport_setup's), or
 * CURLE_OK: the transfer must then not be sent. */
CURLcode xfer_setup(struct xfer *x, CURL *e, const struct xfer_conf *c,
                    long ms_left);

/* What an attempt came to, once libcurl is done with it (rc; status the
 * HTTP status when rc is CURLE_OK).  Borrowed from x's handle: valid until
 * x is released. */
enum xfer_kind {
	XFER_ANSWERED, /* status is the answer (retry_after_ms: Retry-After) */
	XFER_REDIRECT, /* status is a redirect to loc (NULL: no Location) */
	XFER_UNANSWERED, /* no answer (reason); policy_retry_curl(rc) may retry */
	XFER_FAILED,     /* final: failure and reason */
};
struct xfer_end {
	int failure;
	char reason[600];
	const char *loc;
	double retry_after_ms;
};
/* Too large (ST_PROTOCOL), the deadline passed waiting (ST_TEMPFAIL), a
 * transport failure retrying cannot mend, an answer that is not Vault's API
 * (transport.c's checks): XFER_FAILED.  deadline on the now_ms() clock. */
enum xfer_kind xfer_end(struct xfer *x, CURLcode rc, long status,
                        const struct xfer_conf *c, double deadline,
                        struct xfer_end *e);

#endif
