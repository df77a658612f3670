/* test_xfer.c - one transfer: its headers, its URL, the TLS server name's
 * stand-in, and what an attempt that libcurl ended came to. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "transport.h"
#include "util.h"
#include "xfer.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The headers as one string, "\n" after each. */
static char *headers(const struct curl_slist *h)
{
	char *s = xstrdup(""), *t;

	for (; h; h = h->next) {
		t = xasprintf("%s%s\n", s, h->data);
		free(s);
		s = t;
	}
	return s;
}

/* A transfer set up on a fresh handle, as its first attempt would be. */
static struct xfer *set_up(const struct xfer_conf *c, const char *method,
                           const char *body, int flags)
{
	struct secret b = {NULL, 0};
	struct xfer *x;

	if (body)
		secret_set(&b, body, strlen(body));
	x = xfer_new(NULL, method, "secret/data/app", body ? &b : NULL, flags,
	             NULL, NULL);
	secret_wipe(&b);
	xfer_setup(x, curl_easy_init(), c, 1000);
	return x;
}

/* Settings, a token and the conf that borrows them. */
struct fix {
	struct fetch_opts o;
	struct secret token;
	struct xfer_conf c;
};

static void fix_init(struct fix *f, const char *base_url)
{
	memset(f, 0, sizeof *f);
	f->o.base_url = base_url;
}

static int fix_conf(struct fix *f)
{
	struct error err;

	return xfer_conf_init(&f->c, &f->o, &f->token, &err);
}

static void fix_free(struct fix *f)
{
	xfer_conf_free(&f->c);
	secret_wipe(&f->token);
}

static void tear_down(struct xfer *x)
{
	curl_easy_cleanup(x->easy);
	free(x->errbuf);
	xfer_free(x);
}

TEST(xfer_headers_table)
{
	static const struct {
		const char *namespace, *token, *method, *body;
		int flags;
		const char *want;
	} cases[] = {
		{NULL, NULL, "GET", NULL, 0, "X-Vault-Request: true\n"},
		{NULL, "hvs.t", "GET", NULL, 0,
	         "X-Vault-Request: true\nX-Vault-Token: hvs.t\n"},
		{"team/a", "hvs.t", "GET", NULL, 0,
	         "X-Vault-Request: true\nX-Vault-Namespace: team/a\n"
	         "X-Vault-Token: hvs.t\n"},
		/* a login carries no token, and its body is JSON */
		{"team/a", "hvs.t", "POST", "{\"role\":\"r\"}", FETCH_NO_TOKEN,
	         "X-Vault-Request: true\nX-Vault-Namespace: team/a\n"
	         "Content-Type: application/json\n"},
		{NULL, "hvs.t", "PUT", "{}", 0,
	         "X-Vault-Request: true\nX-Vault-Token: hvs.t\n"
	         "Content-Type: application/json\n"},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct fix f;
		struct xfer *x;
		char *got;

		fix_init(&f, "http://127.0.0.1:8200");
		f.o.namespace = cases[i].namespace;
		if (cases[i].token)
			secret_set(&f.token, cases[i].token,
			           strlen(cases[i].token));
		REQUIRE(fix_conf(&f) == ST_OK);
		x = set_up(&f.c, cases[i].method, cases[i].body, cases[i].flags);
		got = headers(x->headers);
		CHECK_STR(got, cases[i].want);
		CHECK_STR(x->url, "http://127.0.0.1:8200/v1/secret/data/app");
		CHECK(x->attempts == 0); /* the scheduler counts attempts */
		free(got);
		tear_down(x);
		fix_free(&f);
	}
}

TEST(xfer_tls_server_name)
{
	static const struct {
		const char *base_url, *name, *url, *connect_to;
	} cases[] = {
		{"https://10.0.0.5:8200", "vault.internal",
	         "https://vault.internal:8200",
	         "vault.internal:8200:10.0.0.5:8200"},
		{"https://10.0.0.5", "vault.internal", "https://vault.internal",
	         "vault.internal:443:10.0.0.5:443"},
		/* plain http has no name to verify; no name, nothing to do */
		{"http://10.0.0.5:8200", "vault.internal",
	         "http://10.0.0.5:8200", NULL},
		{"https://10.0.0.5:8200", NULL, "https://10.0.0.5:8200", NULL},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct fix f;

		fix_init(&f, cases[i].base_url);
		f.o.tls_server_name = cases[i].name;
		REQUIRE(fix_conf(&f) == ST_OK);
		CHECK_STR(f.c.base_url, cases[i].url);
		if (cases[i].connect_to)
			CHECK(f.c.connect_to && strcmp(f.c.connect_to->data,
			                               cases[i].connect_to) == 0);
		else
			CHECK(f.c.connect_to == NULL);
		fix_free(&f);
	}
}

TEST(xfer_end_table)
{
	enum { BODY = 1, HEADERS, ERRBUF, UNIX };
	static const struct {
		CURLcode rc;
		long status;
		int setup; /* what happened during the transfer */
		int deadline_passed;
		enum xfer_kind kind;
		int failure;
		const char *reason;
	} cases[] = {
		{CURLE_OK, 200, 0, 0, XFER_ANSWERED, ST_OK, ""},
		{CURLE_OK, 503, 0, 0, XFER_ANSWERED, ST_OK, ""},
		{CURLE_OK, 307, 0, 0, XFER_REDIRECT, ST_PROTOCOL, ""},
		{CURLE_WRITE_ERROR, 0, BODY, 0, XFER_FAILED, ST_PROTOCOL,
	         "response body larger than 4 MiB"},
		{CURLE_WRITE_ERROR, 0, HEADERS, 0, XFER_FAILED, ST_PROTOCOL,
	         "response headers larger than 64 KiB"},
		/* libcurl's "out of memory" once headers came: a header flood */
		{CURLE_OUT_OF_MEMORY, 0, HEADERS, 0, XFER_FAILED, ST_PROTOCOL,
	         "response headers larger than 64 KiB"},
		{CURLE_OPERATION_TIMEDOUT, 0, 0, 1, XFER_FAILED, ST_TEMPFAIL,
	         "deadline passed while waiting for an answer"},
		{CURLE_OPERATION_TIMEDOUT, 0, 0, 0, XFER_UNANSWERED, ST_OK,
	         "no answer within 2.5 s (VAULT_CLIENT_TIMEOUT)"},
		{CURLE_COULDNT_CONNECT, 0, 0, 0, XFER_UNANSWERED, ST_OK,
	         "Couldn't connect to server"},
		{CURLE_COULDNT_CONNECT, 0, ERRBUF, 0, XFER_UNANSWERED, ST_OK,
	         "Failed to connect to 127.0.0.1 port 8200"},
		{CURLE_COULDNT_CONNECT, 0, UNIX, 0, XFER_UNANSWERED, ST_OK,
	         "cannot connect to unix socket /run/vault.sock"},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct fix f;
		struct xfer_end e;
		struct xfer *x;
		enum xfer_kind kind;

		fix_init(&f, "http://127.0.0.1:8200");
		f.o.client_timeout = 2500;
		if (cases[i].setup == UNIX)
			f.o.unix_socket = "/run/vault.sock";
		REQUIRE(fix_conf(&f) == ST_OK);
		x = set_up(&f.c, "GET", NULL, 0);
		if (cases[i].setup == BODY)
			x->too_large = 1;
		if (cases[i].setup == HEADERS) {
			x->header_bytes = 100;
			x->too_large = cases[i].rc == CURLE_WRITE_ERROR;
			if (x->too_large)
				x->header_bytes = 70000;
		}
		if (cases[i].setup == ERRBUF)
			snprintf(x->errbuf, CURL_ERROR_SIZE, "%s",
			         "Failed to connect to 127.0.0.1 port 8200");
		kind = xfer_end(x, cases[i].rc, cases[i].status, &f.c,
		                cases[i].deadline_passed ? 0 : now_ms() + 60000,
		                &e);
		if (kind != cases[i].kind)
			fprintf(stderr, "  case %zu: kind %d (%s)\n", i,
			        (int)kind, e.reason);
		CHECK(kind == cases[i].kind);
		if (kind != XFER_ANSWERED && kind != XFER_REDIRECT) {
			CHECK(e.failure == cases[i].failure);
			CHECK_STR(e.reason, cases[i].reason);
		}
		if (kind == XFER_REDIRECT)
			CHECK(e.loc == NULL); /* no Location: policy refuses */
		tear_down(x);
		fix_free(&f);
	}
}

/* A security-relevant option libcurl refuses fails the setup (curl's own
 * tool checks them so): here a socket path past libcurl's 8 MB limit for a
 * string option.  The first refusal is the one kept. */
TEST(xfer_setup_checked)
{
	static const char *const sockets[] = {NULL, "/run/vault.sock", ""};
	size_t i, big = 8000001;
	CURLcode first = CURLE_OK;
	char *huge = xmalloc(big + 2);

	memset(huge, 'a', big + 1);
	huge[0] = '/';
	huge[big + 1] = '\0';
	for (i = 0; i < N(sockets); i++) {
		struct fix f;
		struct xfer *x;
		CURLcode rc;

		fix_init(&f, "http://127.0.0.1:8200");
		f.o.unix_socket = sockets[i] && *sockets[i] ? sockets[i] :
		                  sockets[i]                ? huge :
		                                              NULL;
		REQUIRE(fix_conf(&f) == ST_OK);
		x = xfer_new(NULL, "GET", "secret/data/app", NULL, 0, NULL, NULL);
		rc = xfer_setup(x, curl_easy_init(), &f.c, 1000);
		CHECK(rc == (i == 2 ? CURLE_BAD_FUNCTION_ARGUMENT : CURLE_OK));
		tear_down(x);
		fix_free(&f);
	}
	free(huge);
	transport_must(&first, CURLE_OK);
	CHECK(first == CURLE_OK);
	transport_must(&first, CURLE_NOT_BUILT_IN);
	transport_must(&first, CURLE_BAD_FUNCTION_ARGUMENT);
	transport_must(&first, CURLE_OK);
	CHECK(first == CURLE_NOT_BUILT_IN);
}
