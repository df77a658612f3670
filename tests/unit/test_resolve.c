/* test_resolve.c - when reads go out speculatively (a table). */
#include <stdio.h>

#include "resolve.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	int would, known;
	long uses;
	enum speculation want;
} cases[] = {
	/* nothing would be guessed: no lookup either */
	{0, 0, 0, SPECULATE_NO},
	{0, 1, 0, SPECULATE_NO},
	{0, 1, 5, SPECULATE_NO},
	/* a handed token: its uses are looked up first */
	{1, 0, 0, SPECULATE_ASK},
	{1, 0, 7, SPECULATE_ASK},
	/* known: only an unlimited token guesses */
	{1, 1, 0, SPECULATE_YES},
	{1, 1, 1, SPECULATE_NO},
	{1, 1, 1000, SPECULATE_NO},
	/* unknown after asking (lookup refused), or a pending revocation */
	{1, 1, -1, SPECULATE_NO},
};

TEST(resolve_speculation_table)
{
	size_t i;

	for (i = 0; i < N(cases); i++)
		if (resolve_speculation(cases[i].would, cases[i].known,
		                        cases[i].uses) != cases[i].want) {
			fprintf(stderr, "  case %zu\n", i);
			CHECK(0);
		}
}
