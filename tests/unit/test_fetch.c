/* test_fetch.c - the fetcher's loop seen from outside: fetch_timeout's
 * answers before anything is sent (its arithmetic: test_policy.c). */
#include <string.h>

#include "fetch.h"
#include "t.h"
#include "util.h"

struct seen {
	int calls;
	long status;
	int failure;
};

static void record(void *ctx, const struct fetch_result *r)
{
	struct seen *s = ctx;

	s->calls++;
	s->status = r->status;
	s->failure = r->failure;
}

/* A fetcher for an address nothing is sent to in these tests. */
static struct fetcher *fetcher(double deadline)
{
	struct fetch_opts o;
	struct error err;

	memset(&o, 0, sizeof o);
	o.base_url = "http://127.0.0.1:9";
	o.deadline = deadline;
	return fetch_new(&o, &err);
}

TEST(fetch_timeout_idle_is_minus_one)
{
	struct fetcher *f = fetcher(now_ms() + 60000);

	REQUIRE(f != NULL);
	CHECK(fetch_idle(f));
	CHECK(fetch_timeout(f) == -1); /* nothing pending: poll may sleep */
	fetch_free(f);
}

TEST(fetch_timeout_ready_request_is_due_now)
{
	struct fetcher *f = fetcher(now_ms() + 60000);
	struct seen s = {0, -1, -1};

	REQUIRE(f != NULL);
	fetch_add(f, "GET", "secret/data/app", NULL, 0, record, &s);
	CHECK(!fetch_idle(f));
	CHECK(fetch_timeout(f) == 0); /* a free slot, no rate limit */
	fetch_free(f);                /* unsent: its callback never runs */
	CHECK(s.calls == 0);
}

TEST(fetch_timeout_past_deadline_then_idle)
{
	struct fetcher *f = fetcher(now_ms() - 1);
	struct seen s = {0, -1, -1};
	struct error err;

	REQUIRE(f != NULL);
	fetch_add(f, "GET", "secret/data/app", NULL, 0, record, &s);
	CHECK(fetch_timeout(f) == 0);
	/* the step that is due ends the request (never sent: 75) */
	CHECK(fetch_step(f, &err) == ST_OK);
	CHECK(s.calls == 1);
	CHECK(s.status == 0 && s.failure == ST_TEMPFAIL);
	CHECK(fetch_idle(f));
	CHECK(fetch_timeout(f) == -1);
	fetch_free(f);
}

struct lazy {
	struct fetcher *f;
	struct seen s;
	size_t made[4];
	size_t nmade;
};

static void make_one(void *ctx, size_t k)
{
	struct lazy *l = ctx;

	l->made[l->nmade++] = k;
	fetch_add(l->f, "GET", "secret/data/app", NULL, 0, record, &l->s);
}

TEST(fetch_lazily_makes_each_request_in_turn)
{
	struct fetcher *f = fetcher(now_ms() - 1);
	struct lazy l;
	struct seen after = {0, -1, -1};
	struct error err;

	REQUIRE(f != NULL);
	memset(&l, 0, sizeof l);
	l.f = f;
	fetch_add_lazily(f, 3, make_one, &l);
	fetch_add(f, "GET", "secret/data/other", NULL, 0, record, &after);
	fetch_add_lazily(f, 0, make_one, &l); /* nothing: not queued */
	CHECK(!fetch_idle(f));
	CHECK(l.nmade == 0); /* nothing made before it can start */
	/* past the deadline: each is made, in turn, and ends unsent */
	CHECK(fetch_step(f, &err) == ST_OK);
	CHECK(l.nmade == 3);
	CHECK(l.made[0] == 0 && l.made[1] == 1 && l.made[2] == 2);
	CHECK(l.s.calls == 3 && l.s.failure == ST_TEMPFAIL);
	CHECK(after.calls == 1);
	CHECK(fetch_idle(f));
	fetch_free(f);
}

TEST(fetch_lazily_unmade_are_dropped_by_free)
{
	struct fetcher *f = fetcher(now_ms() + 60000);
	struct lazy l;

	REQUIRE(f != NULL);
	memset(&l, 0, sizeof l);
	l.f = f;
	fetch_add_lazily(f, 2, make_one, &l);
	CHECK(fetch_timeout(f) == 0); /* ready: a free slot */
	fetch_free(f);
	CHECK(l.nmade == 0 && l.s.calls == 0);
}

static void make_none(void *ctx, size_t k)
{
	(void)ctx;
	(void)k;
}

TEST(fetch_lazily_a_turn_without_a_request_passes)
{
	struct fetcher *f = fetcher(now_ms() - 1);
	struct seen s = {0, -1, -1};
	struct error err;

	REQUIRE(f != NULL);
	fetch_add_lazily(f, 2, make_none, NULL);
	fetch_add(f, "GET", "secret/data/app", NULL, 0, record, &s);
	CHECK(fetch_step(f, &err) == ST_OK);
	CHECK(s.calls == 1);
	CHECK(fetch_idle(f));
	fetch_free(f);
}
