/* test_ratelimit.c - the token bucket, on a clock the test moves. */
#include "ratelimit.h"
#include "t.h"

TEST(ratelimit_bucket)
{
	struct ratelimit r;

	/* 2 a second, burst 3: three at once, then one every 500 ms */
	ratelimit_init(&r, 2, 3, 1000);
	CHECK(ratelimit_take(&r, 1000) == 0);
	CHECK(ratelimit_take(&r, 1000) == 0);
	CHECK(ratelimit_take(&r, 1000) == 0);
	CHECK(ratelimit_take(&r, 1000) == 500);
	CHECK(ratelimit_take(&r, 1250) == 250);
	CHECK(ratelimit_take(&r, 1500) == 0);
	CHECK(ratelimit_take(&r, 1500) == 500);
	/* an idle spell refills no more than the burst */
	CHECK(ratelimit_take(&r, 100000) == 0);
	CHECK(ratelimit_take(&r, 100000) == 0);
	CHECK(ratelimit_take(&r, 100000) == 0);
	CHECK(ratelimit_take(&r, 100000) == 500);
	/* a clock that goes back refills nothing */
	CHECK(ratelimit_take(&r, 99000) == 500);
}

TEST(ratelimit_slow_and_off)
{
	struct ratelimit r;

	ratelimit_init(&r, 0.5, 0, 0); /* burst at least 1 */
	CHECK(ratelimit_take(&r, 0) == 0);
	CHECK(ratelimit_take(&r, 0) == 2000);
	CHECK(ratelimit_take(&r, 2000) == 0);
	ratelimit_init(&r, 0, 1, 0); /* no limit */
	CHECK(ratelimit_take(&r, 0) == 0);
	CHECK(ratelimit_take(&r, 0) == 0);
}
