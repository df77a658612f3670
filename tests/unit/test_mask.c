/* test_mask.c - the redactor.  mask.c keeps a global registry: every test
 * starts and ends with mask_clear. */
#include <stdio.h>
#include <string.h>

#include "mask.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void add(const char *s)
{
	mask_add(s, strlen(s));
}

/* Redact a copy of line; check the result and that it never grew. */
static void redacts(const char *line, const char *want)
{
	char buf[512];
	size_t len = strlen(line), n;

	if (len >= sizeof buf) {
		CHECK(len < sizeof buf);
		return;
	}
	memcpy(buf, line, len + 1);
	n = mask_redact(buf, len);
	CHECK(n <= len);
	CHECK(n == strlen(buf));
	if (strcmp(buf, want) != 0)
		fprintf(stderr, "  line: \"%s\"\n", line);
	CHECK_STR(buf, want);
}

static const struct {
	const char *values[4]; /* registered, NULL-terminated */
	const char *line, *want;
} cases[] = {
	/* under 4 bytes: ignored */
	{{"abc", "xy", "z", NULL}, "abc xy z", "abc xy z"},
	{{"", NULL}, "nothing", "nothing"},
	/* min(len, 8) stars */
	{{"abcd", NULL}, "pw=abcd.", "pw=****."},
	{{"abcdefg", NULL}, "pw=abcdefg.", "pw=*******."},
	{{"abcdefgh", NULL}, "pw=abcdefgh.", "pw=********."},
	{{"abcdefghijklmnop", NULL}, "pw=abcdefghijklmnop.", "pw=********."},
	/* several occurrences, several values */
	{{"s3cr3t", NULL},
         "s3cr3t and s3cr3t, s3cr3ts3cr3t",
         "****** and ******, ************"},
	{{"hunter2", "tok-0123456789", NULL},
         "login hunter2 with tok-0123456789 ok",
         "login ******* with ******** ok"},
	/* longest match wins, whatever the order of registration */
	{{"abcd", "abcdefgh", NULL}, "xxabcdefghyy", "xx********yy"},
	{{"abcdefgh", "abcd", NULL}, "xxabcdefghyy", "xx********yy"},
	{{"abcd", "abcdefgh", NULL}, "xxabcdefgyy", "xx****efgyy"},
	{{"abcd", "abcdef", "abcdefghij", NULL},
         "abcdefghij abcdef abcde",
         "******** ****** ****e"},
	/* values sharing a tail or overlapping in the line */
	{{"aaaa", NULL}, "aaaaaaaaa", "********"},
	/* overlapping values merge: no byte of either shows */
	{{"1234", "2345", NULL}, "12345", "*****"},
	/* start and end of the line */
	{{"START", "END!", NULL}, "START middle END!", "***** middle ****"},
	{{"whole", NULL}, "whole", "*****"},
	/* nothing registered matches */
	{{"password", NULL}, "a line with no values", "a line with no values"},
	{{"password", NULL}, "passwor", "passwor"},
	{{"password", NULL}, "", ""},
	/* a line shorter than four bytes */
	{{"abcd", NULL}, "abc", "abc"},
	/* registering the same value twice is harmless */
	{{"dupe-value", "dupe-value", NULL}, "[dupe-value]", "[********]"},
};

TEST(mask_table)
{
	size_t i, j;

	for (i = 0; i < N(cases); i++) {
		mask_clear();
		for (j = 0; cases[i].values[j]; j++)
			add(cases[i].values[j]);
		redacts(cases[i].line, cases[i].want);
	}
	mask_clear();
}

TEST(mask_empty_registry)
{
	char buf[] = "abcd efgh";

	mask_clear();
	CHECK(mask_redact(buf, strlen(buf)) == 9);
	CHECK_STR(buf, "abcd efgh");
	add("abc"); /* too short: still nothing registered */
	CHECK(mask_redact(buf, strlen(buf)) == 9);
	CHECK_STR(buf, "abcd efgh");
	mask_clear();
}

/* Values are byte strings: a NUL inside one is matched like any byte. */
TEST(mask_nul_bytes)
{
	char buf[32];
	size_t n;

	mask_clear();
	mask_add("ab\0cd", 5);
	memcpy(buf, "xxab\0cdyy", 10);
	n = mask_redact(buf, 9);
	CHECK(n == 9);
	CHECK(memcmp(buf, "xx*****yy", 10) == 0);
	/* "ab" alone, or "ab\0ce", is not the value */
	memcpy(buf, "xxab\0ceyy", 10);
	n = mask_redact(buf, 9);
	CHECK(n == 9);
	CHECK(memcmp(buf, "xxab\0ceyy", 10) == 0);
	/* a value that starts with NUL bytes */
	mask_add("\0\0\0\0k", 5);
	memcpy(buf, "a\0\0\0\0kb", 8);
	n = mask_redact(buf, 7);
	CHECK(n == 7);
	CHECK(memcmp(buf, "a*****b", 8) == 0);
	/* a long one: eight stars, the line shrinks */
	mask_add("0123\0"
	         "56789",
	         10);
	memcpy(buf,
	       "<0123\0"
	       "56789>",
	       13);
	n = mask_redact(buf, 12);
	CHECK(n == 10);
	CHECK(memcmp(buf, "<********>", 11) == 0);
	mask_clear();
}

TEST(mask_clear_forgets)
{
	char buf[64];

	mask_clear();
	add("topsecret");
	add("another-one");
	snprintf(buf, sizeof buf, "%s", "topsecret another-one");
	mask_redact(buf, strlen(buf));
	CHECK_STR(buf, "******** ********");
	mask_clear();
	snprintf(buf, sizeof buf, "%s", "topsecret another-one");
	CHECK(mask_redact(buf, strlen(buf)) == strlen("topsecret another-one"));
	CHECK_STR(buf, "topsecret another-one");
	/* and the registry works again afterwards */
	add("another-one");
	mask_redact(buf, strlen(buf));
	CHECK_STR(buf, "topsecret ********");
	mask_clear();
	mask_clear(); /* twice is harmless */
}

/* Many values sharing their first four bytes: each one found. */
TEST(mask_shared_prefix_many)
{
	char val[32], buf[64];
	int i, bad = 0;

	mask_clear();
	for (i = 0; i < 1000; i++) {
		snprintf(val, sizeof val, "pfx-%d", i);
		add(val);
	}
	for (i = 0; i < 1000; i++) {
		int n = snprintf(buf, sizeof buf, "<pfx-%d>", i);
		size_t got = mask_redact(buf, (size_t)n);
		size_t stars = (size_t)n - 2 < 8 ? (size_t)n - 2 : 8;

		if (got != stars + 2 || buf[0] != '<' || buf[got - 1] != '>' ||
		    strspn(buf + 1, "*") != stars)
			bad++;
	}
	CHECK(bad == 0);
	mask_clear();
}

/* Values with distinct prefixes, each added twice: both indexes grow, every
 * value is kept once, in order, and found. */
TEST(mask_values_each_once)
{
	char val[32], buf[64];
	const char *p;
	size_t len;
	int i, n, bad = 0;

	mask_clear();
	for (i = 0; i < 2000; i++) {
		snprintf(val, sizeof val, "%04d-value", i % 1000);
		add(val);
	}
	CHECK(mask_count() == 1000);
	for (i = 0; i < 1000 && mask_count() == 1000; i++) {
		n = snprintf(val, sizeof val, "%04d-value", i);
		p = mask_value((size_t)i, &len);
		if (len != (size_t)n || memcmp(p, val, len + 1) != 0)
			bad++;
		n = snprintf(buf, sizeof buf, "[%s]", val);
		if (mask_redact(buf, (size_t)n) != 10 ||
		    strcmp(buf, "[********]") != 0)
			bad++;
	}
	CHECK(bad == 0);
	mask_clear();
}
