/* fetch.c - the curl multi loop: one struct xfer per request, the cap on
 * requests in flight, retries with backoff, one redirect, the deadline. */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/socket.h>

#include "fetch.h"
#include "log.h"
#include "mask.h"
#include "preconnect.h"
#include "proxy.h"
#include "ratelimit.h"
#include "redact.h"
#include "transport.h"
#include "util.h"

#define BODY_MAX (4u << 20) /* larger answers are refused (76) */
#define HEADERS_MAX (64u << 10)
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
	char *resp; /* response body, wiped on release */
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

struct xqueue {
	struct xfer *head, *tail;
};

struct fetcher {
	CURLM *multi;
	struct fetch_opts o; /* strings borrowed from the caller */
	struct secret token;
	struct xqueue ready;   /* waiting for a slot */
	struct xqueue waiting; /* backing off before a retry */
	struct xfer *active;   /* in flight, linked through next */
	CURL **pool;           /* idle easy handles */
	size_t npool;
	char *base_url; /* o.base_url, or with tls_server_name as host */
	struct curl_slist *connect_to; /* tls_server_name -> the real host */
	struct transport *transport;   /* each handle's settings */
	struct ratelimit rl;           /* VAULT_RATE_LIMIT */
	long inflight;
	const volatile sig_atomic_t *stop; /* set: end every request now */
	int stop_fd;                       /* readable once stop is set */
	long cap;                          /* most requests in flight now */
	long want; /* ... once the transport is known (and the pool's size) */
	int mux;   /* -1 until the first answer; then 1 for HTTP/2, else 0 */
	unsigned requests, peak;
	unsigned long long rng;
	struct preconnect *pre; /* connections opened during a login */
	curl_socket_t handed;   /* the one open_socket just took from pre */
	size_t pre_skip;        /* sockets for the requests queued before it */
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

/* xorshift64*: jitter only needs to be spread, not unpredictable. */
static double jitter(struct fetcher *f, double max)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return max * (double)((f->rng * 2685821657736338717ULL) >> 11) /
	       (double)(1ULL << 53);
}

static int is_https(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0;
}

/* VAULT_TLS_SERVER_NAME: libcurl 7.88 has no option for the name to verify,
 * so the URL names that host and CONNECT_TO sends its connections to the
 * address's real host and port. */
static int tls_name(struct fetcher *f, struct error *err)
{
	CURLU *u;
	char *host = NULL, *port = NULL, *url = NULL, *map;
	int rc = ST_OK;

	if (f->o.tls_server_name == NULL ||
	    strncasecmp(f->o.base_url, "https://", 8) != 0) {
		f->base_url = xstrdup(f->o.base_url);
		return ST_OK;
	}
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, f->o.base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, f->o.tls_server_name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		rc = error_set(err, ST_CONFIG,
		               "cannot apply the TLS server name to %s",
		               f->o.base_url);
	} else {
		size_t n = strlen(url);

		while (n > 0 && url[n - 1] == '/')
			n--;
		f->base_url = xstrndup(url, n);
		map = xasprintf("%s:%s:%s:%s", f->o.tls_server_name, port, host,
		                port);
		f->connect_to = curl_slist_append(NULL, map);
		free(map);
	}
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

static int global_init(void *arg)
{
	(void)arg;
	return curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK;
}

/* The first answer shows the transport, and by then the server's SETTINGS
 * have come (a server sends them first): over HTTP/2 the cap becomes -j, or
 * H2_STREAMS, with libcurl keeping each connection within the server's
 * stream limit; over HTTP/1.1, -j or H1_CONNS connections. */
static void transport_known(struct fetcher *f, long version)
{
	if (f->mux != -1)
		return;
	f->mux = version == CURL_HTTP_VERSION_2_0;
	f->cap = f->mux || f->o.concurrency > 0 ? f->want : H1_CONNS;
	log_debug("%s: at most %ld requests in flight",
	          f->mux ? "HTTP/2" : "HTTP/1.1", f->cap);
}

#define FD_PROBE 1024

/* Which of the first FD_PROBE descriptors are open. */
static void open_fds(unsigned char *open_now)
{
	int fd;

	for (fd = 0; fd < FD_PROBE; fd++)
		open_now[fd] = fcntl(fd, F_GETFD) != -1;
}

/* libcurl 7.88 opens descriptors of its own without close-on-exec (the
 * multi handle's wake-up socket pair): whatever opened since `before` is
 * libcurl's, and becomes close-on-exec. */
static void cloexec_new_fds(const unsigned char *before)
{
	int fd, flags;

	for (fd = 0; fd < FD_PROBE; fd++)
		if (!before[fd] && (flags = fcntl(fd, F_GETFD)) != -1)
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

struct fetcher *fetch_new(const struct fetch_opts *o, struct error *err)
{
	unsigned char before[FD_PROBE];
	struct fetcher *f;
	long conns;
	int tls = is_https(o->base_url) && o->unix_socket == NULL;

	open_fds(before);
	/* libcurl opens $SSLKEYLOGFILE when it initialises and writes every TLS
	 * session's keys there: vaultrun ignores it (the command still gets it). */
	if (without_env("SSLKEYLOGFILE", global_init, NULL) != 0) {
		error_set(err, ST_OSERR, "cannot initialise libcurl");
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->o = *o;
	f->stop_fd = -1;
	f->handed = CURL_SOCKET_BAD;
	f->multi = curl_multi_init();
	cloexec_new_fds(before);
	if (f->multi == NULL) {
		free(f);
		curl_global_cleanup();
		error_set(err, ST_OSERR, "cannot initialise libcurl");
		return NULL;
	}
	/* -j N: at most N in flight, on at most N connections (HTTP/1.1 needs
	 * one each, HTTP/2 carries them all on one).  Plain http never
	 * multiplexes: its cap is known from the start. */
	f->want = o->concurrency > 0 ? o->concurrency :
	          tls                ? H2_STREAMS :
	                               H1_CONNS;
	conns = o->concurrency > 0 ? o->concurrency : H1_CONNS;
	f->mux = tls ? -1 : 0;
	f->cap = !tls                   ? f->want :
	         f->want < FIRST_FLIGHT ? f->want :
	                                  FIRST_FLIGHT;
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, conns);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, conns);
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, f->want);
	f->pool = xcalloc((size_t)f->want, sizeof *f->pool);
	if (tls_name(f, err) != ST_OK ||
	    transport_new(&f->transport, &f->o, err) != ST_OK) {
		fetch_free(f);
		return NULL;
	}
	ratelimit_init(&f->rl, o->rate, o->burst, now_ms());
	if (getrandom(&f->rng, sizeof f->rng, 0) != (ssize_t)sizeof f->rng ||
	    f->rng == 0)
		f->rng = (unsigned long long)now_ms() | 1;
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

static void wipe_headers(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

static void xfer_free(struct xfer *x)
{
	free(x->path);
	free(x->url);
	free(x->last_reason);
	secret_wipe(&x->body);
	wipe_headers(x->headers);
	wipe_free(x->resp, x->cap);
	free(x);
}

void fetch_add(struct fetcher *f, const char *method, const char *path,
               const struct secret *body, int flags, fetch_cb cb, void *ctx)
{
	struct xfer *x = xcalloc(1, sizeof *x);

	x->f = f;
	x->method = method;
	x->path = xstrdup(path);

	if (body)
		secret_set(&x->body, body->p, body->len);
	x->flags = flags;
	x->cb = cb;
	x->ctx = ctx;
	push(&f->ready, x);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t add = size * n;

	if (add > BODY_MAX - x->len) {
		x->too_large = 1;
		return 0;
	}
	wipe_append(&x->resp, &x->len, &x->cap, p, add);
	return add;
}

/* Headers are counted so that a flood of them is refused as not the Vault
 * API (76) before libcurl gives up on it with a misleading error. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	(void)p;
	if (x->header_bytes == 0) /* the connection is up: note what it is */
		transport_note(x->f->transport, x->easy);
	x->header_bytes += size * n;
	if (x->header_bytes > HEADERS_MAX) {
		x->too_large = 1;
		return 0;
	}
	return size * n;
}

/* -vvv: curl's protocol trace, with credentials dropped from headers and no
 * bodies at all (they hold secrets, and so do login requests).  The whole
 * text is masked before it is split into lines, and no line is cut here:
 * log.c cuts only after masking again. */
static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size,
                    void *arg)
{
	struct secret text = {NULL, 0};
	const char *mark = type == CURLINFO_HEADER_IN  ? "<" :
	                   type == CURLINFO_HEADER_OUT ? ">" :
	                                                 "*";
	size_t n, i, j;

	(void)easy;
	(void)arg;
	if (type == CURLINFO_DATA_IN || type == CURLINFO_DATA_OUT) {
		log_msg(LOG_TRACE, "%s %zu bytes of body (not shown)",
		        type == CURLINFO_DATA_IN ? "<" : ">", size);
		return 0;
	}
	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN &&
	    type != CURLINFO_HEADER_OUT)
		return 0;
	redact_debug(data, size, &text);
	n = mask_redact(text.p, text.len);
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && text.p[j] != '\n'; j++)
			;
		log_msg(LOG_TRACE, "%s %.*s", mark, (int)(j - i), text.p + i);
	}
	secret_wipe(&text);
	return 0;
}

static struct curl_slist *build_headers(struct fetcher *f, struct xfer *x)
{
	struct curl_slist *h = NULL, *t;
	char *line;

	h = curl_slist_append(h, "X-Vault-Request: true");
	if (h && f->o.namespace) {
		line = xasprintf("X-Vault-Namespace: %s", f->o.namespace);
		t = curl_slist_append(h, line);
		free(line);
		h = t ? t : h;
	}
	if (h && f->token.p && !(x->flags & FETCH_NO_TOKEN)) {
		size_t n = sizeof "X-Vault-Token: " + f->token.len;

		line = xmalloc(n);
		memcpy(line, "X-Vault-Token: ", sizeof "X-Vault-Token: " - 1);
		memcpy(line + sizeof "X-Vault-Token: " - 1, f->token.p,
		       f->token.len + 1);
		t = curl_slist_append(h, line);
		wipe_free(line, n);
		h = t ? t : h;
	}
	if (h && x->body.p) {
		t = curl_slist_append(h, "Content-Type: application/json");
		h = t ? t : h;
	}
	return h;
}

static long ms_left(const struct fetcher *f)
{
	double left = f->o.deadline - now_ms();

	return left < 1 ? 1 : (long)left + 1;
}

/* Every socket close-on-exec: no connection of vaultrun's may reach a
 * command it starts (supervise mode forks while the fetcher lives). */
static curl_socket_t open_socket(void *arg, curlsocktype purpose,
                                 struct curl_sockaddr *a)
{
	struct fetcher *f = arg;
	int fd;

	(void)purpose;
	if (f->pre && f->pre_skip > 0) /* the login's own, as before */
		f->pre_skip--;
	else if (f->pre && a->socktype == SOCK_STREAM &&
	         (fd = preconnect_take(f->pre, &a->addr, a->addrlen)) >= 0) {
		log_debug("a connection opened during the login");
		return f->handed = fd;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* A socket from f->pre is connected already: libcurl skips connect(). */
static int socket_opened(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct fetcher *f = arg;

	(void)purpose;
	if (fd == f->handed && fd != CURL_SOCKET_BAD) {
		f->handed = CURL_SOCKET_BAD;
		return CURL_SOCKOPT_ALREADY_CONNECTED;
	}
	return CURL_SOCKOPT_OK;
}

void fetch_preconnect(struct fetcher *f, size_t n)
{
	size_t queued = (size_t)f->inflight, more;
	const struct xfer *x;
	const char *from, *why;

	for (x = f->ready.head; x; x = x->next)
		queued++;
	/* As many as the cap lets the coming requests use beside the ones
	 * already asked for, each of which gets a connection of its own. */
	more = n < (size_t)f->cap ? n : (size_t)f->cap;
	if (f->pre || more <= queued || f->o.unix_socket || f->connect_to ||
	    proxy_choose(&f->o.proxy, f->base_url, 0, &from, &why))
		return;
	f->pre = preconnect_open(f->base_url, more - queued);
	f->pre_skip = queued;
}

static int start(struct fetcher *f, struct xfer *x)
{
	CURL *e = f->npool ? f->pool[--f->npool] : curl_easy_init();

	if (e == NULL)
		return -1;
	x->easy = e;
	x->len = 0;
	x->too_large = 0;
	x->header_bytes = 0;
	x->errbuf = xmalloc(CURL_ERROR_SIZE);
	x->errbuf[0] = '\0';
	if (x->headers == NULL)
		x->headers = build_headers(f, x);
	/* Built when first sent: a thousand queued reads hold only paths. */
	if (x->url == NULL)
		x->url = xasprintf("%s/v1/%s", f->base_url, x->path);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, socket_opened);
	curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, f);
	/* A request given up on (the deadline) must not wait for its resolver
	 * thread: getaddrinfo can block for as long as resolv.conf's timeouts,
	 * 10 s and more, past --timeout.  The thread is left to finish alone. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	/* Vault's answers are small: a 4 KiB receive buffer per transfer
	 * instead of 16 KiB keeps the footprint down at -j 32 and beyond. */
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	/* Over https, wait for ALPN to say whether the first connection can
	 * multiplex (HTTP/2: one connection for everything).  Plain http never
	 * multiplexes, and waiting would cost the first round trip. */
	if (is_https(x->url))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (f->o.unix_socket && !x->redirected)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, f->o.unix_socket);
	if (strcmp(x->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body.p ? x->body.p : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)x->body.len);
		if (strcmp(x->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	}
	transport_setup(f->transport, e, x->redirected ? x->url : f->o.base_url,
	                f->o.unix_socket && !x->redirected, ms_left(f));
	if (f->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, f->connect_to);
	if (log_enabled(LOG_TRACE)) {
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
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

/* Over the unix socket (VAULT_AGENT_ADDR unix://...), not redirected. */
static int f_unix(const struct xfer *x)
{
	return x->f->o.unix_socket && !x->redirected;
}

/* No connection at all: the address, not the request, failed. */
static int connect_failure(CURLcode rc)
{
	return rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_PEER_FAILED_VERIFICATION;
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
	r.url = f_unix(x) ? NULL : x->url;
	x->cb(x->ctx, &r);
	release_easy(x->f, x);
	xfer_free(x);
}

static int retryable_status(long s)
{
	return s == 412 || s == 429 || s == 500 || s == 502 || s == 503 ||
	       s == 504;
}

/* Older Vaults answer a request without a token 500 "missing client
 * token": no later attempt can fare better. */
static int permanent(const struct xfer *x)
{
	static const char text[] = "missing client token";

	return x->resp && memmem(x->resp, x->len, text, sizeof text - 1) != NULL;
}

/* Transport failures worth another attempt: the server went away or cut the
 * answer short.  Name resolution, TLS and protocol errors are not. */
static int retryable_curl(CURLcode rc)
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

/* Schedule another attempt if the policy allows one before the deadline;
 * status and reason describe the failure it follows. */
static int retry(struct fetcher *f, struct xfer *x, double retry_after_ms,
                 long status, const char *reason)
{
	double wait, now = now_ms();

	if (x->attempts > (unsigned)f->o.max_retries)
		return 0;
	if (retry_after_ms > 0) {
		wait = retry_after_ms;
	} else {
		double ceil = BACKOFF_BASE;
		unsigned i;

		for (i = 1; i < x->attempts && ceil < BACKOFF_CAP; i++)
			ceil *= 2;
		wait = jitter(f, ceil < BACKOFF_CAP ? ceil : BACKOFF_CAP);
	}
	if (now + wait >= f->o.deadline)
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
	curl_off_t ra = 0;
	char *loc = NULL;

	x->unreachable = connect_failure(rc);
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
	/* libcurl 7.88 gives up on a header line over 100 KB with "out of
	 * memory"; once headers have started arriving, that is what it means. */
	if (rc == CURLE_OUT_OF_MEMORY && x->header_bytes > 0) {
		x->header_bytes = HEADERS_MAX + 1;
		x->too_large = 1;
	}
	if (x->too_large) {
		finish(x, 0, ST_PROTOCOL,
		       x->header_bytes > HEADERS_MAX ?
		               "response headers larger than 64 KiB" :
		               "response body larger than 4 MiB");
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && now_ms() >= f->o.deadline - 1) {
		finish(x, 0, ST_TEMPFAIL,
		       "deadline passed while waiting for an answer");
		return;
	}
	if (rc != CURLE_OK) {
		char reason[CURL_ERROR_SIZE + 256];
		int st = transport_failure(f->transport, rc, x->errbuf, x->url,
		                           reason, sizeof reason);

		if (st != ST_OK) {
			finish(x, 0, st, reason);
			return;
		}
		if (f->o.unix_socket && !x->redirected &&
		    rc == CURLE_COULDNT_CONNECT)
			snprintf(reason, sizeof reason,
			         "cannot connect to unix socket %s",
			         f->o.unix_socket);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(reason, sizeof reason,
			         "no answer within %g s (VAULT_CLIENT_TIMEOUT)",
			         f->o.client_timeout / 1000.0);
		else
			snprintf(reason, sizeof reason, "%s",
			         x->errbuf[0] ? x->errbuf :
			                        curl_easy_strerror(rc));
		if (retryable_curl(rc) && retry(f, x, 0, 0, reason))
			return;
		finish(x, 0, ST_UNAVAILABLE, reason);
		return;
	}
	if (status == 301 || status == 302 || status == 307) {
		curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
		if (!f->o.follow_redirects) {
			finish(x, 0, ST_UNAVAILABLE,
			       "redirect refused (VAULT_DISABLE_REDIRECTS is set)");
		} else if (x->redirected) {
			finish(x, 0, ST_UNAVAILABLE, "redirected more than once");
		} else if (loc == NULL) {
			finish(x, 0, ST_UNAVAILABLE, "redirect without a Location");
		} else if (is_https(x->url) && !is_https(loc)) {
			finish(x, 0, ST_UNAVAILABLE,
			       "redirect from https to http refused");
		} else {
			log_debug("%s /v1/%s: following redirect", x->method,
			          x->path);
			free(x->url);
			x->url = xstrdup(loc);
			x->redirected = 1;
			release_easy(f, x);
			push(&f->ready, x);
		}
		return;
	}
	{
		char why[600], *ctype = NULL;
		int st;

		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
		st = transport_answer(f->transport, status, x->url, ctype,
		                      x->resp, x->len, why, sizeof why);
		if (st != ST_OK) {
			finish(x, 0, st, why);
			return;
		}
	}
	if (retryable_status(status) && !permanent(x)) {
		curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
		if (retry(f, x, (double)ra * 1000.0, status, NULL))
			return;
	}
	finish(x, status, 0, NULL);
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
	while ((x = pop(&f->waiting)) || (x = pop(&f->ready))) {
		if (x->attempts == 0)
			finish(x, 0, ST_TEMPFAIL,
			       "deadline passed before the request could be sent");
		else if (x->last_status != 0)
			finish(x, x->last_status, 0, NULL);
		else
			finish(x, 0, ST_UNAVAILABLE, x->last_reason);
	}
}

/* A stop signal came: every request ends now, unanswered. */
static void interrupt(struct fetcher *f)
{
	struct xfer *x;

	while ((x = f->active) || (x = pop(&f->waiting)) || (x = pop(&f->ready)))
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
	return f->ready.head == NULL && f->waiting.head == NULL &&
	       f->inflight == 0;
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
			push(&f->ready, x);
		else {
			push(&later, x);
			if (x->due < *next)
				*next = x->due;
		}
	}
	f->waiting = later;
	while (f->inflight < f->cap && f->ready.head) {
		double wait = ratelimit_take(&f->rl, now);

		if (wait > 0) { /* VAULT_RATE_LIMIT: the next one later */
			if (now + wait < *next)
				*next = now + wait;
			break;
		}
		x = pop(&f->ready);
		if (start(f, x) != 0) {
			finish(x, 0, ST_OSERR, "cannot start a transfer");
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
	fd_set r, w, e;
	int maxfd = -1, fd;
	size_t n = 0;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	if (fetch_idle(f) ||
	    curl_multi_fdset(f->multi, &r, &w, &e, &maxfd) != CURLM_OK)
		return 0;
	for (fd = 0; fd <= maxfd && n < cap; fd++) {
		short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) |
		                   (FD_ISSET(fd, &w) ? POLLOUT : 0) |
		                   (FD_ISSET(fd, &e) ? POLLPRI : 0));

		if (ev == 0)
			continue;
		pf[n].fd = fd;
		pf[n].events = ev;
		pf[n++].revents = 0;
	}
	return n;
}

long fetch_timeout(struct fetcher *f)
{
	struct xfer *x;
	double next = f->o.deadline, now = now_ms();
	long curl_ms = -1, ms;

	if (fetch_idle(f))
		return -1;
	if (f->ready.head && f->inflight < f->cap) {
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
	ms = next <= now ? 0 : (long)(next - now) + 1;
	/* libcurl's own timers (connects, its timeouts); without any socket
	 * to wait on yet, it wants a call soon. */
	if (curl_multi_timeout(f->multi, &curl_ms) == CURLM_OK &&
	    curl_ms >= 0 && curl_ms < ms)
		ms = curl_ms;
	return ms;
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
			preconnect_free(f->pre);
			f->pre = NULL;
			return ST_OK;
		}
		if ((rc = step(f, &next, err)) < 0)
			return err->status;
		if (rc > 0)
			continue;
		timeout = (long)(next - now_ms()) + 1;
		if (timeout > 1000)
			timeout = 1000;
		if (timeout < 0)
			timeout = 0;
		if (curl_multi_poll(f->multi, f->stop_fd >= 0 ? &wake : NULL,
		                    f->stop_fd >= 0, (int)timeout, NULL) != CURLM_OK)
			return error_set(err, ST_SOFTWARE,
			                 "curl_multi_poll failed");
	}
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
	while ((x = pop(&f->ready)) || (x = pop(&f->waiting)))
		xfer_free(x);
	while (f->npool)
		curl_easy_cleanup(f->pool[--f->npool]);
	free(f->pool);
	curl_multi_cleanup(f->multi);
	preconnect_free(f->pre);
	secret_wipe(&f->token);
	free(f->base_url);
	curl_slist_free_all(f->connect_to);
	transport_free(f->transport);
	free(f);
	curl_global_cleanup();
}
