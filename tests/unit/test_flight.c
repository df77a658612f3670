/* test_flight.c - one request's flight alone: the result flight_finish
 * hands to the callback (the URL over a unix socket, the body and the
 * "unreachable" flag only where they mean something), and a handle taken
 * from the pool by flight_start and given back by flight_release, nothing
 * sent. */
#include <string.h>

#include "fetch.h"
#include "fetcher.h"
#include "flight.h"
#include "t.h"
#include "util.h"
#include "xfer.h"

struct seen {
	int calls;
	struct fetch_result r;
	int url_null;
	char body[16];
};

static void record(void *ctx, const struct fetch_result *r)
{
	struct seen *s = ctx;

	s->calls++;
	s->r = *r;
	s->url_null = r->url == NULL;
	snprintf(s->body, sizeof s->body, "%.*s", (int)r->len, r->body);
	s->r.body = NULL; /* borrowed: gone after the call */
	s->r.url = NULL;
}

/* A fetcher for an address nothing is sent to in these tests. */
static struct fetcher *fetcher(const char *unix_socket)
{
	struct fetch_opts o;
	struct error err;

	memset(&o, 0, sizeof o);
	o.base_url = "http://127.0.0.1:9";
	o.unix_socket = unix_socket;
	o.deadline = now_ms() + 60000;
	return fetch_new(&o, &err);
}

TEST(flight_finish_table)
{
	static const struct {
		const char *unix_socket;
		int redirected;
		const char *resp; /* NULL: none */
		int unreachable;  /* the last attempt's */
		long status;
		int failure;
		const char *reason;
		int url_null, want_unreachable;
		const char *body;
	} t[] = {
		/* an answer: its body; a stale "unreachable" not reported */
		{NULL, 0, "{}", 1, 200, 0, NULL, 0, 0, "{}"},
		/* no answer: no body (what a retry kept is not the answer) */
		{NULL, 0, "{}", 0, 0, ST_UNAVAILABLE, "cut", 0, 0, ""},
		{NULL, 0, NULL, 1, 0, ST_UNAVAILABLE, "refused", 0, 1, ""},
		/* over the unix socket no URL, unless redirected off it */
		{"/run/agent.sock", 0, NULL, 1, 0, ST_UNAVAILABLE, "gone", 1, 1, ""},
		{"/run/agent.sock", 1, NULL, 1, 0, ST_UNAVAILABLE, "gone", 0, 1, ""},
		{"/run/agent.sock", 0, "x", 0, 404, 0, NULL, 1, 0, "x"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct fetcher *f = fetcher(t[i].unix_socket);
		struct seen s;
		struct xfer *x;

		REQUIRE(f != NULL);
		memset(&s, 0, sizeof s);
		x = xfer_new(f, "GET", "secret/data/app", NULL, 0, record, &s);
		x->url = xstrdup("http://127.0.0.1:9/v1/secret/data/app");
		x->redirected = t[i].redirected;
		x->unreachable = t[i].unreachable;
		x->attempts = 3;
		if (t[i].resp) {
			x->len = strlen(t[i].resp);
			x->resp = xstrdup(t[i].resp);
			x->cap = x->len + 1;
		}
		flight_finish(x, t[i].status, t[i].failure, t[i].reason);
		CHECK(s.calls == 1);
		CHECK_STR(s.r.method, "GET");
		CHECK(s.r.status == t[i].status);
		CHECK(s.r.failure == t[i].failure);
		CHECK(s.r.attempts == 3);
		CHECK(s.r.content_type == NULL); /* no handle */
		CHECK(s.url_null == t[i].url_null);
		CHECK(s.r.unreachable == t[i].want_unreachable);
		CHECK_STR(s.body, t[i].body);
		CHECK(fetch_idle(f));
		fetch_free(f);
	}
}

TEST(flight_start_and_release_pool_the_handle)
{
	struct fetcher *f = fetcher(NULL);
	struct seen s;
	struct xfer *x, *y;
	CURLcode why;
	CURL *easy;

	REQUIRE(f != NULL);
	memset(&s, 0, sizeof s);
	x = xfer_new(f, "GET", "secret/data/app", NULL, 0, record, &s);
	flight_release(f, x); /* no handle yet: nothing */
	CHECK(f->inflight == 0 && f->npool == 0);

	REQUIRE(flight_start(f, x, &why) == 0);
	CHECK(why == CURLE_OK);
	CHECK(f->active == x && f->inflight == 1);
	CHECK(x->attempts == 1 && f->requests == 1 && f->peak == 1);
	easy = x->easy;
	flight_release(f, x);
	CHECK(x->easy == NULL && f->active == NULL && f->inflight == 0);
	CHECK(f->npool == 1 && f->pool[0] == easy);

	/* the next attempt takes the pooled handle */
	y = xfer_new(f, "GET", "secret/data/other", NULL, 0, record, &s);
	REQUIRE(flight_start(f, y, &why) == 0);
	CHECK(y->easy == easy && f->npool == 0);
	CHECK(f->active == y && f->requests == 2 && f->peak == 1);
	REQUIRE(flight_start(f, x, &why) == 0); /* again: its second */
	CHECK(x->attempts == 2 && f->peak == 2 && f->active == x);
	flight_release(f, y); /* out of the middle of the list */
	CHECK(f->active == x && x->next == NULL && f->inflight == 1);
	xfer_free(y);
	fetch_free(f); /* releases x */
	CHECK(s.calls == 0);
}
