/* test_renew.c - the renewal schedule's rules, as tables. */
#include <math.h>

#include "renew.h"
#include "t.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

TEST(renew_next_two_thirds_less_jitter)
{
	static const struct {
		double duration, now, rnd, want;
	} cases[] = {
		/* 3600 s from 0: 2400 s less 10 % (rnd 0) .. 20 % (rnd -> 1)
		 * of the 3600 s: a window of 360 s, a tenth of the TTL */
		{3600, 0, 0.0, 2040},
		{3600, 0, 0.5, 1860},
		{3600, 0, 1.0, 1680},
		/* later in the life: of what is left */
		{3600, 600, 0.0, 600 + 3000 * (2.0 / 3 - 0.1)},
		{4, 0, 0.0, 4 * (2.0 / 3 - 0.1)},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct renew r;

		renew_init(&r, 0, cases[i].duration);
		CHECK(near(renew_next(&r, cases[i].now, cases[i].rnd),
		           cases[i].want));
	}
}

TEST(renew_next_none_when_final_or_expired)
{
	struct renew r;

	renew_init(&r, 0, 0);
	CHECK(renew_next(&r, 0, 0.5) < 0);
	renew_init(&r, 0, 10);
	CHECK(renew_next(&r, 10, 0.5) < 0);
	CHECK(renew_next(&r, 11, 0.5) < 0);
}

/* 4 s TTL, 30 s max TTL, renewals as the rule schedules them with the mean
 * jitter: the count the 2/3 rule predicts, then one last capped grant. */
TEST(renew_granted_stops_at_max_ttl)
{
	struct renew r;
	double now = 0, max_end = 30;
	int renewals = 0, goes_on = 1;

	renew_init(&r, now, 4);
	while (goes_on && renewals < 100) {
		double left;

		now = renew_next(&r, now, 0.5);
		REQUIRE(now > 0);
		left = max_end - now;
		goes_on = renew_granted(&r, now, left < 4 ? left : 4);
		renewals++;
	}
	CHECK(!goes_on);
	CHECK(r.final);
	CHECK(near(r.expires, 30));
	CHECK(renew_next(&r, now, 0.5) < 0);
	/* each renewal comes (2/3 - 0.15) * 4 s = 2.07 s after the one before:
	 * the 13th, at 26.9 s, is granted the 3.1 s left and is the last */
	CHECK(renewals == 13);
}

TEST(renew_granted_same_duration_goes_on)
{
	struct renew r;

	renew_init(&r, 0, 60);
	CHECK(renew_granted(&r, 40, 60) == 1);
	CHECK(near(r.expires, 100));
	CHECK(renew_granted(&r, 80, 0) == 0);
}

TEST(renew_failed_backoff_doubles_to_five_minutes_never_past_expiry)
{
	static const double want[] = {10, 20, 40, 80, 160, 300, 300};
	struct renew r;
	size_t i;

	renew_init(&r, 0, 100000);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		CHECK(near(renew_failed(&r, 1000), 1000 + want[i]));
	/* a success resets the backoff */
	renew_granted(&r, 1000, 100000);
	CHECK(near(renew_failed(&r, 1000), 1010));
	/* never past the expiry, and nothing once expired */
	renew_init(&r, 0, 15);
	CHECK(near(renew_failed(&r, 10), 15));
	CHECK(renew_failed(&r, 15) < 0);
}

TEST(renew_replace_at_a_tenth_of_life)
{
	struct renew r;

	renew_init(&r, 100, 3600);
	CHECK(near(renew_replace_at(&r), 100 + 3600 - 360));
}
