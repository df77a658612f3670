/* test_json.c - JSON: selectors, value rendering, exact number text, the
 * accessors answer.c reads Vault's answers with, the file:// store.
 *
 * Selector cases are data, jq-style: a document, a selector, the bytes that
 * should come out (or the error).
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "json.h"
#include "t.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int same(const struct secret *s, const char *want, size_t len)
{
	return s->p != NULL && s->len == len && memcmp(s->p, want, len) == 0 &&
	       s->p[len] == '\0';
}

/* ---- rendering: one value at "v", selected by key ---- */

static const struct {
	const char *json;
	const char *want;
	size_t len; /* 0: strlen(want) */
} values[] = {
	{"\"plain\"", "plain", 0},
	{"\"\"", "", 0},
	{"\"h\\u00e9llo \\u2603 \\ud83d\\ude00\"",
         "h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x98\x80", 0},
	{"\"h\xc3\xa9llo\"", "h\xc3\xa9llo", 0},
	{"\"a\\u0000b\"", "a\0b", 3},
	{"\"\\u0000\"", "\0", 1},
	{"\"q\\\" b\\\\ n\\n t\\t \\/\"", "q\" b\\ n\n t\t /", 0},
	{"42", "42", 0},
	{"0", "0", 0},
	{"-17", "-17", 0},
	{"9223372036854775807", "9223372036854775807", 0},
	/* a number goes in as its JSON text, whatever jansson can hold */
	{"-0", "-0", 0},
	{"1.50", "1.50", 0},
	{"18446744073709551616", "18446744073709551616", 0},
	{"-9223372036854775808", "-9223372036854775808", 0},
	{"0.1", "0.1", 0},
	{"1.5", "1.5", 0},
	{"-2.25", "-2.25", 0},
	{"1.0", "1.0", 0},
	{"100.0", "100.0", 0},
	{"100.5", "100.5", 0},
	{"1.5e10", "1.5e10", 0},
	{"1e16", "1e16", 0},
	{"1e17", "1e17", 0},
	{"1.25e-4", "1.25e-4", 0},
	{"-0.0", "-0.0", 0},
	{"1e300", "1e300", 0},
	{"1E20", "1E20", 0},
	{"2.5e-7", "2.5e-7", 0},
	{"0.30000000000000004", "0.30000000000000004", 0},
	{"123456789.125", "123456789.125", 0},
	{"1.7976931348623157e308", "1.7976931348623157e308", 0},
	{"2.2250738585072014e-308", "2.2250738585072014e-308", 0},
	{"5e-324", "5e-324", 0},
	{"3.141592653589793", "3.141592653589793", 0},
	/* a string is never taken for a number, whatever it holds (the
	 * loader's old in-band marker among them) */
	{"\"\\u0000vaultrun-number:5\"", "\0vaultrun-number:5", 18},
	{"\"0.0\"", "0.0", 0},
	{"\"1e400\"", "1e400", 0},
	{"true", "true", 0},
	{"false", "false", 0},
	{"null", "", 0},
	{"[]", "[]", 0},
	{"{}", "{}", 0},
	{" [ 1 , 2 ] ", "[1,2]", 0},
	{"[1,[2,[3,[]]]]", "[1,[2,[3,[]]]]", 0},
	{"[1.0,0.1,-0.5,1e21]", "[1.0,0.1,-0.5,1e21]", 0},
	{"[true,false,null,\"\"]", "[true,false,null,\"\"]", 0},
	{"{\"b\": {\"c\": []}, \"a\": null}", "{\"b\":{\"c\":[]},\"a\":null}", 0},
	{"{\"z\":1,\"y\":2,\"x\":3,\"w\":4,\"v\":5,\"u\":6,\"t\":7,\"s\":8}",
         "{\"z\":1,\"y\":2,\"x\":3,\"w\":4,\"v\":5,\"u\":6,\"t\":7,\"s\":8}", 0},
	{"{\"k\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u0000/\\u007f\"}",
         "{\"k\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u0000/\x7f\"}", 0},
	{"{\"\\u00e9\\n\":\"\\u2028\\ud83d\\ude00\"}",
         "{\"\xc3\xa9\\n\":\"\xe2\x80\xa8\xf0\x9f\x98\x80\"}", 0},
	{"[{\"host\":\"db\",\"port\":5432,\"tls\":true}]",
         "[{\"host\":\"db\",\"port\":5432,\"tls\":true}]", 0},
};

TEST(json_render_values)
{
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d;
	char *obj;
	size_t i, len;

	for (i = 0; i < N(values); i++) {
		obj = xasprintf("{\"v\":%s}", values[i].json);
		d = t_doc(obj);
		free(obj);
		if (d == NULL) {
			CHECK(!"document refused");
			continue;
		}
		len = values[i].len ? values[i].len : strlen(values[i].want);
		CHECK(json_select(d, SEL_KEY, "v", &out, &err) == ST_OK);
		if (!same(&out, values[i].want, len))
			fprintf(stderr, "  %s: got \"%s\" (%zu)\n", values[i].json,
			        out.p ? out.p : "(null)", out.len);
		CHECK(same(&out, values[i].want, len));
		json_free(d);
	}
	secret_wipe(&out);
}

/* ---- selectors into one document ---- */

static const char selector_doc[] =
	"{\"value\":\"default\",\"password\":\"s3cr3t\",\"tls.crt\":\"CERT\","
	"\"a/b\":\"slash\",\"m~n\":\"tilde\",\"\":\"empty key\","
	"\"key with space\":\"spaced\",\"*\":\"star\","
	"\"details\":{\"host\":\"db.example\",\"port\":5432,"
	"\"tags\":[\"x\",{\"k\":\"v\"},null,[1,2]],\"empty\":{}},"
	"\"list\":[10,20,30,40,50,60,70,80,90,100,110,120]}";

static const struct {
	enum sel_kind sel;
	const char *selector;
	const char *want; /* NULL: not found */
} selects[] = {
	{SEL_KEY, "value", "default"},
	{SEL_KEY, "password", "s3cr3t"},
	{SEL_KEY, "tls.crt", "CERT"},
	{SEL_KEY, "a/b", "slash"},
	{SEL_KEY, "m~n", "tilde"},
	{SEL_KEY, "", "empty key"},
	{SEL_KEY, "*", "star"},
	{SEL_KEY, "key with space", "spaced"},
	{SEL_KEY, "details",
         "{\"host\":\"db.example\",\"port\":5432,\"tags\":[\"x\",{\"k\":\"v\"},"
         "null,[1,2]],\"empty\":{}}"},
	{SEL_KEY, "tls", NULL},
	{SEL_KEY, "Password", NULL},
	{SEL_KEY, "/password", NULL},
	{SEL_KEY, "details/host", NULL},
	{SEL_POINTER, "/password", "s3cr3t"},
	{SEL_POINTER, "/tls.crt", "CERT"},
	{SEL_POINTER, "/a~1b", "slash"},
	{SEL_POINTER, "/m~0n", "tilde"},
	{SEL_POINTER, "/", "empty key"},
	{SEL_POINTER, "/details/host", "db.example"},
	{SEL_POINTER, "/details/port", "5432"},
	{SEL_POINTER, "/details/empty", "{}"},
	{SEL_POINTER, "/details/tags", "[\"x\",{\"k\":\"v\"},null,[1,2]]"},
	{SEL_POINTER, "/details/tags/0", "x"},
	{SEL_POINTER, "/details/tags/1/k", "v"},
	{SEL_POINTER, "/details/tags/2", ""},
	{SEL_POINTER, "/details/tags/3/1", "2"},
	{SEL_POINTER, "/list/0", "10"},
	{SEL_POINTER, "/list/10", "110"},
	{SEL_POINTER, "/list/11", "120"},
	{SEL_POINTER, "/list/12", NULL},
	{SEL_POINTER, "/list/-", NULL},
	{SEL_POINTER, "/list/01", NULL},
	{SEL_POINTER, "/list/+1", NULL},
	{SEL_POINTER, "/list/1x", NULL},
	{SEL_POINTER, "/list/", NULL},
	{SEL_POINTER, "/list/99999999999999999999999", NULL},
	{SEL_POINTER, "/details/missing", NULL},
	{SEL_POINTER, "/details/host/0", NULL},
	{SEL_POINTER, "/details/port/x", NULL},
	{SEL_POINTER, "/details/tags/1/k/z", NULL},
	{SEL_POINTER, "/details/", NULL},
	{SEL_POINTER, "/a/b", NULL},
	{SEL_POINTER, "/m~n", NULL},
	{SEL_POINTER, "/m~2n", NULL},
	{SEL_POINTER, "password", NULL},
};

TEST(json_selectors)
{
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d = t_doc(selector_doc);
	size_t i;
	int rc;

	REQUIRE(d != NULL);
	for (i = 0; i < N(selects); i++) {
		memset(&err, 0, sizeof err);
		rc = json_select(d, selects[i].sel, selects[i].selector, &out,
		                 &err);
		if (selects[i].want == NULL) {
			CHECK(rc == ST_DATA && err.status == ST_DATA);
			if (rc != ST_DATA)
				fprintf(stderr, "  found '%s'\n",
				        selects[i].selector);
			continue;
		}
		if (rc != ST_OK) {
			fprintf(stderr, "  '%s': %s\n", selects[i].selector,
			        err.msg);
			CHECK(!"selector failed");
			continue;
		}
		if (!same(&out, selects[i].want, strlen(selects[i].want)))
			fprintf(stderr, "  '%s': got \"%s\"\n",
			        selects[i].selector, out.p);
		CHECK(same(&out, selects[i].want, strlen(selects[i].want)));
	}
	secret_wipe(&out);
	json_free(d);
}

TEST(json_select_messages)
{
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d = t_doc("{\"password\":\"s3cr3t\",\"a\":{\"b\":1}}");

	REQUIRE(d != NULL);
	CHECK(json_select(d, SEL_KEY, "user", &out, &err) == ST_DATA);
	CHECK_STR(err.msg, "key 'user' not found");
	CHECK(json_select(d, SEL_POINTER, "/a/c", &out, &err) == ST_DATA);
	CHECK_STR(err.msg, "JSON Pointer '/a/c' not found");
	CHECK(out.p == NULL);
	json_free(d);
}

TEST(json_select_whole_and_replace)
{
	struct secret out = {NULL, 0};
	struct jdoc *d = t_doc("{\"user\":\"app\",\"password\":\"s3cr3t\","
	                       "\"port\":5432,\"ratio\":0.1,\"n\":null}");
	static const char whole[] = "{\"user\":\"app\",\"password\":\"s3cr3t\","
				    "\"port\":5432,\"ratio\":0.1,\"n\":null}";

	REQUIRE(d != NULL);
	secret_set(&out, "old", 3);
	CHECK(json_select(d, SEL_WHOLE, NULL, &out, NULL) == ST_OK);
	CHECK(same(&out, whole, strlen(whole)));
	CHECK(json_select(d, SEL_POINTER, "", &out, NULL) == ST_OK);
	CHECK(same(&out, whole, strlen(whole)));
	CHECK(json_select(d, SEL_POINTER, NULL, &out, NULL) == ST_OK);
	CHECK(same(&out, whole, strlen(whole)));
	CHECK(json_select(d, SEL_KEY, "user", &out, NULL) == ST_OK);
	CHECK(same(&out, "app", 3));
	secret_wipe(&out);
	json_free(d);
}

TEST(json_big_value)
{
	struct secret out = {NULL, 0};
	size_t n = 300000, i;
	char *obj = xmalloc(n + 64), *p = obj;
	struct jdoc *d;

	p += snprintf(p, 64, "{\"k\":[");
	for (i = 0; i < n / 4; i++)
		p += snprintf(p, 8, "%s\"x\"", i ? "," : "");
	snprintf(p, 8, "]}");
	d = t_doc(obj);
	REQUIRE(d != NULL);
	CHECK(json_select(d, SEL_WHOLE, NULL, &out, NULL) == ST_OK);
	CHECK(out.len == strlen(obj) && memcmp(out.p, obj, out.len) == 0);
	secret_wipe(&out);
	json_free(d);
	free(obj);
}

TEST(json_big_numbers_whole)
{
	static const char body[] =
		"{\"data\":{\"a\":[18446744073709551616,1],\"s\":\"x\\\"1e999\"}}";
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d = NULL;

	json_init();
	REQUIRE(answer_secret(body, strlen(body), 1, &d, &err) == ST_OK);
	CHECK(json_select(d, SEL_WHOLE, NULL, &out, &err) == ST_OK);
	CHECK_STR(out.p, "{\"a\":[18446744073709551616,1],\"s\":\"x\\\"1e999\"}");
	json_free(d);
	secret_wipe(&out);
}

/* Whole-secret rendering keeps a forged number marker a string: it cannot
 * inject keys, and numbers around it keep their text. */
TEST(json_number_marker_cannot_be_forged)
{
	static const char body[] =
		"{\"data\":{\"a\":\"\\u0000vaultrun-number:1,\\\"injected\\\":true\","
		"\"s\":\"0.0\",\"n\":[1.50,\"1.0\",-0,1e400]}}";
	static const char want[] = "{\"a\":\"\\u0000vaultrun-number:1,\\\"injected\\\":true\","
				   "\"s\":\"0.0\",\"n\":[1.50,\"1.0\",-0,1e400]}";
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d = NULL;
	const char *key;

	json_init();
	REQUIRE(answer_secret(body, strlen(body), 1, &d, &err) == ST_OK);
	CHECK(json_select(d, SEL_WHOLE, NULL, &out, &err) == ST_OK);
	CHECK_STR(out.p, want);
	/* each member as [env] and #* would give it */
	CHECK(json_member(d, 0, &key, &out) == 0);
	CHECK_STR(key, "a");
	CHECK(same(&out, "\0vaultrun-number:1,\"injected\":true", 34));
	CHECK(json_member(d, 1, &key, &out) == 0);
	CHECK(same(&out, "0.0", 3));
	CHECK(json_member(d, 2, &key, &out) == 0);
	CHECK_STR(out.p, "[1.50,\"1.0\",-0,1e400]");
	json_free(d);
	secret_wipe(&out);
}

/* ---- profiles: sub-objects and members ---- */

TEST(json_subobjects_and_members)
{
	static const struct {
		const char *key, *value;
	} want[] = {
		{"type", "postgres"}, {"host", "db.example"},  {"port", "5432"},
		{"ssl", "true"},      {"opts", "{\"a\":[1]}"}, {"none", ""},
	};
	struct secret v = {NULL, 0};
	struct error err;
	struct jdoc *d = t_doc("{\"type\":\"profile\",\"details\":{\"type\":"
	                       "\"postgres\",\"host\":\"db.example\",\"port\":5432,"
	                       "\"ssl\":true,\"opts\":{\"a\":[1]},\"none\":null},"
	                       "\"list\":[{}]}");
	struct jdoc *sub = NULL, *whole = NULL, *inner = NULL;
	const char *key;
	size_t i;

	REQUIRE(d != NULL);
	REQUIRE(json_subobject(d, "/details", &sub, &err) == ST_OK);
	for (i = 0; i < N(want); i++) {
		key = NULL;
		REQUIRE(json_member(sub, i, &key, &v) == 0);
		CHECK_STR(key, want[i].key);
		CHECK(same(&v, want[i].value, strlen(want[i].value)));
	}
	CHECK(json_member(sub, N(want), &key, &v) == 1);
	CHECK(json_member(sub, 1000, &key, &v) == 1);

	CHECK(json_subobject(d, "", &whole, &err) == ST_OK);
	CHECK(json_member(whole, 0, &key, &v) == 0);
	CHECK_STR(key, "type");
	json_free(whole);
	CHECK(json_subobject(d, NULL, &whole, &err) == ST_OK);
	CHECK(json_member(whole, 1, &key, &v) == 0);
	CHECK_STR(key, "details");
	CHECK(json_subobject(d, "/list/0", &inner, &err) == ST_OK);
	CHECK(json_member(inner, 0, &key, &v) == 1);
	json_free(inner);

	CHECK(json_subobject(d, "/type", &inner, &err) == ST_DATA);
	CHECK_STR(err.msg, "JSON Pointer '/type' is not an object");
	CHECK(inner == NULL);
	CHECK(json_subobject(d, "/list", &inner, &err) == ST_DATA);
	CHECK(json_subobject(d, "/nope", &inner, &err) == ST_DATA);
	CHECK_STR(err.msg, "JSON Pointer '/nope' not found");
	CHECK(json_subobject(d, "/details/host/x", &inner, &err) == ST_DATA);

	/* A sub-document outlives the document it came from. */
	json_free(d);
	CHECK(json_member(sub, 1, &key, &v) == 0);
	CHECK_STR(key, "host");
	CHECK(same(&v, "db.example", 10));
	json_free(sub);
	json_free(whole);
	secret_wipe(&v);
}

/* ---- the file:// store ---- */

static const char store_text[] =
	"{\n"
	"  \"secret/app/db\": {\"user\": \"app\", \"password\": \"s3cr3t\"},\n"
	"  \"secret/app/api\": {\"value\": \"tok\"},\n"
	"  \"secret/empty\": {}\n"
	"}\n";

TEST(json_store)
{
	struct secret v = {NULL, 0};
	struct error err;
	struct jdoc *store, *kept;
	const struct jdoc *s;
	const char *key;

	REQUIRE(json_store_load(store_text, strlen(store_text), &store, &err) ==
	        ST_OK);
	s = json_store_get(store, "secret/app/db");
	REQUIRE(s != NULL);
	CHECK(json_select(s, SEL_KEY, "password", &v, &err) == ST_OK);
	CHECK(same(&v, "s3cr3t", 6));
	CHECK(json_select(s, SEL_WHOLE, NULL, &v, &err) == ST_OK);
	CHECK(same(&v, "{\"user\":\"app\",\"password\":\"s3cr3t\"}",
	           strlen("{\"user\":\"app\",\"password\":\"s3cr3t\"}")));
	s = json_store_get(store, "secret/app/api");
	REQUIRE(s != NULL);
	CHECK(json_select(s, SEL_KEY, "value", &v, &err) == ST_OK);
	CHECK(same(&v, "tok", 3));
	s = json_store_get(store, "secret/empty");
	REQUIRE(s != NULL);
	CHECK(json_member(s, 0, &key, &v) == 1);
	CHECK(json_store_get(store, "secret/app") == NULL);
	CHECK(json_store_get(store, "secret/app/db/") == NULL);
	CHECK(json_store_get(store, "") == NULL);

	/* A borrowed secret kept with json_ref outlives the store. */
	kept = json_ref(json_store_get(store, "secret/app/db"));
	json_free(store);
	CHECK(json_select(kept, SEL_KEY, "user", &v, &err) == ST_OK);
	CHECK(same(&v, "app", 3));
	json_free(kept);
	CHECK(json_ref(NULL) == NULL);
	secret_wipe(&v);
}

static const struct {
	const char *text;
	const char *msg;
} bad_stores[] = {
	{"", "file store: invalid JSON at line 1, column 0"},
	{"{", "file store: invalid JSON at line 1, column 1"},
	{"{\n  \"a\": {},\n  \"b\": {\"k\": s3cr3t}\n}",
         "file store: invalid JSON at line 3, column 14"},
	{"{\"a\":{}}garbage", "file store: invalid JSON at line 1, column 15"},
	{"{\"a\":{},\n\"a\":{}}", "file store: duplicate key at line 2"},
	{"[]", "file store: top level is not an object"},
	{"42", "file store: top level is not an object"},
	{"\"secret/x\"", "file store: top level is not an object"},
	{"null", "file store: top level is not an object"},
	{"{\"secret/x\":{},\"secret/y\":\"v\"}",
         "file store: 'secret/y' is not an object"},
	{"{\"secret/x\":[]}", "file store: 'secret/x' is not an object"},
	{"{\"secret/x\":null}", "file store: 'secret/x' is not an object"},
};

TEST(json_store_errors)
{
	struct error err;
	struct jdoc *store;
	size_t i;

	for (i = 0; i < N(bad_stores); i++) {
		memset(&err, 0, sizeof err);
		store = (struct jdoc *)&err;
		CHECK(json_store_load(bad_stores[i].text,
		                      strlen(bad_stores[i].text), &store,
		                      &err) == ST_CONFIG);
		CHECK(store == NULL);
		CHECK(err.status == ST_CONFIG);
		CHECK_STR(err.msg, bad_stores[i].msg);
	}
	/* An empty store is a valid one. */
	CHECK(json_store_load("{}", 2, &store, &err) == ST_OK);
	CHECK(json_store_get(store, "x") == NULL);
	json_free(store);
}

TEST(json_init_is_idempotent)
{
	struct jdoc *d;

	json_init();
	json_init();
	d = t_doc("{\"k\":\"v\"}");
	CHECK(d != NULL);
	json_free(d);
}

TEST(json_accessors)
{
	static const char body[] = "{\"s\":\"a\\u0000b\",\"n\":null,\"l\":[1,\"x\"],"
				   "\"o\":{},\"t\":true,\"i\":7}";
	struct jdoc *d = NULL;
	const struct jdoc *l;
	struct error err;
	size_t n = 99;
	long long i = 0;

	REQUIRE(json_parse(body, strlen(body), &d, &err) == ST_OK);
	/* a string with its length: NUL bytes stay */
	CHECK(memcmp(json_strn(json_get(d, "s"), &n), "a\0b", 3) == 0 && n == 3);
	CHECK(json_strn(json_get(d, "i"), &n) == NULL && n == 0);
	CHECK(json_strn(NULL, &n) == NULL && n == 0);
	CHECK_STR(json_str(json_at(json_get(d, "l"), 1)), "x");
	/* null is not absent */
	CHECK(json_isnull(json_get(d, "n")) == 1);
	CHECK(json_isnull(json_get(d, "absent")) == 0);
	CHECK(json_isnull(json_get(d, "o")) == 0);
	CHECK(json_isnull(NULL) == 0);
	/* arrays */
	l = json_get(d, "l");
	CHECK(json_is_list(l) && json_len(l) == 2);
	CHECK(json_int(json_at(l, 0), &i) == 0 && i == 1);
	CHECK(json_at(l, 2) == NULL);
	CHECK(!json_is_list(json_get(d, "o")) && json_len(json_get(d, "o")) == 0);
	CHECK(json_len(NULL) == 0 && json_at(NULL, 0) == NULL);
	CHECK(json_bool(json_get(d, "t")) == 1 &&
	      json_bool(json_get(d, "i")) == -1);
	CHECK(json_int(json_get(d, "i"), &i) == 0 && i == 7);
	CHECK(json_is_obj(json_get(d, "o")) && !json_is_obj(l));
	json_free(d);
	/* err may be NULL: an unparsable text is a NULL doc */
	CHECK(json_parse("{", 1, &d, NULL) == ST_PROTOCOL && d == NULL);
}
