/* test_mrequests.c - [request PATH] sections without the INI reader: the
 * header's path, the body's keys, their messages; and valid_path, the
 * segment check they share with [mounts]. */
#include <stdlib.h>
#include <string.h>

#include "mrequests.h"
#include "t.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct manifest *new_manifest(void)
{
	struct manifest *m = xcalloc(1, sizeof *m);

	m->file = xstrdup("t.ini");
	return m;
}

static void drop(struct manifest *m)
{
	mrequests_clear(m);
	CHECK(m->requests == NULL && m->nrequests == 0);
	free(m->file);
	free(m);
}

TEST(mrequests_bodies)
{
	struct manifest *m = new_manifest();
	struct mrequests *rs = mrequests_new();
	struct error err;

	REQUIRE(mrequests_begin(rs, m, "pki/issue/web \t", 3, &err) == ST_OK);
	CHECK(mrequests_key(rs, m, "common_name", "web.internal", 4, &err) ==
	      ST_OK);
	CHECK(mrequests_key(rs, m, "ttl", "1h", 5, &err) == ST_OK);
	/* a second section: keys go to it, and a key may repeat across them */
	REQUIRE(mrequests_begin(rs, m, "aws/sts/r", 7, &err) == ST_OK);
	CHECK(mrequests_key(rs, m, "ttl", "15m", 8, &err) == ST_OK);
	CHECK(mrequests_begin(rs, m, "db/creds/ro", 9, &err) == ST_OK);
	REQUIRE(m->nrequests == 3);
	CHECK_STR(m->requests[0].path, "pki/issue/web");
	CHECK(m->requests[0].line == 3 && m->requests[0].npairs == 2);
	CHECK_STR(m->requests[0].pairs[0], "common_name");
	CHECK_STR(m->requests[0].pairs[1], "web.internal");
	CHECK_STR(m->requests[0].pairs[2], "ttl");
	CHECK_STR(m->requests[0].pairs[3], "1h");
	CHECK_STR(m->requests[1].path, "aws/sts/r");
	CHECK(m->requests[1].line == 7 && m->requests[1].npairs == 1);
	CHECK_STR(m->requests[1].pairs[1], "15m");
	CHECK(m->requests[2].npairs == 0 && m->requests[2].pairs == NULL);
	mrequests_free(rs);
	mrequests_free(NULL);
	drop(m);
}

/* Many keys: the body grows past its first room. */
TEST(mrequests_many_keys)
{
	struct manifest *m = new_manifest();
	struct mrequests *rs = mrequests_new();
	struct error err;
	char name[16], value[16];
	size_t i;

	REQUIRE(mrequests_begin(rs, m, "a/b", 1, &err) == ST_OK);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "k%zu", i);
		snprintf(value, sizeof value, "v%zu", i);
		CHECK(mrequests_key(rs, m, name, value, (unsigned)i + 2, &err) ==
		      ST_OK);
	}
	REQUIRE(m->requests[0].npairs == 100);
	CHECK_STR(m->requests[0].pairs[2 * 99], "k99");
	CHECK_STR(m->requests[0].pairs[2 * 99 + 1], "v99");
	CHECK(mrequests_key(rs, m, "k42", "x", 200, &err) == ST_CONFIG);
	CHECK_STR(err.msg, "t.ini:200: [request a/b]: duplicate body key 'k42'");
	mrequests_free(rs);
	drop(m);
}

TEST(mrequests_header_failures)
{
	static const struct {
		const char *path, *want;
	} cases[] = {
		{"", "t.ini:2: [request] needs a path: [request PATH]"},
		{" \t", "t.ini:2: [request] needs a path: [request PATH]"},
		{"a/b?version=1 ",
	         "t.ini:2: [request a/b?version=1]: a request takes a path only, "
	         "without ?version= or #selector"},
		{"a/b#k", "t.ini:2: [request a/b#k]: a request takes a path "
	                  "only, without ?version= or #selector"},
		{"a//b", "t.ini:2: [request a//b]: invalid path (empty, '.' or "
	                 "'..' segment)"},
		{"a/../b", "t.ini:2: [request a/../b]: invalid path (empty, '.' "
	                   "or '..' segment)"},
		{"/a", "t.ini:2: [request /a]: invalid path (empty, '.' or '..' "
	               "segment)"},
		{"p/q", "t.ini:2: [request p/q] already defined at line 1"},
		{"p/q  ", "t.ini:2: [request p/q] already defined at line 1"},
	};
	struct error err;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct manifest *m = new_manifest();
		struct mrequests *rs = mrequests_new();

		REQUIRE(mrequests_begin(rs, m, "p/q", 1, &err) == ST_OK);
		memset(&err, 0, sizeof err);
		CHECK(mrequests_begin(rs, m, cases[i].path, 2, &err) == ST_CONFIG);
		CHECK(err.status == ST_CONFIG);
		CHECK_STR(err.msg, cases[i].want);
		mrequests_free(rs);
		drop(m);
	}
}

TEST(mrequests_key_failures)
{
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{"k", "",
	         "t.ini:5: [request a/b]: 'k' has no value: a body value "
	         "is a non-empty string (leave the key out instead)"},
		{"alt_names", "[x, y]",
	         "t.ini:5: [request a/b]: 'alt_names' is not a string: the body "
	         "holds strings only (a list is written comma-separated, as vault "
	         "write takes it)"},
		{"k", "{\"a\":1}",
	         "t.ini:5: [request a/b]: 'k' is not a string: the body holds "
	         "strings only (a list is written comma-separated, as vault write "
	         "takes it)"},
		{"cn", "${s/a#cn}.internal",
	         "t.ini:5: [request a/b]: 'cn' holds a template ('${'): a request "
	         "body is sent as written, not composed"},
		{"k", "@file.json",
	         "t.ini:5: [request a/b]: 'k' is not a string value: vault write's "
	         "@file and - forms are not supported"},
		{"k", "-",
	         "t.ini:5: [request a/b]: 'k' is not a string value: "
	         "vault write's @file and - forms are not supported"},
		{"a b", "v",
	         "t.ini:5: [request a/b]: invalid body key 'a b' "
	         "(letters, digits, '_', '-', '.')"},
		{"k=", "v",
	         "t.ini:5: [request a/b]: invalid body key 'k=' "
	         "(letters, digits, '_', '-', '.')"},
		{"first", "w", "t.ini:5: [request a/b]: duplicate body key 'first'"},
	};
	struct error err;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct manifest *m = new_manifest();
		struct mrequests *rs = mrequests_new();

		REQUIRE(mrequests_begin(rs, m, "a/b", 1, &err) == ST_OK);
		REQUIRE(mrequests_key(rs, m, "first", "v", 2, &err) == ST_OK);
		CHECK(mrequests_key(rs, m, cases[i].name, cases[i].value, 5,
		                    &err) == ST_CONFIG);
		CHECK_STR(err.msg, cases[i].want);
		CHECK(m->requests[0].npairs == 1);
		mrequests_free(rs);
		drop(m);
	}
}

/* What a body value may be: anything else a string carries. */
TEST(mrequests_key_values_taken)
{
	static const char *const ok[] = {"3600",  "true", "a,b",   "-x", "x@y",
	                                 "$HOME", "a]",   "\"q\"", " "};
	static const char *const names[] = {"a", "A.b-c_9", "_", "-", "."};
	struct manifest *m = new_manifest();
	struct mrequests *rs = mrequests_new();
	struct error err;
	char name[16];
	size_t i;

	REQUIRE(mrequests_begin(rs, m, "a/b", 1, &err) == ST_OK);
	for (i = 0; i < N(ok); i++) {
		snprintf(name, sizeof name, "v%zu", i);
		CHECK(mrequests_key(rs, m, name, ok[i], 2, &err) == ST_OK);
	}
	for (i = 0; i < N(names); i++)
		CHECK(mrequests_key(rs, m, names[i], "v", 3, &err) == ST_OK);
	CHECK(m->requests[0].npairs == N(ok) + N(names));
	mrequests_free(rs);
	drop(m);
}

TEST(valid_path_segments)
{
	static const struct {
		const char *path;
		int ok;
	} cases[] = {
		{"secret", 1}, {"a/b/c", 1}, {"a.b/..c", 1}, {"...", 1},
		{".a/b.", 1},  {"", 0},      {"/", 0},       {"a/", 0},
		{"/a", 0},     {"a//b", 0},  {".", 0},       {"..", 0},
		{"a/./b", 0},  {"a/..", 0},  {"../a", 0},    {"a/b/.", 0},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		if (valid_path(cases[i].path) != cases[i].ok)
			fprintf(stderr, "  valid_path(\"%s\")\n", cases[i].path);
		CHECK(valid_path(cases[i].path) == cases[i].ok);
	}
}
