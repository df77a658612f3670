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

/* A replaced lease restarts at once, but never within 10 s of the last
 * restart; a later KV change does not push it back. */
TEST(rotate_urgent_change_skips_the_debounce)
{
	static const struct {
		const char *what;
		double restarted; /* or -1 */
		double urgent;    /* the replacement's change */
		double kv;        /* a KV change too, or -1 */
		double want;
	} cases[] = {
		{"at once", -1, 30, -1, 30},
		{"gap after a restart", 25, 30, -1, 35},
		{"a KV change later: still at once", -1, 30, 31, 30},
		{"a KV change before: the sooner", -1, 30, 29, 30},
		{"a KV change long before: its debounce", -1, 30, 20, 22},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, 0, 5, 0.5);
		if (cases[i].restarted >= 0)
			rotate_restarted(&r, cases[i].restarted);
		if (cases[i].kv >= 0 && cases[i].kv < cases[i].urgent)
			rotate_read(&r, cases[i].kv, 1, 1, 0.5);
		rotate_urgent(&r, cases[i].urgent);
		if (cases[i].kv >= 0 && cases[i].kv >= cases[i].urgent)
			rotate_read(&r, cases[i].kv, 1, 1, 0.5);
		CHECK(near(rotate_restart_at(&r), cases[i].want));
	}
}

TEST(rotate_unchanged_read_cancels_a_waiting_change)
{
	struct rotate r;

	rotate_init(&r, 0, 1, 0.5);
	rotate_read(&r, 1, 1, 1, 0.5);
	CHECK(near(rotate_restart_at(&r), 3));
	rotate_read(&r, 2, 0, 0, 0.5); /* failed: nothing changes */
	CHECK(near(rotate_restart_at(&r), 3));
	rotate_read(&r, 2.5, 1, 0, 0.5); /* the command's values again */
	CHECK(rotate_restart_at(&r) < 0);
	/* but never an urgent one: the old lease is ending */
	rotate_urgent(&r, 4);
	rotate_read(&r, 4.5, 1, 0, 0.5);
	CHECK(near(rotate_restart_at(&r), 4));
}

TEST(rotate_replacement_reads_at_most_every_10_s)
{
	static const struct {
		double replaced; /* the last replacement read, or -1 */
		double at, want;
	} cases[] = {
		{-1, 50, 50}, {-1, -1, -1}, {45, 50, 55},
		{30, 50, 50}, {45, -1, -1},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, 0, 5, 0.5);
		if (cases[i].replaced >= 0)
			rotate_replacing(&r, cases[i].replaced);
		CHECK(near(rotate_replace_due(&r, cases[i].at), cases[i].want));
	}
}
