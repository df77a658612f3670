/* xfer.c - one transfer's easy handle: its options, its headers, libcurl's
 * callbacks for the body, the headers and the -vvv trace, and what an
 * attempt came to. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "mask.h"
#include "policy.h"
#include "preconnect.h"
#include "redact.h"
#include "transport.h"
#include "util.h"
#include "xfer.h"

#define BODY_MAX (4u << 20) /* larger answers are refused (76) */
#define HEADERS_MAX (64u << 10)

/* VAULT_TLS_SERVER_NAME: libcurl 7.88 has no option for the name to verify,
 * so the URL names that host and CONNECT_TO sends its connections to the
 * address's real host and port. */
static int tls_name(struct xfer_conf *c, struct error *err)
{
	CURLU *u;
	char *host = NULL, *port = NULL, *url = NULL, *map;
	int rc = ST_OK;

	if (c->o->tls_server_name == NULL || !url_is_https(c->o->base_url)) {
		c->base_url = xstrdup(c->o->base_url);
		return ST_OK;
	}
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, c->o->base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, c->o->tls_server_name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		rc = error_set(err, ST_CONFIG,
		               "cannot apply the TLS server name to %s",
		               c->o->base_url);
	} else {
		size_t n = strlen(url);

		while (n > 0 && url[n - 1] == '/')
			n--;
		c->base_url = xstrndup(url, n);
		map = xasprintf("%s:%s:%s:%s", c->o->tls_server_name, port,
		                host, port);
		c->connect_to = curl_slist_append(NULL, map);
		free(map);
	}
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int xfer_conf_init(struct xfer_conf *c, const struct fetch_opts *o,
                   const struct secret *token, struct error *err)
{
	memset(c, 0, sizeof *c);
	c->o = o;
	c->token = token;
	if (tls_name(c, err) != ST_OK)
		return err->status;
	return transport_new(&c->transport, o, err);
}

void xfer_conf_free(struct xfer_conf *c)
{
	free(c->base_url);
	curl_slist_free_all(c->connect_to);
	transport_free(c->transport);
	memset(c, 0, sizeof *c);
}

static void wipe_headers(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

void xfer_free(struct xfer *x)
{
	free(x->path);
	free(x->url);
	free(x->last_reason);
	secret_wipe(&x->body);
	wipe_headers(x->headers);
	wipe_free(x->resp, x->cap);
	free(x);
}

struct xfer *xfer_new(struct fetcher *f, const char *method, const char *path,
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
	return x;
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
		transport_note(x->transport, x->easy);
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

static struct curl_slist *build_headers(const struct xfer_conf *c,
                                        const struct xfer *x)
{
	struct curl_slist *h = NULL, *t;
	char *line;

	h = curl_slist_append(h, "X-Vault-Request: true");
	if (h && c->o->namespace) {
		line = xasprintf("X-Vault-Namespace: %s", c->o->namespace);
		t = curl_slist_append(h, line);
		free(line);
		h = t ? t : h;
	}
	if (h && c->token->p && !(x->flags & FETCH_NO_TOKEN)) {
		size_t n = sizeof "X-Vault-Token: " + c->token->len;

		line = xmalloc(n);
		memcpy(line, "X-Vault-Token: ", sizeof "X-Vault-Token: " - 1);
		memcpy(line + sizeof "X-Vault-Token: " - 1, c->token->p,
		       c->token->len + 1);
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

/* Every socket close-on-exec: no connection of vaultrun's may reach a
 * command it starts (supervise mode forks while the fetcher lives). */
static curl_socket_t open_socket(void *arg, curlsocktype purpose,
                                 struct curl_sockaddr *a)
{
	struct xfer_sockets *s = arg;
	int fd;

	(void)purpose;
	if (s->pre && s->skip > 0) /* the login's own, as before */
		s->skip--;
	else if (s->pre && a->socktype == SOCK_STREAM &&
	         (fd = preconnect_take(s->pre, &a->addr, a->addrlen)) >= 0) {
		log_debug("a connection opened during the login");
		return s->handed = fd;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* A socket from the preconnect set is connected already: libcurl skips
 * connect(). */
static int socket_opened(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct xfer_sockets *s = arg;

	(void)purpose;
	if (fd == s->handed && fd != CURL_SOCKET_BAD) {
		s->handed = CURL_SOCKET_BAD;
		return CURL_SOCKOPT_ALREADY_CONNECTED;
	}
	return CURL_SOCKOPT_OK;
}

CURLcode xfer_setup(struct xfer *x, CURL *e, const struct xfer_conf *c, long ms_left)
{
	CURLcode rc = CURLE_OK;

	x->easy = e;
	x->transport = c->transport;
	x->len = 0;
	x->too_large = 0;
	x->header_bytes = 0;
	x->errbuf = xmalloc(CURL_ERROR_SIZE);
	x->errbuf[0] = '\0';
	if (x->headers == NULL)
		x->headers = build_headers(c, x);
	/* Built when first sent: a thousand queued reads hold only paths. */
	if (x->url == NULL)
		x->url = xasprintf("%s/v1/%s", c->base_url, x->path);
	transport_must(&rc, curl_easy_setopt(e, CURLOPT_URL, x->url));
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c->sockets);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, socket_opened);
	curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, c->sockets);
	/* A request given up on (the deadline) must not wait for its resolver
	 * thread: getaddrinfo can block for as long as resolv.conf's timeouts,
	 * 10 s and more, past --timeout.  The thread is left to finish alone. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	transport_must(&rc,
	               curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	/* Vault's answers are small: a 1 KiB receive buffer per transfer
	 * (libcurl's least; 16 KiB by default) holds a KV answer with its
	 * headers in one or two reads and keeps the footprint down at -j 32
	 * and beyond (peak RSS at 1,000 references: -200 KiB against 4 KiB). */
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 1024L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	/* Over https, wait for ALPN to say whether the first connection can
	 * multiplex (HTTP/2: one connection for everything).  Plain http never
	 * multiplexes, and waiting would cost the first round trip. */
	if (url_is_https(x->url))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (c->o->unix_socket && !x->redirected)
		transport_must(&rc, curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH,
		                                     c->o->unix_socket));
	if (strcmp(x->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body.p ? x->body.p : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)x->body.len);
		if (strcmp(x->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	}
	transport_must(&rc, transport_setup(c->transport, e,
	                                    x->redirected ? x->url : c->o->base_url,
	                                    c->o->unix_socket && !x->redirected,
	                                    ms_left));
	if (c->connect_to)
		transport_must(&rc, curl_easy_setopt(e, CURLOPT_CONNECT_TO,
		                                     c->connect_to));
	if (log_enabled(LOG_TRACE)) {
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
	return rc;
}

/* Why there was no answer, in words (cap bytes): the transport's own
 * diagnosis first (ST_CONFIG, ST_PROTOCOL: returned), else ST_OK. */
static int unanswered(const struct xfer *x, CURLcode rc,
                      const struct xfer_conf *c, char *reason, size_t cap)
{
	int st = transport_failure(c->transport, rc, x->errbuf, x->url, reason,
	                           cap);

	if (st != ST_OK)
		return st;
	if (c->o->unix_socket && !x->redirected && rc == CURLE_COULDNT_CONNECT)
		snprintf(reason, cap, "cannot connect to unix socket %s",
		         c->o->unix_socket);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(reason, cap,
		         "no answer within %g s (VAULT_CLIENT_TIMEOUT)",
		         c->o->client_timeout / 1000.0);
	else
		snprintf(reason, cap, "%s",
		         x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	return ST_OK;
}

enum xfer_kind xfer_end(struct xfer *x, CURLcode rc, long status,
                        const struct xfer_conf *c, double deadline,
                        struct xfer_end *e)
{
	curl_off_t ra = 0;
	char *ctype = NULL, *loc = NULL;

	memset(e, 0, sizeof *e);
	/* libcurl 7.88 gives up on a header line over 100 KB with "out of
	 * memory"; once headers have started arriving, that is what it means. */
	if (rc == CURLE_OUT_OF_MEMORY && x->header_bytes > 0) {
		x->header_bytes = HEADERS_MAX + 1;
		x->too_large = 1;
	}
	e->failure = ST_PROTOCOL;
	if (x->too_large) {
		snprintf(e->reason, sizeof e->reason, "%s",
		         x->header_bytes > HEADERS_MAX ?
		                 "response headers larger than 64 KiB" :
		                 "response body larger than 4 MiB");
		return XFER_FAILED;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && now_ms() >= deadline - 1) {
		e->failure = ST_TEMPFAIL;
		snprintf(e->reason, sizeof e->reason,
		         "deadline passed while waiting for an answer");
		return XFER_FAILED;
	}
	if (rc != CURLE_OK) {
		/* transport.c's messages fit this, as before the split */
		e->failure = unanswered(x, rc, c, e->reason, CURL_ERROR_SIZE + 256);
		return e->failure != ST_OK ? XFER_FAILED : XFER_UNANSWERED;
	}
	if (policy_is_redirect(status)) {
		curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
		e->loc = loc;
		return XFER_REDIRECT;
	}
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
	e->failure = transport_answer(c->transport, status, x->url, ctype, x->resp,
	                              x->len, e->reason, sizeof e->reason);
	if (e->failure != ST_OK)
		return XFER_FAILED;
	curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
	e->retry_after_ms = (double)ra * 1000.0;
	return XFER_ANSWERED;
}
