/* test_nameset.c - names and their lines: duplicates found across growth
 * and after a reservation. */
#include <stdio.h>
#include <string.h>

#include "nameset.h"
#include "t.h"

static void fill_and_check(struct nameset *t)
{
	static char names[3000][8];
	unsigned i;

	for (i = 0; i < 3000; i++) {
		snprintf(names[i], sizeof names[i], "N%u", i);
		CHECK(nameset_add(t, names[i], i + 1) == 0);
	}
	for (i = 0; i < 3000; i++) {
		CHECK(nameset_find(t, names[i]) == i + 1);
		CHECK(nameset_add(t, names[i], 9999) == i + 1); /* the first */
	}
	CHECK(nameset_find(t, "N3000") == 0);
	CHECK(nameset_find(t, "") == 0);
}

TEST(nameset_grows)
{
	struct nameset *t = nameset_new();

	CHECK(nameset_find(t, "A") == 0); /* empty: nothing allocated yet */
	fill_and_check(t);
	nameset_free(t);
	nameset_free(NULL);
}

/* A reservation larger, smaller or after names were added changes
 * nothing in what is found. */
TEST(nameset_reserved)
{
	static const size_t sizes[] = {0, 1, 100, 3000, 100000};
	size_t k;

	for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct nameset *t = nameset_new();

		nameset_reserve(t, sizes[k]);
		CHECK(nameset_add(t, "A", 7) == 0);
		nameset_reserve(t, sizes[k] + 5000);
		CHECK(nameset_find(t, "A") == 7);
		nameset_free(t);
	}
	{
		struct nameset *t = nameset_new();

		nameset_reserve(t, 3000);
		fill_and_check(t);
		nameset_free(t);
	}
}
