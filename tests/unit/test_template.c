/* test_template.c - composed values: parsing, filters, rendering, and the
 * expansion of [vault] values. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "template.h"

/* Parse text; its reference pieces take the values given (in order), and
 * the rendered value is compared with want (NULL: parsing fails with msg). */
static const struct {
	const char *text;
	const char *values[3];
	const char *want; /* rendered, or NULL */
	const char *msg;  /* the parse error, when want is NULL */
	size_t nrefs;
} cases[] = {
	{"${a}", {"x"}, "x", NULL, 1},
	{"pre ${a} post", {"mid"}, "pre mid post", NULL, 1},
	{"${a}${b}", {"1", "2"}, "12", NULL, 2},
	{"$$", {0}, "$", NULL, 0},
	{"a$$b ${x}", {"v"}, "a$b v", NULL, 1},
	{"$${HOME}", {0}, "${HOME}", NULL, 0},
	{"$$$${x}", {0}, "$${x}", NULL, 0},
	{"cost $5 ${a}", {"v"}, "cost $5 v", NULL, 1},
	{"$ ${a}$", {"v"}, "$ v$", NULL, 1},
	{"$$${a}", {"v"}, "$v", NULL, 1},
	{"${secret/db?version=2#/a/b}", {"v"}, "v", NULL, 1},
	{"postgresql://${u|url}:${p|url}@db:5432/app",
         {"bob", "p@ss:/?#%w"},
         "postgresql://bob:p%40ss%3A%2F%3F%23%25w@db:5432/app",
         NULL,
         2},
	{"${p|url}", {"AZaz09-._~ é"}, "AZaz09-._~%20%C3%A9", NULL, 1},
	{"${p|base64}", {"hello world"}, "aGVsbG8gd29ybGQ=", NULL, 1},
	{"${p|base64}", {"ab"}, "YWI=", NULL, 1},
	{"${p|base64}", {""}, "", NULL, 1},
	{"${p|base64d}", {"aGVsbG8gd29ybGQ="}, "hello world", NULL, 1},
	{"${p|base64d}", {"aGVsbG8gd29ybGQ"}, "hello world", NULL, 1},
	{"${p|base64d}", {"YWI="}, "ab", NULL, 1},
	{"${p|base64|base64d}", {"x+y/z"}, "x+y/z", NULL, 1},
	{"${p|base64d|url}", {"YSBi"}, "a%20b", NULL, 1},
	{"{\"pw\":\"${p|json}\"}",
         {"a\"b\\c\nd\te\x01"},
         "{\"pw\":\"a\\\"b\\\\c\\nd\\te\\u0001\"}",
         NULL,
         1},
	{"${p|json}", {"é/"}, "é/", NULL, 1},
	/* errors */
	{"${a", {0}, NULL, "unterminated '${' (no '}' after it)", 0},
	{"x ${a|url", {0}, NULL, "unterminated '${' (no '}' after it)", 0},
	{"${}", {0}, NULL, "empty reference '${}'", 0},
	{"${|url}", {0}, NULL, "empty reference '${}'", 0},
	{"${ a}", {0}, NULL, "blank around the reference in '${ a}'", 0},
	{"${a |url}", {0}, NULL, "blank around the reference in '${a }'", 0},
	{"${a|nope}",
         {0},
         NULL,
         "unknown filter 'nope' (url, base64, base64d or json)",
         0},
	{"${a|URL}", {0}, NULL, "unknown filter 'URL' (url, base64, base64d or json)", 0},
	{"${a| url}",
         {0},
         NULL,
         "unknown filter ' url' (url, base64, base64d or json)",
         0},
	{"${a|}",
         {0},
         NULL,
         "empty filter in '${a|...}' (url, base64, base64d or json)",
         0},
	{"${a||url}",
         {0},
         NULL,
         "empty filter in '${a|...}' (url, base64, base64d or json)",
         0},
	{"${a|url|url|url|url|url}", {0}, NULL, "more than 4 filters on '${a}'", 0},
	{"${a${b}}",
         {0},
         NULL,
         "'${' inside a reference (a reference runs from '${' to the first '}')",
         0},
	{"ok ${a} then ${", {0}, NULL, "unterminated '${' (no '}' after it)", 0},
};

TEST(template_cases)
{
	size_t i, j, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct template *t = (struct template *)&cases;
		struct error e = {0, ""};
		struct secret vals[8], out = {NULL, 0};
		int rc = template_parse(cases[i].text, &t, &e);

		if (cases[i].want == NULL) {
			if (rc != ST_CONFIG)
				fprintf(stderr, "  case %zu: %s\n", i,
				        cases[i].text);
			CHECK(rc == ST_CONFIG);
			CHECK(t == NULL);
			CHECK_STR(e.msg, cases[i].msg);
			continue;
		}
		if (rc != ST_OK)
			fprintf(stderr, "  case %zu: %s: %s\n", i,
			        cases[i].text, e.msg);
		REQUIRE(rc == ST_OK);
		REQUIRE(template_count(t) <= 8);
		CHECK(template_refs(t) == cases[i].nrefs);
		memset(vals, 0, sizeof vals);
		for (j = k = 0; j < template_count(t); j++)
			if (template_piece(t, j)->is_ref) {
				const char *v = cases[i].values[k++];

				secret_set(&vals[j], v, strlen(v));
			}
		CHECK(template_render(t, vals, NULL, &out, &e) == ST_OK);
		if (out.p == NULL || strcmp(out.p, cases[i].want) != 0)
			fprintf(stderr, "  case %zu: %s\n", i, cases[i].text);
		CHECK_STR(out.p, cases[i].want);
		secret_wipe(&out);
		for (j = 0; j < 8; j++)
			secret_wipe(&vals[j]);
		template_free(t);
	}
}

TEST(template_pieces)
{
	struct template *t;
	struct error e;
	const struct tpiece *p;

	REQUIRE(template_parse("a:${x/y#k|base64d|url}:$$", &t, &e) == ST_OK);
	REQUIRE(template_count(t) == 3);
	p = template_piece(t, 0);
	CHECK(!p->is_ref && p->len == 2 && memcmp(p->text, "a:", 2) == 0);
	p = template_piece(t, 1);
	CHECK(p->is_ref);
	CHECK_STR(p->text, "x/y#k");
	CHECK(p->nfilters == 2 && p->filter[0] == TF_BASE64D &&
	      p->filter[1] == TF_URL);
	p = template_piece(t, 2);
	CHECK_STR(p->text, ":$");
	CHECK(template_piece(t, 3) == NULL);
	CHECK(template_is("a${b}") && template_is("${") && !template_is("$a{b}"));
	template_free(t);
}

static const char *const bad_b64[] = {
	"a", "abcde", "ab=c", "a===", "ab$d", "YW=", "YR==", "Y W I=", "====",
};

TEST(template_base64d_invalid)
{
	size_t i;

	for (i = 0; i < sizeof bad_b64 / sizeof bad_b64[0]; i++) {
		struct secret out = {NULL, 0};
		struct error e = {0, ""};

		CHECK(template_filter(TF_BASE64D, bad_b64[i],
		                      strlen(bad_b64[i]), &out, &e) == ST_DATA);
		CHECK(out.p == NULL);
	}
}

/* base64d of a NUL byte and of every byte value round-trips. */
TEST(template_base64_every_byte)
{
	unsigned char all[256];
	struct secret enc = {NULL, 0}, dec = {NULL, 0};
	struct error e;
	size_t i;

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (i = 0; i <= 256; i += 37) {
		CHECK(template_filter(TF_BASE64, (const char *)all, i, &enc,
		                      &e) == ST_OK);
		CHECK(enc.len == (i + 2) / 3 * 4);
		CHECK(template_filter(TF_BASE64D, enc.p, enc.len, &dec, &e) ==
		      ST_OK);
		CHECK(dec.len == i && memcmp(dec.p, all, i) == 0);
	}
	secret_wipe(&enc);
	secret_wipe(&dec);
}

static size_t seen_count;
static void seen(const char *p, size_t len)
{
	(void)p;
	(void)len;
	seen_count++;
}

TEST(template_render_failure_names_reference)
{
	struct template *t;
	struct error e;
	struct secret vals[2] = {{NULL, 0}, {NULL, 0}}, out = {NULL, 0};

	REQUIRE(template_parse("x${a/b#c|base64d}", &t, &e) == ST_OK);
	secret_set(&vals[1], "!!", 2);
	CHECK(template_render(t, vals, seen, &out, &e) == ST_DATA);
	CHECK_STR(e.msg,
	          "${a/b#c}: the value is not valid base64 (filter base64d)");
	CHECK(out.p == NULL);
	secret_set(&vals[1], "YWJj", 4);
	seen_count = 0;
	CHECK(template_render(t, vals, seen, &out, &e) == ST_OK);
	CHECK_STR(out.p, "xabc");
	CHECK(seen_count == 1); /* the filtered piece */
	secret_wipe(&out);
	secret_wipe(&vals[1]);
	template_free(t);
}

static const char *lookup(const char *name)
{
	if (strcmp(name, "CREDENTIALS_DIRECTORY") == 0)
		return "/run/credentials/app.service";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	return NULL;
}

static const struct {
	const char *text, *want, *msg;
} env_cases[] = {
	{"${CREDENTIALS_DIRECTORY}/secret-id",
         "/run/credentials/app.service/secret-id", NULL},
	{"plain", "plain", NULL},
	{"a$$b", "a$b", NULL},
	{"$HOME/x$", "$HOME/x$", NULL},
	{"x${EMPTY}y", "xy", NULL},
	{"$${CREDENTIALS_DIRECTORY}", "${CREDENTIALS_DIRECTORY}", NULL},
	{"${NOPE}/x", NULL, "environment variable NOPE is not set"},
	{"${CREDENTIALS_DIRECTORY", NULL, "unterminated '${' (no '}' after it)"},
	{"${}", NULL,
         "'${}' is not an environment variable name (letters, digits and '_'; "
         "references are not expanded in [vault])"},
	{"${secret/x#y}", NULL,
         "'${secret/x#y}' is not an environment variable name (letters, digits "
         "and '_'; references are not expanded in [vault])"},
	{"${9X}", NULL,
         "'${9X}' is not an environment variable name (letters, digits and '_'; "
         "references are not expanded in [vault])"},
};

TEST(template_expand_env_cases)
{
	size_t i;

	for (i = 0; i < sizeof env_cases / sizeof env_cases[0]; i++) {
		char *out = (char *)"sentinel";
		struct error e = {0, ""};
		int rc = template_expand_env(env_cases[i].text, lookup, &out, &e);

		if (env_cases[i].want) {
			CHECK(rc == ST_OK);
			CHECK_STR(out, env_cases[i].want);
			free(out);
		} else {
			CHECK(rc == ST_CONFIG);
			CHECK(out == NULL);
			CHECK_STR(e.msg, env_cases[i].msg);
		}
	}
}
