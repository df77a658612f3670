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
