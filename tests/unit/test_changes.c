/* test_changes.c - the list a resolved plan yields: changes with their
 * report details, failures in their place; changes_equal sees only what
 * the command sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "plan.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void add(struct changes *c, const char *name, const char *value)
{
	struct secret s = {(char *)value, strlen(value)};

	changes_add(c, name, &s, 0, "secret/x#k", NULL);
}

TEST(changes_equal_ignores_the_report_details)
{
	struct changes *a = changes_new(), *b = changes_new();
	struct change_failure f;

	add(a, "A", "1");
	add(b, "A", "1");
	changes_set_lease(a, 3600, 1);
	changes_set_default(b, "not found");
	memset(&f, 0, sizeof f);
	f.name = "E";
	f.reason = "denied";
	changes_fail(b, &f);
	CHECK(changes_equal(a, b));
	CHECK(changes_get(a, 0)->leased && changes_get(a, 0)->renewable);
	CHECK(changes_get(a, 0)->lease_duration == 3600);
	CHECK_STR(changes_get(b, 0)->defaulted, "not found");
	CHECK(changes_get(a, 0)->defaulted == NULL && !changes_get(b, 0)->leased);
	CHECK(changes_nfailed(a) == 0 && changes_nfailed(b) == 1);
	CHECK(changes_failed(b, 1) == NULL);
	CHECK_STR(changes_failed(b, 0)->where, "environment");
	CHECK_STR(changes_failed(b, 0)->ref, "");
	changes_free(a);
	changes_free(b);
}

/* One variable of a hand-built plan: name, section, status (with reason),
 * value, the item it reads, and its flags. */
static const struct {
	const char *name;
	enum msection section;
	int status;
	const char *reason;
	const char *value;
	size_t item;
	int superseded, defaulted;
	size_t shared;
} vars[] = {
	{"A", MS_ENV, ST_OK, NULL, "aa", 0, 0, 0, 0},
	{"B", MS_FILES, ST_OK, NULL, "bbb", 1, 0, 0, 0}, /* alias of 0 */
	{"C", MS_ENV, ST_NOPERM, "no token", NULL, 2, 0, 0, 1},
	{"D", MS_ENV, ST_NOPERM, "no token", NULL, 2, 0, 0, 1},
	{"E", MS_ENV, ST_OK, NULL, "dflt", 2, 0, 1, 0},
	{"F", MS_ENV, ST_OK, NULL, "xx", 2, 1, 0, 0}, /* superseded: left out */
	{"G", MS_ENV, ST_CONFIG, "bad", NULL, NO_INDEX, 1, 0, 0},
};

TEST(changes_from_plan_carries_outcomes_leases_and_failures)
{
	struct plan p;
	struct pvar v[N(vars)];
	struct pext dflt = {.missing = "not found"}, failed[N(vars)];
	struct pitem it[3];
	char *shared[1] = {"no token: set VAULT_TOKEN"};
	char lease_id[] = "database/creds/x/1";
	struct lease lease = {lease_id, 3600, 1};
	struct changes *c;
	size_t i;

	memset(&p, 0, sizeof p);
	p.file = "m.ini";
	memset(v, 0, sizeof v);
	memset(failed, 0, sizeof failed);
	memset(it, 0, sizeof it);
	for (i = 0; i < N(it); i++)
		it[i].alias = NO_INDEX;
	it[0].lease = &lease;
	it[1].alias = 0;
	for (i = 0; i < N(vars); i++) {
		v[i].name = vars[i].name;
		v[i].reftext = "secret/x#k";
		v[i].line = (unsigned)i + 1;
		v[i].section = vars[i].section;
		v[i].status = vars[i].status;
		v[i].item = vars[i].item;
		v[i].superseded = vars[i].superseded;
		v[i].defaulted = vars[i].defaulted;
		v[i].ext = vars[i].defaulted ? &dflt : NULL;
		if (vars[i].reason) {
			failed[i].reason = (char *)vars[i].reason;
			v[i].ext = &failed[i];
		}
		v[i].shared = vars[i].shared;
		if (vars[i].value) {
			v[i].value.p = (char *)vars[i].value;
			v[i].value.len = strlen(vars[i].value);
		}
	}
	p.vars = v;
	p.nvars = N(v);
	p.items = it;
	p.nitems = N(it);
	p.shared = shared;
	p.nshared = 1;

	c = changes_from_plan(&p);
	REQUIRE(changes_count(c) == 3);
	CHECK_STR(changes_get(c, 0)->name, "A");
	CHECK(changes_get(c, 0)->leased && changes_get(c, 0)->renewable);
	CHECK_STR(changes_get(c, 1)->name, "B"); /* the alias's lease */
	CHECK(changes_get(c, 1)->is_file && changes_get(c, 1)->leased);
	CHECK_STR(changes_get(c, 2)->name, "E");
	CHECK_STR(changes_get(c, 2)->defaulted, "not found");
	CHECK(!changes_get(c, 2)->leased);
	REQUIRE(changes_nfailed(c) == 3);
	CHECK_STR(changes_failed(c, 0)->name, "C");
	CHECK_STR(changes_failed(c, 0)->cause, "no token: set VAULT_TOKEN");
	CHECK_STR(changes_failed(c, 0)->where, "m.ini:3");
	CHECK(changes_failed(c, 0)->before == 2);
	CHECK(changes_failed(c, 0)->status == ST_NOPERM);
	CHECK(changes_failed(c, 1)->cause == NULL); /* said once */
	CHECK_STR(changes_failed(c, 2)->name, "G");
	CHECK(changes_failed(c, 2)->superseded);
	CHECK(changes_failed(c, 2)->before == 3);
	changes_free(c);
}

/* The list copies every value exactly (NUL bytes, a value larger than any
 * block of its arena) and its strings stay put while it grows. */
TEST(changes_keep_exact_copies_as_the_list_grows)
{
	struct changes *c = changes_new();
	static char big[20000];
	struct secret s = {big, sizeof big};
	const char *first_name, *first_value;
	char name[16];
	int i;

	memset(big, 'x', sizeof big);
	big[0] = '\0';
	big[sizeof big - 1] = '\0';
	changes_add(c, "BIG", &s, 1, "secret/big#v", "prof");
	first_name = changes_get(c, 0)->name;
	first_value = changes_get(c, 0)->value.p;
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "V%d", i);
		add(c, name, name + 1);
	}
	CHECK(changes_count(c) == 1001);
	CHECK(changes_get(c, 0)->name == first_name);
	CHECK(changes_get(c, 0)->value.p == first_value);
	CHECK(changes_get(c, 0)->value.len == sizeof big);
	CHECK(memcmp(changes_get(c, 0)->value.p, big, sizeof big) == 0);
	CHECK(changes_get(c, 0)->is_file);
	CHECK_STR(changes_get(c, 0)->profile, "prof");
	CHECK_STR(changes_get(c, 1000)->name, "V999");
	CHECK_STR(changes_get(c, 1000)->value.p, "999");
	CHECK(changes_get(c, 1000)->value.len == 3 &&
	      !changes_get(c, 1000)->is_file);
	CHECK(changes_get(c, 1000)->profile == NULL);
	changes_free(c);
}

/* The log's list of what a re-read changed: names only, in order. */
TEST(changes_differ_names_the_changed_variables)
{
	static const struct {
		const char *a[3][2], *b[3][2]; /* name, value; NULL ends */
		size_t cap;
		const char *want;
	} cases[] = {
		{{{"A", "1"}, {"B", "2"}}, {{"A", "1"}, {"B", "2"}}, 300, ""},
		{{{"A", "1"}, {"B", "2"}}, {{"A", "1"}, {"B", "3"}}, 300, "B"},
		{{{"A", "1"}, {"B", "2"}}, {{"A", "0"}, {"B", "3"}}, 300, "A, B"},
		{{{"A", "1"}, {"B", "2"}}, {{"A", "1"}, {"C", "2"}}, 300, "B"},
		{{{"A", "1"}, {"B", "2"}}, {{"A", "10"}, {"B", "2"}}, 300, "A"},
		{{{"A", "1"}}, {{"A", "1"}, {"B", "2"}}, 300, "the variables"},
		{{{"LONG", "1"}, {"B", "2"}}, {{"LONG", "0"}, {"B", "3"}}, 4, "LON"},
	};
	size_t i, j;

	for (i = 0; i < N(cases); i++) {
		struct changes *a = changes_new(), *b = changes_new();
		char buf[300];

		for (j = 0; j < 3 && cases[i].a[j][0]; j++)
			add(a, cases[i].a[j][0], cases[i].a[j][1]);
		for (j = 0; j < 3 && cases[i].b[j][0]; j++)
			add(b, cases[i].b[j][0], cases[i].b[j][1]);
		CHECK_STR(changes_differ(a, b, buf, cases[i].cap), cases[i].want);
		changes_free(a);
		changes_free(b);
	}
}

TEST(changes_differ_sees_a_value_moved_into_a_file)
{
	struct changes *a = changes_new(), *b = changes_new();
	struct secret s = {(char *)"1", 1};
	char buf[300];

	changes_add(a, "A", &s, 0, "secret/x#k", NULL);
	changes_add(b, "A", &s, 1, "secret/x#k", NULL);
	CHECK_STR(changes_differ(a, b, buf, sizeof buf), "A");
	changes_free(a);
	changes_free(b);
}
