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

/* A replacement read is due at its time, but not within 10 s of the last
 * one; rotate_lease_due says whether that time came. */
TEST(rotate_replacement_reads_at_most_every_10_s)
{
	static const struct {
		double replaced; /* the last replacement read, or -1 */
		double at;       /* its replacement time, or -1: never */
		double want;     /* rotate_replace_due */
		double now;
		int due; /* rotate_lease_due at now */
	} cases[] = {
		{-1, 50, 50, 49.9, 0}, {-1, 50, 50, 50, 1},
		{-1, 50, 50, 80, 1},   {-1, -1, -1, 1000, 0},
		{45, 50, 55, 50, 0},   {45, 50, 55, 54.9, 0},
		{45, 50, 55, 55, 1},   {30, 50, 50, 50, 1},
		{45, -1, -1, 100, 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, 0, 5, 0.5);
		if (cases[i].replaced >= 0)
			rotate_replacing(&r, cases[i].replaced);
		CHECK(near(rotate_replace_due(&r, cases[i].at), cases[i].want));
		CHECK(rotate_lease_due(&r, cases[i].now, cases[i].at) ==
		      cases[i].due);
	}
}

/* Which re-read goes out: a replacement due goes before the KV reads. */
TEST(rotate_read_due_replacement_first)
{
	static const struct {
		double now, replace_due; /* next_read is 30 */
		int want;
	} cases[] = {
		{10, -1, ROTATE_NONE},    {30, -1, ROTATE_KV},
		{40, -1, ROTATE_KV},      {10, 20, ROTATE_NONE},
		{20, 20, ROTATE_REPLACE}, {35, 20, ROTATE_REPLACE},
		{35, 34, ROTATE_REPLACE}, {30, 31, ROTATE_KV},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, 0, 30, 0.5);
		CHECK(rotate_read_due(&r, cases[i].now, cases[i].replace_due) ==
		      cases[i].want);
	}
}

/* When the loop must wake: the next read and the soonest replacement only
 * while no re-read is under way, a waiting change's restart always. */
TEST(rotate_wake_at_the_soonest)
{
	static const struct {
		const char *what;
		int reading;
		double replace_due; /* or -1 */
		double changed;     /* a changed read at (pending), or -1 */
		double want;
	} cases[] = {
		{"the next read", 0, -1, -1, 30},
		{"a replacement sooner", 0, 12, -1, 12},
		{"a replacement later", 0, 40, -1, 30},
		{"reading: nothing", 1, 12, -1, -1},
		{"reading, a change waits: its restart", 1, 12, 5, 7},
		{"a change's restart before the next read", 0, -1, 5, 7},
		{"a replacement before the restart", 0, 6, 5, 6},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rotate r;

		rotate_init(&r, 0, 30, 0.5);
		if (cases[i].changed >= 0) {
			rotate_read(&r, cases[i].changed, 1, 1, 0.5);
			r.next_read = 30; /* as if read at 0 */
		}
		CHECK(near(rotate_wake_at(&r, cases[i].reading, cases[i].replace_due,
		                          cases[i].changed >= 0),
		           cases[i].want));
	}
	{
		struct rotate r;

		/* pending but no change recorded: the next read alone */
		rotate_init(&r, 0, 30, 0.5);
		CHECK(near(rotate_wake_at(&r, 0, -1, 1), 30));
		CHECK(rotate_wake_at(&r, 1, -1, 1) < 0);
	}
}
