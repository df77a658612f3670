/* test_numtext.c - which numbers keep their text, and the widened copy. */
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "secret.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

TEST(numtext_keeps_table)
{
	static const struct {
		const char *tok;
		int keeps;
	} cases[] = {
		/* plain in-range integers parse as such */
		{"0", 0},
		{"-1", 0},
		{"5432", 0},
		{"9223372036854775807", 0},
		{"-9223372036854775808", 0},
		/* beyond 64 bits, reals, -0 */
		{"9223372036854775808", 1},
		{"-9223372036854775809", 1},
		{"123456789012345678901234567890", 1},
		{"1.0", 1},
		{"1.50", 1},
		{"0.25", 1},
		{"1e400", 1},
		{"1E2", 1},
		{"-1e-5", 1},
		{"2e+3", 1},
		{"-0", 1},
		/* not numbers: left for jansson to refuse */
		{"01", 0},
		{"-", 0},
		{"1.", 0},
		{".5", 0},
		{"1e", 0},
		{"1e+", 0},
		{"+1", 0},
		{"1.2.3", 0},
		{"--1", 0},
		{"", 0},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		int got = numtext_keeps(cases[i].tok, strlen(cases[i].tok));

		if (got != cases[i].keeps)
			fprintf(stderr, "  \"%s\": %d\n", cases[i].tok, got);
		CHECK(got == cases[i].keeps);
	}
}

TEST(numtext_widen_table)
{
	static const struct {
		const char *body, *wide; /* wide NULL: nothing to keep */
		const char *texts[3];
	} cases[] = {
		{"{\"a\":1,\"b\":[2,-3]}", NULL, {NULL}},
		{"{\"a\":1.0}", "{\"a\":0.0}", {"1.0"}},
		{"[1.50,2,-0,1e400]", "[0.0,2,1.0,2.0]", {"1.50", "-0", "1e400"}},
		/* strings are left alone, escaped quotes included */
		{"{\"s\":\"1.5 \\\" 2.5\",\"n\":2.5}",
	         "{\"s\":\"1.5 \\\" 2.5\",\"n\":0.0}",
	         {"2.5"}},
		{"{\"1.5\":\"0.0\"}", NULL, {NULL}},
		{"18446744073709551616", "0.0", {"18446744073709551616"}},
		{"", NULL, {NULL}},
	};
	size_t i, k, n, wlen;

	for (i = 0; i < N(cases); i++) {
		struct numtext t;
		char *wide;

		memset(&t, 0, sizeof t);
		wlen = 0;
		wide = numtext_widen(cases[i].body, strlen(cases[i].body), &t,
		                     &wlen);
		if (cases[i].wide == NULL) {
			CHECK(wide == NULL);
			CHECK(t.n == 0);
			numtext_free(&t);
			continue;
		}
		REQUIRE(wide != NULL);
		CHECK(wlen == strlen(cases[i].wide));
		CHECK_STR(wide, cases[i].wide);
		for (k = 0; k < N(cases[i].texts) && cases[i].texts[k]; k++) {
			const char *text = numtext_get(&t, k, &n);

			REQUIRE(k < t.n);
			CHECK(n == strlen(cases[i].texts[k]) &&
			      memcmp(text, cases[i].texts[k], n) == 0);
		}
		CHECK(t.n == k);
		wipe_free(wide, wlen + 1);
		numtext_free(&t);
		CHECK(t.all == NULL && t.off == NULL && t.n == 0);
	}
}
