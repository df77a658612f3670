/* test_streammask.c - the stream masker: tables of values and streams, each
 * stream fed whole, at every split point, in every pair of pieces (short
 * ones) and byte by byte; the output must be the same every time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "streammask.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct out {
	char *p;
	size_t len;
};

static struct streammask *build(const char *const *values)
{
	struct streammask *m = streammask_new();
	size_t i;

	for (i = 0; values[i]; i++)
		streammask_add(m, values[i], strlen(values[i]));
	streammask_compile(m);
	return m;
}

/* Feed in, cut at the cuts (ascending offsets, ncut of them). */
static struct out feed_cut(const struct streammask *m, const char *in,
                           size_t len, const size_t *cuts, size_t ncut)
{
	struct streammask_cursor *c = streammask_cursor_new(m);
	struct out o;
	size_t at = 0, i;

	o.p = malloc(2 * len + streammask_bound(m, len) * (ncut + 2));
	o.len = 0;
	for (i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? cuts[i] : len;

		o.len += streammask_feed(c, in + at, to - at, o.p + o.len);
		at = to;
	}
	o.len += streammask_flush(c, o.p + o.len);
	streammask_cursor_free(c);
	return o;
}

static int same(struct out o, const char *want, size_t wlen)
{
	int ok = o.len == wlen && memcmp(o.p, want, wlen) == 0;

	free(o.p);
	return ok;
}

/* in, masked, must give want however it is split. */
static void masks(const struct streammask *m, const char *in, size_t len,
                  const char *want, size_t wlen)
{
	size_t cut[2], *bytes, i, j, bad = 0;

	if (!same(feed_cut(m, in, len, NULL, 0), want, wlen)) {
		struct out o = feed_cut(m, in, len, NULL, 0);

		fprintf(stderr, "  in \"%.*s\": got \"%.*s\", want \"%.*s\"\n",
		        (int)len, in, (int)o.len, o.p, (int)wlen, want);
		free(o.p);
		bad++;
	}
	for (i = 0; i <= len; i++) {
		cut[0] = i;
		bad += !same(feed_cut(m, in, len, cut, 1), want, wlen);
		for (j = i; len <= 64 && j <= len; j++) {
			cut[1] = j;
			bad += !same(feed_cut(m, in, len, cut, 2), want, wlen);
		}
	}
	bytes = malloc((len + 1) * sizeof *bytes);
	for (i = 0; i < len; i++)
		bytes[i] = i;
	bad += !same(feed_cut(m, in, len, bytes, len), want, wlen);
	free(bytes);
	if (bad)
		fprintf(stderr, "  in \"%.*s\": %zu splits differ\n", (int)len,
		        in, bad);
	CHECK(bad == 0);
}

static const struct {
	const char *values[4];
	const char *in, *want;
} cases[] = {
	/* under 4 bytes: not a pattern */
	{{"abc", NULL}, "abc abc", "abc abc"},
	/* min(len, 8) stars, as in the logs */
	{{"abcd", NULL}, "pw=abcd.", "pw=****."},
	{{"abcdefg", NULL}, "pw=abcdefg.", "pw=*******."},
	{{"s3cr3t-value-16b", NULL}, "<s3cr3t-value-16b>", "<********>"},
	/* a value split over a line end, repeated, at the start and end */
	{{"hunter2x", NULL}, "hunter2xhunter2x", "****************"},
	{{"hunter2x", NULL}, "hunter2x\nhunter2", "********\nhunter2"},
	/* aab in aaab: the failure link finds it */
	{{"aab!", NULL}, "aaab!", "a****"},
	{{"aaab", NULL}, "aaaab", "a****"},
	{{"abcabd", NULL}, "abcabcabd", "abc******"},
	/* overlapping values merge into one run */
	{{"1234", "2345", NULL}, "12345", "*****"},
	{{"1234", "3456", NULL}, "x123456y", "x******y"},
	{{"aaaa", NULL}, "aaaaaaaaaaaa", "********"},
	/* touching values stay two runs (as mask_redact does) */
	{{"1234", "5678", NULL}, "12345678", "********"},
	{{"1234", "5678", NULL}, "1234-5678", "****-****"},
	/* a value inside a longer one; the longer one partly there */
	{{"abcd", "abcdefghij", NULL}, "xxabcdefghijyy", "xx********yy"},
	{{"abcd", "abcdefghij", NULL}, "xxabcdefghiyy", "xx****efghiyy"},
	{{"cdef", "abcdefghij", NULL}, "abcdefghiX", "ab****ghiX"},
	{{"bcde", "ghij", "abcdefghijk"}, "abcdefghijX", "a****f****X"},
	{{"bcde", "ghij", "abcdefghijk"}, "abcdefghijk", "********"},
	/* a prefix of a value, never completed */
	{{"password", NULL}, "passwor", "passwor"},
	{{"password", NULL}, "passwopassword", "passwo********"},
	{{"password", NULL}, "", ""},
	/* base64 at the three alignments ("user:" is alignment 2) */
	{{"password123", NULL}, "cGFzc3dvcmQxMjM=", "********M="},
	{{"password123", NULL}, "dXBhc3N3b3JkMTIz", "dX********"},
	{{"password123", NULL}, "dXNwYXNzd29yZDEyMw==", "dXN********w=="},
	{{"password123", NULL},
         "Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==",
         "Authorization: Basic dXNlcjp********w=="},
	/* short values have no encoded forms */
	{{"pass", NULL}, "cGFzcw==", "cGFzcw=="},
	/* percent-encoded, upper and lower case hex */
	{{"p@ss w/rd!", NULL}, "u=p%40ss%20w%2Frd%21&", "u=********&"},
	{{"p@ss w/rd!", NULL}, "u=p%40ss%20w%2frd%21&", "u=********&"},
	{{"p@ss w/rd!", NULL}, "u=p@ss w/rd!&", "u=********&"},
};

TEST(streammask_table)
{
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct streammask *m = build(cases[i].values);

		masks(m, cases[i].in, strlen(cases[i].in), cases[i].want,
		      strlen(cases[i].want));
		streammask_free(m);
	}
}

/* Every split point of a value, in a stream of other values. */
TEST(streammask_every_split_of_a_value)
{
	static const char *const v[] = {"tok-0123456789abcdef", "other-1", NULL};
	struct streammask *m = build(v);
	static const char in[] = "a tok-0123456789abcdef b other-1 c";

	masks(m, in, strlen(in), "a ******** b ******* c",
	      strlen("a ******** b ******* c"));
	streammask_free(m);
}

/* Values and streams with every byte value, NUL included. */
TEST(streammask_binary)
{
	char val[16], in[300], want[300];
	struct streammask *m = streammask_new();
	size_t i, n = 0, w = 0;

	for (i = 0; i < sizeof val; i++)
		val[i] = (char)(250 + i); /* 0xfa .. 0xff, 0x00 .. 0x09 */
	streammask_add(m, val, sizeof val);
	streammask_compile(m);
	for (i = 0; i < 256; i++)
		in[n++] = want[w++] = (char)i;
	memcpy(in + n, val, sizeof val);
	n += sizeof val;
	memcpy(want + w, MASK_STARS, 8);
	w += 8;
	in[n++] = want[w++] = '\0';
	in[n++] = want[w++] = (char)0xfa;
	masks(m, in, n, want, w);
	streammask_free(m);
}

/* A 16 KiB value, random bytes, fed in writes of several sizes. */
TEST(streammask_16k_value)
{
	size_t vlen = 16384, len = vlen + 200, i, cuts[64], ncut;
	char *val = malloc(vlen), *in = malloc(len), want[200 + 8];
	struct streammask *m = streammask_new();
	unsigned x = 12345;

	for (i = 0; i < vlen; i++) {
		x = x * 1103515245 + 12345;
		val[i] = (char)(x >> 16);
	}
	streammask_add(m, val, vlen);
	streammask_compile(m);
	memset(in, '<', 100);
	memcpy(in + 100, val, vlen);
	memset(in + 100 + vlen, '>', 100);
	memset(want, '<', 100);
	memcpy(want + 100, MASK_STARS, 8);
	memset(want + 108, '>', 100);
	for (ncut = 0; ncut < N(cuts); ncut++)
		cuts[ncut] = (ncut * 4099 + 7) % len;
	for (i = 1; i < N(cuts); i++) { /* ascending */
		size_t j, k;

		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			k = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = k;
		}
	}
	CHECK(same(feed_cut(m, in, len, NULL, 0), want, sizeof want));
	CHECK(same(feed_cut(m, in, len, cuts, ncut), want, sizeof want));
	for (i = 99; i < len; i += 997) {
		cuts[0] = i;
		CHECK(same(feed_cut(m, in, len, cuts, 1), want, sizeof want));
	}
	streammask_free(m);
	free(val);
	free(in);
}

/* Held back: only what may still begin a value, at most the longest
 * pattern minus one byte; released as soon as the next byte decides. */
TEST(streammask_holds_only_prefixes)
{
	static const char *const v[] = {"abcdefgh", NULL};
	struct streammask *m = build(v);
	struct streammask_cursor *c = streammask_cursor_new(m);
	char out[256];
	size_t n;

	n = streammask_feed(c, "xyz abcdefg", 11, out);
	CHECK(n == 4 && memcmp(out, "xyz ", 4) == 0);
	CHECK(streammask_held(c) == 7);
	n = streammask_feed(c, "X", 1, out);
	CHECK(n == 8 && memcmp(out, "abcdefgX", 8) == 0);
	CHECK(streammask_held(c) == 0);
	n = streammask_feed(c, "plain text", 10, out);
	CHECK(n == 10 && streammask_held(c) == 0);
	/* the longest pattern is a base64 form of 10 characters */
	n = streammask_feed(c, "-YWJjZGVmZ", 10, out);
	CHECK(n == 1 && streammask_held(c) == 9);
	n = streammask_flush(c, out);
	CHECK(n == 9 && memcmp(out, "YWJjZGVmZ", 9) == 0);
	CHECK(streammask_held(c) == 0);
	streammask_cursor_free(c);
	streammask_free(m);
}

TEST(streammask_no_values)
{
	static const char *const v[] = {"abc", NULL};
	struct streammask *m = build(v);
	static const char in[] = "abc abc";

	CHECK(streammask_patterns(m) == 0);
	masks(m, in, 7, in, 7);
	streammask_free(m);
	streammask_free(NULL);
	streammask_cursor_free(NULL);
}

/* Values under 8 bytes: the same output as the log's redactor. */
TEST(streammask_same_as_mask_redact)
{
	static const char *const v[] = {"abcd", "bcde", "xyzzy", "1212", NULL};
	struct streammask *m = build(v);
	char line[64], buf[64];
	unsigned x = 7;
	size_t i, j, n, bad = 0;

	mask_clear();
	for (i = 0; v[i]; i++)
		mask_add(v[i], strlen(v[i]));
	for (i = 0; i < 2000; i++) {
		struct out o;

		for (j = 0; j < 40; j++) {
			x = x * 1103515245 + 12345;
			line[j] = "abcdexyz12"[(x >> 16) % 10];
		}
		line[40] = '\0';
		memcpy(buf, line, 41);
		n = mask_redact(buf, 40);
		o = feed_cut(m, line, 40, NULL, 0);
		bad += !same(o, buf, n);
	}
	CHECK(bad == 0);
	mask_clear();
	streammask_free(m);
}
