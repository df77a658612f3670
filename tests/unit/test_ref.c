/* test_ref.c - the reference grammar, table-driven. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ref.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *text;
	const char *path;
	unsigned long version;
	enum sel_kind sel;
	const char *selector; /* NULL for SEL_WHOLE */
} good[] = {
	{"secret/app/api", "secret/app/api", 0, SEL_KEY, "value"},
	{"secret", "secret", 0, SEL_KEY, "value"},
	{"secret/backups/env/pg#user", "secret/backups/env/pg", 0, SEL_KEY, "user"},
	{"secret/tls#ca.crt", "secret/tls", 0, SEL_KEY, "ca.crt"},
	{"secret/tls#tls.crt", "secret/tls", 0, SEL_KEY, "tls.crt"},
	{"secret/app/db#/details/host", "secret/app/db", 0, SEL_POINTER,
         "/details/host"},
	{"secret/app/db#/", "secret/app/db", 0, SEL_POINTER, "/"},
	{"secret/app/db#/a~1b/c~0d/~01", "secret/app/db", 0, SEL_POINTER,
         "/a~1b/c~0d/~01"},
	{"secret/app/db#/list/0", "secret/app/db", 0, SEL_POINTER, "/list/0"},
	{"secret/app/db?version=3#password", "secret/app/db", 3, SEL_KEY,
         "password"},
	{"secret/app/db?version=1", "secret/app/db", 1, SEL_KEY, "value"},
	{"secret/app/db?version=2147483647#*", "secret/app/db", 2147483647UL,
         SEL_WHOLE, NULL},
	{"secret/x?version=07", "secret/x", 7, SEL_KEY, "value"},
	{"secret/backups/providers/gdrive#*", "secret/backups/providers/gdrive",
         0, SEL_WHOLE, NULL},
	{"secret/x#**", "secret/x", 0, SEL_KEY, "**"},
	{"secret/x#*a", "secret/x", 0, SEL_KEY, "*a"},
	{"secret/x#a#b", "secret/x", 0, SEL_KEY, "a#b"},
	{"secret/x#a?version=2", "secret/x", 0, SEL_KEY, "a?version=2"},
	{"secret/x#/a#b", "secret/x", 0, SEL_POINTER, "/a#b"},
	{"secret/x#~", "secret/x", 0, SEL_KEY, "~"},
	{"secret/x#~2", "secret/x", 0, SEL_KEY, "~2"},
	{"secret/x#key with spaces", "secret/x", 0, SEL_KEY, "key with spaces"},
	{"secret/my app/50%/x y", "secret/my app/50%/x y", 0, SEL_KEY, "value"},
	{"secret/\xc3\xbcml\xc3\xa4ut/\xd0\xba#\xd0\xba\xd0\xbb",
         "secret/\xc3\xbcml\xc3\xa4ut/\xd0\xba", 0, SEL_KEY, "\xd0\xba\xd0\xbb"},
	{"team/kv/app/db#password", "team/kv/app/db", 0, SEL_KEY, "password"},
	{"secret/data/app/db", "secret/data/app/db", 0, SEL_KEY, "value"},
	{"secret/.hidden/..x/.../x.", "secret/.hidden/..x/.../x.", 0, SEL_KEY,
         "value"},
	{"a:b/c=d/e&f", "a:b/c=d/e&f", 0, SEL_KEY, "value"},
};

TEST(ref_valid)
{
	struct error err = {0, ""};
	struct ref r;
	size_t i;

	for (i = 0; i < N(good); i++) {
		if (ref_parse(good[i].text, &r, &err) != ST_OK) {
			fprintf(stderr, "  %s: %s\n", good[i].text, err.msg);
			CHECK(!"valid reference refused");
			continue;
		}
		CHECK_STR(r.path, good[i].path);
		CHECK(r.version == good[i].version);
		CHECK(r.sel == good[i].sel);
		if (good[i].selector == NULL)
			CHECK(r.selector == NULL);
		else
			CHECK_STR(r.selector, good[i].selector);
		ref_free(&r);
		CHECK(r.path == NULL && r.selector == NULL && r.version == 0);
	}
}

static const struct {
	const char *text;
	const char *msg; /* the exact message */
} bad[] = {
	{"", "empty reference"},
	{"#key", "empty path in '#key'"},
	{"?version=1", "empty path in '?version=1'"},
	{"/secret/x", "empty path segment in '/secret/x'"},
	{"secret/x/", "empty path segment in 'secret/x/'"},
	{"secret//x", "empty path segment in 'secret//x'"},
	{"/", "empty path segment in '/'"},
	{"secret/x/#k", "empty path segment in 'secret/x/#k'"},
	{"secret/x/?version=1", "empty path segment in 'secret/x/?version=1'"},
	{".", "'.' segment in '.'"},
	{"..", "'..' segment in '..'"},
	{"secret/./x", "'.' segment in 'secret/./x'"},
	{"secret/../x", "'..' segment in 'secret/../x'"},
	{"secret/x/..", "'..' segment in 'secret/x/..'"},
	{"secret/x/..#k", "'..' segment in 'secret/x/..#k'"},
	{"secret/x#", "empty selector in 'secret/x#'"},
	{"secret/x?version=1#", "empty selector in 'secret/x?version=1#'"},
	{"secret/x?", "empty query in 'secret/x?'"},
	{"secret/x?#k", "empty query in 'secret/x?#k'"},
	{"secret/x?ver=1",
         "unsupported query in 'secret/x?ver=1' (only ?version=N)"},
	{"secret/x?list=true",
         "unsupported query in 'secret/x?list=true' (only ?version=N)"},
	{"secret/x?Version=1",
         "unsupported query in 'secret/x?Version=1' (only ?version=N)"},
	{"secret/x?version",
         "unsupported query in 'secret/x?version' (only ?version=N)"},
	{"secret/x?version=",
         "version must be an integer >= 1 in 'secret/x?version='"},
	{"secret/x?version=0",
         "version must be an integer >= 1 in 'secret/x?version=0'"},
	{"secret/x?version=abc",
         "version must be an integer >= 1 in 'secret/x?version=abc'"},
	{"secret/x?version=-1",
         "version must be an integer >= 1 in 'secret/x?version=-1'"},
	{"secret/x?version=+1",
         "version must be an integer >= 1 in 'secret/x?version=+1'"},
	{"secret/x?version= 1",
         "version must be an integer >= 1 in 'secret/x?version= 1'"},
	{"secret/x?version=1.5",
         "version must be an integer >= 1 in 'secret/x?version=1.5'"},
	{"secret/x?version=1&x=2",
         "version must be an integer >= 1 in 'secret/x?version=1&x=2'"},
	{"secret/x?version=1?version=2",
         "version must be an integer >= 1 in 'secret/x?version=1?version=2'"},
	{"secret/x?version=2147483648",
         "version must be an integer >= 1 in 'secret/x?version=2147483648'"},
	{"secret/x?version=99999999999999999999999",
         "version must be an integer >= 1 in 'secret/x?version=99999999999999999999999'"},
	{"secret/x#/a~2", "invalid JSON Pointer escape '~2' in 'secret/x#/a~2'"},
	{"secret/x#/a~", "invalid JSON Pointer escape '~' in 'secret/x#/a~'"},
	{"secret/x#/~0~1~", "invalid JSON Pointer escape '~' in 'secret/x#/~0~1~'"},
	{"secret/x#/a~/b", "invalid JSON Pointer escape '~/' in 'secret/x#/a~/b'"},
	{"secret/x#/~~0", "invalid JSON Pointer escape '~~' in 'secret/x#/~~0'"},
	{"secret/\tx", "control character at offset 7 in reference"},
	{"secret/x\n", "control character at offset 8 in reference"},
	{"secret/x#ke\ry", "control character at offset 11 in reference"},
	{"secret/x#\x1b[31m", "control character at offset 9 in reference"},
	{"secret/x\x7f", "control character at offset 8 in reference"},
	{"secret/x?version=1\x01", "control character at offset 18 in reference"},
	{"secret/x#/a\x1f", "control character at offset 11 in reference"},
};

TEST(ref_invalid)
{
	struct error err;
	struct ref r;
	size_t i;

	for (i = 0; i < N(bad); i++) {
		memset(&err, 0, sizeof err);
		if (ref_parse(bad[i].text, &r, &err) != ST_CONFIG) {
			fprintf(stderr, "  accepted: %s\n", bad[i].text);
			CHECK(!"invalid reference accepted");
			ref_free(&r);
			continue;
		}
		CHECK(err.status == ST_CONFIG);
		CHECK_STR(err.msg, bad[i].msg);
		/* On error r is left empty. */
		CHECK(r.path == NULL && r.selector == NULL && r.version == 0);
		ref_free(&r);
	}
}

/* A manifest value (from_manifest): the line reader has refused every
 * control byte but a tab, and only tabs are looked for; the messages are
 * the same. */
TEST(ref_invalid_from_manifest)
{
	struct arena *a = arena_new();
	struct error err;
	struct ref r;
	size_t i, j;

	for (i = 0; i < N(bad); i++) {
		const char *t = bad[i].text;

		for (j = 0; t && t[j]; j++)
			if (((unsigned char)t[j] < 0x20 && t[j] != '\t') ||
			    t[j] == 0x7f)
				break;
		if (t == NULL || t[j] != '\0')
			continue; /* mreader.c refuses such a line */
		memset(&err, 0, sizeof err);
		CHECK(ref_parse_in(t, 1, &r, a, &err) == ST_CONFIG);
		CHECK_STR(err.msg, bad[i].msg);
	}
	CHECK(ref_parse_in("secret/x#a\tb", 1, &r, a, &err) == ST_CONFIG);
	CHECK_STR(err.msg, "control character at offset 10 in reference");
	CHECK(ref_parse_in("secret/x#ab", 1, &r, a, &err) == ST_OK);
	CHECK_STR(r.path, "secret/x");
	CHECK_STR(r.selector, "ab");
	arena_free(a);
}

/* With an arena, a path alone is the text itself (nothing copied); one
 * with a version or a selector is copied (the path needs its own NUL), and
 * its selector is the end of the text, not copied. */
TEST(ref_in_arena_borrows_a_path_alone)
{
	static const char alone[] = "secret/app/db";
	static const char keyed[] = "secret/x?version=2";
	static const char selected[] = "secret/x#/a/b";
	struct arena *a = arena_new();
	struct error err;
	struct ref r;

	CHECK(ref_parse_in(alone, 1, &r, a, &err) == ST_OK);
	CHECK(r.path == alone);
	CHECK_STR(r.selector, "value");
	CHECK(r.sel == SEL_KEY && r.version == 0);
	CHECK(ref_parse_in(keyed, 0, &r, a, &err) == ST_OK);
	CHECK(r.path != keyed);
	CHECK_STR(r.path, "secret/x");
	CHECK(r.version == 2);
	CHECK(ref_parse_in(selected, 0, &r, a, &err) == ST_OK);
	CHECK_STR(r.path, "secret/x");
	CHECK(r.selector == selected + 9);
	CHECK(ref_parse(alone, &r, &err) == ST_OK); /* owned: a copy */
	CHECK(r.path != alone);
	ref_free(&r);
	arena_free(a);
}

TEST(ref_null_and_no_error_record)
{
	struct error err;
	struct ref r;

	CHECK(ref_parse(NULL, &r, &err) == ST_CONFIG);
	CHECK_STR(err.msg, "empty reference");
	CHECK(ref_parse("secret//x", &r, NULL) == ST_CONFIG);
	CHECK(ref_parse("secret/x#k", &r, NULL) == ST_OK);
	ref_free(&r);
}

TEST(ref_long_reference_is_cut_in_message)
{
	struct error err;
	struct ref r;
	char text[400];

	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	memcpy(text + 10, "//", 2);
	REQUIRE(ref_parse(text, &r, &err) == ST_CONFIG);
	CHECK(strncmp(err.msg, "empty path segment in 'aaaaaaaaaa//aaa", 38) == 0);
	CHECK(strstr(err.msg, "...'") != NULL);
	CHECK(strlen(err.msg) < 120);

	/* The cut does not split a UTF-8 sequence. */
	memset(text, 'a', sizeof text - 1);
	memcpy(text + 74, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
	memcpy(text + 200, "//", 2);
	REQUIRE(ref_parse(text, &r, &err) == ST_CONFIG);
	CHECK(strstr(err.msg, "\xc3...") == NULL);
	CHECK(strstr(err.msg, "\xc3\xa9...'") != NULL);
}

TEST(ref_free_twice_and_zeroed)
{
	struct ref r;

	memset(&r, 0, sizeof r);
	ref_free(&r);
	REQUIRE(ref_parse("secret/x?version=4#/a", &r, NULL) == ST_OK);
	ref_free(&r);
	ref_free(&r);
	CHECK(r.path == NULL && r.selector == NULL);
	CHECK(r.version == 0 && r.sel == SEL_KEY);
}

static const struct {
	const char *ptr;
	int valid;
} pointers[] = {
	{"", 1},     {"/", 1},    {"//", 1},      {"/a/b", 1}, {"/a~0b~1c", 1},
	{"/~01", 1}, {"/~10", 1}, {"/m~0n", 1},   {"/0/-", 1}, {"a", 0},
	{"a/b", 0},  {"#/a", 0},  {"/~", 0},      {"/~2", 0},  {"/a~", 0},
	{"/~~0", 0}, {"/~a", 0},  {"/ok/~/x", 0},
};

TEST(ref_pointer_validity)
{
	size_t i;

	for (i = 0; i < N(pointers); i++) {
		if (ref_pointer_valid(pointers[i].ptr) != pointers[i].valid)
			fprintf(stderr, "  pointer '%s'\n", pointers[i].ptr);
		CHECK(ref_pointer_valid(pointers[i].ptr) == pointers[i].valid);
	}
}
