/* test_rotate.c - the watch schedule and the restart decision, as tables. */
#include <math.h>

#include "rotate.h"
#include "t.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

TEST(rotate_reads_every_interval_with_ten_percent_jitter)
{
	static const struct {
		double now, interval, rnd, want;
	} cases[] = {
		{0, 30, 0.0, 27},
		{0, 30, 0.5, 30},
		{0, 30, 1.0, 33},
		{100, 1, 0.25, 100.95},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, cases[i].now, cases[i].interval, cases[i].rnd);
		CHECK(near(r.next_read, cases[i].want));
		CHECK(rotate_restart_at(&r) < 0);
	}
}

/* A sequence of events -> when the restart comes (or none). */
TEST(rotate_debounce_and_gap)
{
	static const struct {
		const char *what;
		double reads[4];  /* times of changed reads; 0 ends */
		int failed;       /* the reads failed instead */
		double restarted; /* a restart before them, or -1 */
		double want;      /* restart at, or -1 */
	} cases[] = {
		{"one change: 2 s later", {5, 0}, 0, -1, 7},
		{"two within 2 s: one restart after the last", {5, 6.5, 0}, 0, -1, 8.5},
		{"three in a row", {5, 6, 7, 0}, 0, -1, 9},
		{"failed reads never restart", {5, 6, 0}, 1, -1, -1},
		{"10 s after the last restart at the soonest", {3, 0}, 0, 0, 10},
		{"far from the last restart: 2 s", {20, 0}, 0, 0, 22},
	};
	size_t i, j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, 0, 1, 0.5);
		if (cases[i].restarted >= 0)
			rotate_restarted(&r, cases[i].restarted);
		for (j = 0; j < 4 && cases[i].reads[j] > 0; j++)
			rotate_read(&r, cases[i].reads[j], !cases[i].failed, 1,
			            0.5);
		CHECK(near(rotate_restart_at(&r), cases[i].want));
	}
}

TEST(rotate_restart_clears_the_change)
{
	struct rotate r;

	rotate_init(&r, 0, 5, 0.5);
	rotate_read(&r, 5, 1, 1, 0.5);
	CHECK(near(rotate_restart_at(&r), 7));
	rotate_restarted(&r, 7);
	CHECK(rotate_restart_at(&r) < 0);
	/* an unchanged read after it schedules nothing */
	rotate_read(&r, 12, 1, 0, 0.5);
	CHECK(rotate_restart_at(&r) < 0);
	CHECK(near(r.next_read, 17));
	/* a change 1 s after a restart waits out the 10 s */
	rotate_read(&r, 8, 1, 1, 0.5);
	CHECK(near(rotate_restart_at(&r), 17));
}

TEST(rotate_replace_only_when_renewal_no_longer_extends)
{
	struct renew l;

	renew_init(&l, 0, 100);
	CHECK(rotate_replace_at(&l) < 0);
	renew_granted(&l, 60, 50); /* capped: the last grant, to 110 */
	CHECK(l.final);
	CHECK(near(rotate_replace_at(&l), 110 - 5));
}
