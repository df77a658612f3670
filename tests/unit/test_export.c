/* test_export.c - the export formats, table-driven: a value, a format, and
 * the exact text or the refusal.  (The consumers themselves read the output
 * in tests/e2e/test_export.py.) */
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "export.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct ecase {
	int format;
	const char *name;
	const char *value; /* given with its length below (NULs) */
	size_t len;        /* 0: strlen(value) */
	int status;
	const char *want; /* the output, or a part of the message */
};

#define SH EXPORT_SHELL
#define DE EXPORT_DOTENV
#define DO EXPORT_DOCKER
#define GH EXPORT_GITHUB
#define JS EXPORT_JSON

/* clang-format off */
static const struct ecase cases[] = {
	/* shell: single quotes, a quote as '\'' */
	{SH, "A", "plain", 0, ST_OK, "export A='plain'\n"},
	{SH, "A", "", 0, ST_OK, "export A=''\n"},
	{SH, "A", "it's", 0, ST_OK, "export A='it'\\''s'\n"},
	{SH, "A", "''", 0, ST_OK, "export A=''\\'''\\'''\n"},
	{SH, "A", "a\nb $x `y` \\ \"", 0, ST_OK, "export A='a\nb $x `y` \\ \"'\n"},
	{SH, "A", "\xff\xfe", 0, ST_OK, "export A='\xff\xfe'\n"}, /* any byte */
	{SH, "A", "a\0b", 3, ST_DATA, "A: cannot be exported as shell: the value has a NUL byte"},
	{SH, "my-var", "x", 0, ST_DATA, "my-var: cannot be exported as shell: the name is not"},
	/* dotenv: double quotes, \\ \" \n \r escaped */
	{DE, "A", "plain", 0, ST_OK, "A=\"plain\"\n"},
	{DE, "A", "", 0, ST_OK, "A=\"\"\n"},
	{DE, "A", "q\"b\\s\nn\rr\tt'$x$ $(y)", 0, ST_OK,
	 "A=\"q\\\"b\\\\s\\nn\\rr\tt'$x$ $(y)\"\n"},
	{DE, "A", "${", 0, ST_OK, "A=\"${\"\n"},
	{DE, "A", "${a:b}", 0, ST_OK, "A=\"${a:b}\"\n"},
	{DE, "A", "\\x", 0, ST_OK, "A=\"\\\\x\"\n"},
	{DE, "A", "x\\", 0, ST_DATA, "A: cannot be exported as dotenv: the value ends in a backslash"},
	{DE, "A", "a${B}c", 0, ST_DATA, "A: cannot be exported as dotenv: the value holds ${...}"},
	{DE, "A", "${}", 0, ST_DATA, "the value holds ${...}"},
	{DE, "A", "${B:-d}", 0, ST_DATA, "the value holds ${...}"},
	{DE, "A", "${a:b} ${c}", 0, ST_DATA, "the value holds ${...}"},
	{DE, "A", "\xc3\xa9", 0, ST_OK, "A=\"\xc3\xa9\"\n"},
	{DE, "A", "\xff", 0, ST_DATA, "A: cannot be exported as dotenv: the value is not UTF-8"},
	/* docker: raw, one line */
	{DO, "A", "a b=c'\"\\$x ", 0, ST_OK, "A=a b=c'\"\\$x \n"},
	{DO, "A", "", 0, ST_OK, "A=\n"},
	{DO, "A", "a\rb", 0, ST_OK, "A=a\rb\n"},
	{DO, "A", "a\nb", 0, ST_DATA, "A: cannot be exported as docker: the value has a newline"},
	{DO, "A", "ab\r", 0, ST_DATA, "the value ends in a carriage return"},
	{DO, "A", "\xed\xa0\x80", 0, ST_DATA, "not UTF-8"}, /* a surrogate */
	{DO, "A", "\xc0\xaf", 0, ST_DATA, "not UTF-8"},     /* overlong */
	{DO, "A", "\xf4\x90\x80\x80", 0, ST_DATA, "not UTF-8"}, /* > U+10FFFF */
	{DO, "A", "\xe2\x82", 0, ST_DATA, "not UTF-8"},     /* cut short */
	{DO, "A", "\xf0\x9f\x94\x91", 0, ST_OK, "A=\xf0\x9f\x94\x91\n"},
	/* json: one object */
	{JS, "A", "q\"\\\n\x01/\xc3\xa9", 0, ST_OK, "{\"A\":\"q\\\"\\\\\\n\\u0001/\xc3\xa9\"}\n"},
	{JS, "my.var", "x", 0, ST_OK, "{\"my.var\":\"x\"}\n"}, /* any name */
	{JS, "A", "\x80", 0, ST_DATA, "A: cannot be exported as json: the value is not UTF-8"},
	{JS, "A", "\0", 1, ST_DATA, "the value has a NUL byte"},
	/* github: the delimiter is random; see export_github below */
	{GH, "A", "a\0", 2, ST_DATA, "A: cannot be exported as github: the value has a NUL"},
	{GH, "A", "\xfe", 0, ST_DATA, "not UTF-8"},
};
/* clang-format on */

static struct changes *one(const char *name, const char *value, size_t len,
                           int is_file)
{
	struct changes *c = changes_new();
	struct secret s = {(char *)value, len ? len : strlen(value)};

	changes_add(c, name, &s, is_file, "secret/x#k", NULL);
	return c;
}

TEST(export_formats)
{
	size_t i;

	for (i = 0; i < N(cases); i++) {
		const struct ecase *k = &cases[i];
		struct changes *c = one(k->name, k->value, k->len, 0);
		struct secret out = {NULL, 0};
		struct error err = {0, ""};
		int rc = export_render(c, k->format, &out, &err);

		if (rc != k->status)
			fprintf(stderr, "  case %zu: status %d\n", i, rc);
		CHECK(rc == k->status);
		if (k->status == ST_OK) {
			CHECK(rc == ST_OK && out.len == strlen(k->want));
			CHECK_STR(out.p, k->want);
		} else {
			CHECK(out.p == NULL && err.status == k->status);
			if (strstr(err.msg, k->want) == NULL)
				fprintf(stderr, "  case %zu: \"%s\"\n", i, err.msg);
			CHECK(strstr(err.msg, k->want) != NULL);
		}
		secret_wipe(&out);
		changes_free(c);
	}
}

/* A [files] variable is 78 in every format, and a refusal anywhere in the
 * list means no output at all. */
TEST(export_refuses_before_writing)
{
	int f;

	for (f = EXPORT_SHELL; f <= EXPORT_JSON; f++) {
		struct changes *c = one("OK", "fine", 0, 0);
		struct secret out = {NULL, 0}, bad = {"a\nb\\", 4};
		struct error err = {0, ""};

		changes_add(c, "CERT", &bad, 1, "pki/issue/x#certificate", NULL);
		CHECK(export_render(c, f, &out, &err) == ST_CONFIG);
		CHECK(strstr(err.msg, "CERT: a [files] variable cannot be "
		                      "exported") != NULL);
		CHECK(out.p == NULL);
		changes_free(c);
		c = one("OK", "fine", 0, 0);
		changes_add(c, "PGSSLCERT", &bad, 1, "secret/pg", "db");
		CHECK(export_render(c, f, &out, &err) == ST_CONFIG);
		CHECK(strstr(err.msg, "PGSSLCERT (profile db): a file variable "
		                      "cannot be exported") != NULL);
		changes_free(c);
		c = one("OK", "fine", 0, 0);
		changes_add(c, "BAD", &(struct secret){"x\0", 2}, 0, "r", NULL);
		CHECK(export_render(c, f, &out, &err) == ST_DATA);
		CHECK(strncmp(err.msg, "BAD: ", 5) == 0 && out.p == NULL);
		changes_free(c);
	}
}

TEST(export_empty_and_many)
{
	struct changes *c = changes_new();
	struct secret out = {NULL, 0};
	struct error err;

	CHECK(export_render(c, EXPORT_SHELL, &out, &err) == ST_OK);
	CHECK(out.p != NULL && out.len == 0);
	CHECK(export_render(c, EXPORT_JSON, &out, &err) == ST_OK);
	CHECK_STR(out.p, "{}\n");
	changes_add(c, "A", &(struct secret){"1", 1}, 0, "r", NULL);
	changes_add(c, "B", &(struct secret){"2", 1}, 0, "r", "prof");
	CHECK(export_render(c, EXPORT_DOCKER, &out, &err) == ST_OK);
	CHECK_STR(out.p, "A=1\nB=2\n");
	CHECK(export_render(c, EXPORT_JSON, &out, &err) == ST_OK);
	CHECK_STR(out.p, "{\"A\":\"1\",\"B\":\"2\"}\n");
	secret_wipe(&out);
	changes_free(c);
}

/* NAME<<D, the value, D: D random (fresh each time), absent from the value,
 * the value's own newlines kept, an empty value an empty line. */
TEST(export_github)
{
	static const char *const values[] = {"v", "", "a\nb\n", "\n",
	                                     "VAULTRUN_EOF_"};
	char prev[64] = "";
	size_t i;

	for (i = 0; i < N(values); i++) {
		struct changes *c = one("NAME", values[i], 0, 0);
		struct secret out = {NULL, 0};
		struct error err;
		const char *nl;
		char delim[64], want[256];
		size_t dl;

		if (values[i][0] == '\0') {
			changes_free(c);
			c = changes_new();
			changes_add(c, "NAME", &(struct secret){"", 0}, 0, "r",
			            NULL);
		}
		REQUIRE(export_render(c, EXPORT_GITHUB, &out, &err) == ST_OK);
		REQUIRE(strncmp(out.p, "NAME<<", 6) == 0);
		nl = strchr(out.p, '\n');
		REQUIRE(nl != NULL);
		dl = (size_t)(nl - out.p) - 6;
		REQUIRE(dl == 45);
		memcpy(delim, out.p + 6, dl);
		delim[dl] = '\0';
		CHECK(strncmp(delim, "VAULTRUN_EOF_", 13) == 0);
		CHECK(strspn(delim + 13, "0123456789abcdef") == 32);
		CHECK(strcmp(delim, prev) != 0);
		snprintf(want, sizeof want, "NAME<<%s\n%s\n%s\n", delim,
		         values[i], delim);
		CHECK_STR(out.p, want);
		memcpy(prev, delim, dl + 1);
		secret_wipe(&out);
		changes_free(c);
	}
}

TEST(export_format_words)
{
	CHECK(export_format("shell") == EXPORT_SHELL);
	CHECK(export_format("dotenv") == EXPORT_DOTENV);
	CHECK(export_format("docker") == EXPORT_DOCKER);
	CHECK(export_format("github") == EXPORT_GITHUB);
	CHECK(export_format("json") == EXPORT_JSON);
	CHECK(export_format("env") == EXPORT_NONE);
	CHECK(export_format("") == EXPORT_NONE);
	CHECK(export_format("JSON") == EXPORT_NONE);
}
