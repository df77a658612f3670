/* test_json.c - Vault envelopes, selectors and value rendering.
 *
 * Selector cases are data, jq-style: a document, a selector, the bytes that
 * should come out (or the error).
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mask.h"
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

/* ---- the KV envelopes (vault-api.md sections 3 and 4) ---- */

static const char kv1_body[] =
	"{\"request_id\":\"5c8f0a1e-0000-4000-8000-000000000001\",\"lease_id\":\"\","
	"\"renewable\":false,\"lease_duration\":2764800,"
	"\"data\":{\"password\":\"s3cr3t\",\"user\":\"app\"},\"wrap_info\":null,"
	"\"warnings\":null,\"auth\":null,\"mount_type\":\"kv\"}\n";

static const char kv2_body[] =
	"{\"request_id\":\"5c8f0a1e-0000-4000-8000-000000000002\",\"lease_id\":\"\","
	"\"renewable\":false,\"lease_duration\":0,"
	"\"data\":{\"data\":{\"password\":\"s3cr3t\",\"port\":5432},"
	"\"metadata\":{\"created_time\":\"2018-03-22T02:24:06.945319214Z\","
	"\"custom_metadata\":{\"owner\":\"jdoe\"},\"deletion_time\":\"\","
	"\"destroyed\":false,\"version\":2}},"
	"\"wrap_info\":null,\"warnings\":null,\"auth\":null,\"mount_type\":\"kv\"}\n";

static const char kv2_deleted[] =
	"{\"request_id\":\"5c8f0a1e-0000-4000-8000-000000000003\",\"lease_id\":\"\","
	"\"renewable\":false,\"lease_duration\":0,"
	"\"data\":{\"data\":null,\"metadata\":{\"created_time\":"
	"\"2024-05-02T10:00:00.000000001Z\",\"custom_metadata\":null,"
	"\"deletion_time\":\"2024-05-03T08:12:44.123456789Z\",\"destroyed\":false,"
	"\"version\":3}},\"wrap_info\":null,\"warnings\":null,\"auth\":null}\n";

static const char kv2_destroyed[] =
	"{\"request_id\":\"5c8f0a1e-0000-4000-8000-000000000004\",\"lease_id\":\"\","
	"\"renewable\":false,\"lease_duration\":0,"
	"\"data\":{\"data\":null,\"metadata\":{\"created_time\":"
	"\"2024-05-02T10:00:00.000000001Z\",\"custom_metadata\":null,"
	"\"deletion_time\":\"\",\"destroyed\":true,\"version\":1}},"
	"\"wrap_info\":null,\"warnings\":null,\"auth\":null}\n";

static const char kv2_invalid_path[] =
	"{\"request_id\":\"5c8f0a1e-0000-4000-8000-000000000005\",\"lease_id\":\"\","
	"\"renewable\":false,\"lease_duration\":0,\"data\":null,\"wrap_info\":null,"
	"\"warnings\":[\"Invalid path for a versioned K/V secrets engine. See the "
	"API docs for the appropriate API endpoints to use. If using the Vault "
	"CLI, use 'vault kv get' for this operation.\"],\"auth\":null}\n";

static const struct {
	const char *body;
	int kv;
	int status;
	const char *msg;  /* expected error, or a key to read on success */
	const char *want; /* the key's value on success */
} envelopes[] = {
	{kv1_body, 1, ST_OK, "password", "s3cr3t"},
	{kv2_body, 2, ST_OK, "password", "s3cr3t"},
	{kv2_body, 1, ST_OK, "data", "{\"password\":\"s3cr3t\",\"port\":5432}"},
	{kv2_deleted, 2, ST_NOINPUT, "version deleted", NULL},
	{kv2_destroyed, 2, ST_NOINPUT, "version destroyed", NULL},
	{kv1_body, 2, ST_PROTOCOL,
         "unexpected response shape: 'data.data' is not an object", NULL},
	{kv2_invalid_path, 2, ST_PROTOCOL,
         "unexpected response shape: 'data' is not an object", NULL},
	{kv2_invalid_path, 1, ST_PROTOCOL,
         "unexpected response shape: 'data' is not an object", NULL},
	{"{\"errors\":[]}", 1, ST_PROTOCOL,
         "unexpected response shape: 'data' is not an object", NULL},
	{"{\"data\":\"x\"}", 1, ST_PROTOCOL,
         "unexpected response shape: 'data' is not an object", NULL},
	{"{\"data\":[1]}", 1, ST_PROTOCOL,
         "unexpected response shape: 'data' is not an object", NULL},
	{"{\"data\":{\"data\":[1]}}", 2, ST_PROTOCOL,
         "unexpected response shape: 'data.data' is not an object", NULL},
	{"{\"data\":{\"data\":\"x\"}}", 2, ST_PROTOCOL,
         "unexpected response shape: 'data.data' is not an object", NULL},
	{"[{\"data\":{}}]", 1, ST_PROTOCOL,
         "unexpected response shape: not an object", NULL},
	{"", 1, ST_PROTOCOL, "invalid JSON in response", NULL},
	{"\"data\"", 1, ST_PROTOCOL, "invalid JSON in response", NULL},
	{"<html><body>502 Bad Gateway</body></html>", 1, ST_PROTOCOL,
         "invalid JSON in response", NULL},
	{"{\"data\":{\"password\":\"s3cr3t\"", 1, ST_PROTOCOL,
         "invalid JSON in response", NULL},
	{"{\"data\":{\"password\":s3cr3t}}", 1, ST_PROTOCOL,
         "invalid JSON in response", NULL},
	{"{\"data\":{\"k\":\"v\"}} trailing", 1, ST_PROTOCOL,
         "invalid JSON in response", NULL},
	{"{\"data\":{\"k\":\"\xff\"}}", 1, ST_PROTOCOL,
         "invalid JSON in response", NULL},
	/* numbers jansson cannot hold keep their JSON text */
	{"{\"data\":{\"n\":123456789012345678901234567890}}", 1, ST_OK, "n",
         "123456789012345678901234567890"},
	{"{\"data\":{\"n\":-1e400,\"s\":\"1e400\"}}", 1, ST_OK, "n", "-1e400"},
	{"{\"data\":{\"n\":1e400,\"s\":\"1e400\"}}", 1, ST_OK, "s", "1e400"},
};

TEST(json_big_numbers_whole)
{
	static const char body[] =
		"{\"data\":{\"a\":[18446744073709551616,1],\"s\":\"x\\\"1e999\"}}";
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d = NULL;

	json_init();
	REQUIRE(json_parse_secret(body, strlen(body), 1, &d, &err) == ST_OK);
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
	REQUIRE(json_parse_secret(body, strlen(body), 1, &d, &err) == ST_OK);
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

TEST(json_envelopes)
{
	struct secret out = {NULL, 0};
	struct error err;
	struct jdoc *d;
	size_t i;
	int rc;

	json_init();
	for (i = 0; i < N(envelopes); i++) {
		memset(&err, 0, sizeof err);
		d = (struct jdoc *)&err; /* must be reset on failure */
		rc = json_parse_secret(envelopes[i].body,
		                       strlen(envelopes[i].body),
		                       envelopes[i].kv, &d, &err);
		if (rc != envelopes[i].status)
			fprintf(stderr, "  case %zu: status %d: %s\n", i, rc,
			        err.msg);
		CHECK(rc == envelopes[i].status);
		if (rc != ST_OK) {
			CHECK(d == NULL);
			CHECK(err.status == rc);
			CHECK_STR(err.msg, envelopes[i].msg);
			/* No message ever quotes the body. */
			CHECK(strstr(err.msg, "s3cr3t") == NULL);
			continue;
		}
		CHECK(json_select(d, SEL_KEY, envelopes[i].msg, &out, &err) ==
		      ST_OK);
		CHECK(same(&out, envelopes[i].want, strlen(envelopes[i].want)));
		json_free(d);
	}
	secret_wipe(&out);
}

TEST(json_parse_secret_honours_len)
{
	static const char body[] = "{\"data\":{\"k\":\"v\"}}garbage";
	struct secret out = {NULL, 0};
	struct jdoc *d;

	REQUIRE(json_parse_secret(body, sizeof body - 1 - 7, 1, &d, NULL) == ST_OK);
	CHECK(json_select(d, SEL_KEY, "k", &out, NULL) == ST_OK);
	CHECK(same(&out, "v", 1));
	json_free(d);
	CHECK(json_parse_secret(body, 10, 1, &d, NULL) == ST_PROTOCOL);
	CHECK(d == NULL);
	secret_wipe(&out);
	json_free(NULL);
}

/* ---- 404s ---- */

static const struct {
	const char *body;
	enum kv404 kind;
	int bare;
} notfound[] = {
	{"{\"errors\":[]}", KV404_MISSING, 1},
	{"{\"errors\":[]}\n", KV404_MISSING, 1},
	{" {\"errors\" : [ ] } ", KV404_MISSING, 1},
	{"{\"errors\":[],\"data\":null,\"warnings\":null}", KV404_MISSING, 1},
	{"{\"errors\":[],\"warnings\":[]}", KV404_MISSING, 1},
	{kv2_deleted, KV404_DELETED, 0},
	{kv2_destroyed, KV404_DESTROYED, 0},
	{kv2_invalid_path, KV404_INVALID_PATH, 0},
	{"{\"data\":null,\"warnings\":[\"Non-listing operations on the root of a "
         "K/V v2 mount are not supported.\"]}",
         KV404_INVALID_PATH, 0},
	{"{\"errors\":[\"no handler for route \\\"foo/bar\\\". route entry not "
         "found.\"]}",
         KV404_MISSING, 0},
	{"{\"errors\":[],\"warnings\":[\"w\"]}", KV404_INVALID_PATH, 0},
	{"{\"errors\":[],\"data\":{\"k\":\"v\"}}", KV404_MISSING, 0},
	{"{\"errors\":{}}", KV404_MISSING, 0},
	{"{\"errors\":null}", KV404_MISSING, 0},
	{"{}", KV404_MISSING, 0},
	{"[]", KV404_MISSING, 0},
	{"", KV404_MISSING, 0},
	{"404 page not found\n", KV404_MISSING, 0},
};

TEST(json_404)
{
	size_t i;

	for (i = 0; i < N(notfound); i++) {
		const char *b = notfound[i].body;

		if (json_classify_404(b, strlen(b)) != notfound[i].kind ||
		    json_is_bare_404(b, strlen(b)) != notfound[i].bare)
			fprintf(stderr, "  case %zu\n", i);
		CHECK(json_classify_404(b, strlen(b)) == notfound[i].kind);
		CHECK(json_is_bare_404(b, strlen(b)) == notfound[i].bare);
	}
}

/* ---- error summaries ---- */

static const struct {
	const char *body;
	size_t cap;
	const char *want;
} summaries[] = {
	{"{\"errors\":[\"permission denied\"]}", 128, "permission denied"},
	{"{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}",
         128, "1 error occurred: * permission denied"},
	{"{\"errors\":[\"2 errors occurred:\\n\\t* permission denied\\n\\t* "
         "invalid token\\n\\n\"]}",
         128, "2 errors occurred: * permission denied * invalid token"},
	{"{\"errors\":[\"invalid role or secret ID\"]}", 128,
         "invalid role or secret ID"},
	{"{\"errors\":[\"a\",\"b\"]}", 128, "a; b"},
	{"{\"errors\":[\"  x  \",\"\",\"\\n\\t \",3,null,\"y\"]}", 128, "x; y"},
	{"{\"errors\":[\"\",\"y\"]}", 128, "y"},
	{"{\"errors\":[\"tab\\there\\u0001x\\u007fy\\u0000z\"]}", 128,
         "tab here x y z"},
	{"{\"errors\":[\"Vault is sealed\"],\"warnings\":[\"w\"]}", 128,
         "Vault is sealed"},
	{"{\"errors\":[\"caf\\u00e9\"]}", 128, "caf\xc3\xa9"},
	{"{\"errors\":[]}", 128, ""},
	{"{\"errors\":\"permission denied\"}", 128, ""},
	{"{\"errors\":{}}", 128, ""},
	{"{}", 128, ""},
	{"", 128, ""},
	{"<html>Bad Gateway</html>", 128, ""},
	{"{\"errors\":[\"abcdefghij\"]}", 8, "abcdefg"},
	{"{\"errors\":[\"abc def\"]}", 5, "abc"},
	{"{\"errors\":[\"abc\",\"def\"]}", 5, "abc;"},
	{"{\"errors\":[\"\\u00e9\\u00e9\\u00e9\"]}", 4, "\xc3\xa9"},
	{"{\"errors\":[\"\\u00e9\\u00e9\\u00e9\"]}", 5, "\xc3\xa9\xc3\xa9"},
	{"{\"errors\":[\"\\u00e9\"]}", 2, ""},
	{"{\"errors\":[\"x\"]}", 1, ""},
};

TEST(json_error_summaries)
{
	char buf[128];
	size_t i;

	for (i = 0; i < N(summaries); i++) {
		memset(buf, 'Z', sizeof buf);
		json_error_summary(summaries[i].body, strlen(summaries[i].body),
		                   buf, summaries[i].cap);
		CHECK_STR(buf, summaries[i].want);
		CHECK(strlen(buf) < summaries[i].cap);
	}
	memset(buf, 'Z', sizeof buf);
	json_error_summary("{\"errors\":[\"x\"]}", 16, buf, 0);
	CHECK(buf[0] == 'Z');
}

/* A value the server echoes is masked before whitespace is folded or the
 * summary cut: neither may let a part of it through. */
TEST(json_error_summary_masks_before_fold_and_cut)
{
	static const char pem[] = "-----BEGIN KEY-----\nMIIEabc  def\n-----END";
	static const char tok[] = "hvs.0123456789abcdefghijklmnopqrstuvwxyz";
	/* folded, the PEM would read "-----BEGIN KEY----- MIIEabc def ..." */
	static const char folds[] = "{\"errors\":[\"bad \\t -----BEGIN KEY-----"
				    "\\nMIIEabc  def\\n-----END\\n\"]}";
	/* cut at 31 bytes, the token would lose its tail */
	static const char cuts[] = "{\"errors\":[\"01234567890123456789 hvs."
				   "0123456789abcdefghijklmnopqrstuvwxyz\"]}";
	char buf[32];

	mask_add(pem, strlen(pem));
	mask_add(tok, strlen(tok));
	json_error_summary(folds, strlen(folds), buf, sizeof buf);
	CHECK_STR(buf, "bad ********");
	json_error_summary(cuts, strlen(cuts), buf, sizeof buf);
	CHECK_STR(buf, "01234567890123456789 ********");
	mask_clear();
}

/* ---- mount preflight (vault-api.md section 5) ---- */

static const struct {
	const char *data; /* the "data" member */
	int status;
	const char *mount;
	int kv;
} mounts[] = {
	{"{\"accessor\":\"kv_3fa2b9c1\",\"config\":{\"default_lease_ttl\":0,"
         "\"force_no_cache\":false,\"max_lease_ttl\":0},\"description\":"
         "\"key/value secret storage\",\"external_entropy_access\":false,"
         "\"local\":false,\"options\":{\"version\":\"2\"},\"path\":\"secret/\","
         "\"plugin_version\":\"\",\"running_plugin_version\":\"v0.20.0+builtin\","
         "\"running_sha256\":\"\",\"seal_wrap\":false,\"type\":\"kv\","
         "\"uuid\":\"5d2c\"}",
         ST_OK, "secret", 2},
	{"{\"options\":{\"version\":\"1\"},\"path\":\"legacy/\"}", ST_OK,
         "legacy", 1},
	{"{\"options\":{\"version\":\"\"},\"path\":\"kv/\"}", ST_OK, "kv", 1},
	{"{\"options\":{},\"path\":\"kv/\"}", ST_OK, "kv", 1},
	{"{\"options\":null,\"path\":\"kv/\"}", ST_OK, "kv", 1},
	{"{\"path\":\"kv/\",\"type\":\"kv\"}", ST_OK, "kv", 1},
	{"{\"options\":{\"version\":2},\"path\":\"kv/\"}", ST_OK, "kv", 1},
	{"{\"options\":{\"version\":\"2\"},\"path\":\"ns1/team/kv/\"}", ST_OK,
         "ns1/team/kv", 2},
	{"{\"options\":{\"version\":\"2\"},\"path\":\"secret\"}", ST_OK,
         "secret", 2},
	{"{\"options\":{\"version\":\"2\"}}", ST_PROTOCOL, NULL, 0},
	{"{\"path\":\"\"}", ST_PROTOCOL, NULL, 0},
	{"{\"path\":\"/\"}", ST_PROTOCOL, NULL, 0},
	{"{\"path\":null}", ST_PROTOCOL, NULL, 0},
	{"{\"path\":42}", ST_PROTOCOL, NULL, 0},
	{"{\"path\":\"se\\ncret/\"}", ST_PROTOCOL, NULL, 0},
	{"{\"path\":\"se\\u0000cret/\"}", ST_PROTOCOL, NULL, 0},
	{"null", ST_PROTOCOL, NULL, 0},
	{"[]", ST_PROTOCOL, NULL, 0},
};

TEST(json_mounts)
{
	struct error err;
	char *body, *mount;
	size_t i;
	int kv, rc;

	for (i = 0; i < N(mounts); i++) {
		body = xasprintf("{\"request_id\":\"r\",\"lease_id\":\"\","
		                 "\"renewable\":false,\"lease_duration\":0,"
		                 "\"data\":%s,\"wrap_info\":null,\"warnings\":null,"
		                 "\"auth\":null}",
		                 mounts[i].data);
		kv = -1;
		mount = (char *)body; /* must be reset */
		rc = json_parse_mount(body, strlen(body), &mount, &kv, &err);
		CHECK(rc == mounts[i].status);
		if (rc == ST_OK) {
			CHECK_STR(mount, mounts[i].mount);
			CHECK(kv == mounts[i].kv);
		} else {
			CHECK(mount == NULL);
			CHECK(strncmp(err.msg,
			              "unexpected response shape: ", 27) == 0);
		}
		free(mount);
		free(body);
	}
	CHECK(json_parse_mount("{", 1, &mount, &kv, &err) == ST_PROTOCOL);
	CHECK_STR(err.msg, "invalid JSON in response");
	CHECK(mount == NULL);
}

/* ---- login (vault-api.md section 7) ---- */

#define LOGIN(auth)                                                            \
	"{\"request_id\":\"r\",\"lease_id\":\"\",\"renewable\":false,"         \
	"\"lease_duration\":0,\"data\":null,\"wrap_info\":null,"               \
	"\"warnings\":null,\"auth\":" auth "}"

static const struct {
	const char *body;
	int status;
	const char *token; /* or a part of the message */
	int batch;
} logins[] = {
	{LOGIN("{\"client_token\":\"hvs.CAESIJabc\",\"accessor\":"
               "\"fd6c9a00-d2dc-3b11-0be5-af7ae0e1d374\",\"policies\":"
               "[\"app-read\",\"default\"],\"token_policies\":[\"app-read\","
               "\"default\"],\"metadata\":{\"role_name\":\"app\"},"
               "\"lease_duration\":1200,\"renewable\":true,\"entity_id\":"
               "\"7d2e\",\"token_type\":\"service\",\"orphan\":true,"
               "\"mfa_requirement\":null,\"num_uses\":0}"),
         ST_OK, "hvs.CAESIJabc", 0},
	{LOGIN("{\"client_token\":\"hvb.AAAAAQJabc\",\"token_type\":\"batch\","
               "\"renewable\":false}"),
         ST_OK, "hvb.AAAAAQJabc", 1},
	{LOGIN("{\"client_token\":\"opaque\",\"token_type\":\"batch\"}"), ST_OK,
         "opaque", 1},
	{LOGIN("{\"client_token\":\"hvb.AAAAAQJabc\"}"), ST_OK,
         "hvb.AAAAAQJabc", 1},
	{LOGIN("{\"client_token\":\"b.AAAAAQJabc\"}"), ST_OK, "b.AAAAAQJabc", 1},
	{LOGIN("{\"client_token\":\"s.abc\",\"token_type\":\"service\"}"),
         ST_OK, "s.abc", 0},
	{LOGIN("{\"client_token\":\"5a4c7d35-6b1f-4d7e-9d52-1d1c43c7f1a2\"}"),
         ST_OK, "5a4c7d35-6b1f-4d7e-9d52-1d1c43c7f1a2", 0},
	{LOGIN("{\"client_token\":\"\",\"mfa_requirement\":{\"mfa_request_id\":"
               "\"id\",\"mfa_constraints\":{}}}"),
         ST_NOPERM, "multi-factor", 0},
	{LOGIN("{\"client_token\":\"\"}"), ST_NOPERM, "login returned no token", 0},
	{LOGIN("null"), ST_PROTOCOL, "no 'auth' object", 0},
	{LOGIN("{}"), ST_PROTOCOL, "no 'auth.client_token'", 0},
	{LOGIN("{\"client_token\":null}"), ST_PROTOCOL,
         "no 'auth.client_token'", 0},
	{LOGIN("{\"client_token\":7}"), ST_PROTOCOL, "no 'auth.client_token'", 0},
	{LOGIN("{\"client_token\":\"hvs.x\\r\\nX-Evil: 1\"}"), ST_PROTOCOL,
         "unusable", 0},
	{LOGIN("{\"client_token\":\"hvs.x\\u0000y\"}"), ST_PROTOCOL, "unusable", 0},
	{"{\"errors\":[\"invalid role or secret ID\"]}", ST_PROTOCOL,
         "no 'auth' object", 0},
	{"{\"auth\":{\"client_token\":\"hvs.", ST_PROTOCOL,
         "invalid JSON in response", 0},
};

TEST(json_logins)
{
	struct secret token = {NULL, 0};
	struct error err;
	size_t i;
	int batch, rc;

	for (i = 0; i < N(logins); i++) {
		memset(&err, 0, sizeof err);
		batch = -1;
		rc = json_parse_login(logins[i].body, strlen(logins[i].body),
		                      &token, &batch, &err);
		if (rc != logins[i].status)
			fprintf(stderr, "  case %zu: %d %s\n", i, rc, err.msg);
		CHECK(rc == logins[i].status);
		if (rc == ST_OK) {
			CHECK(same(&token, logins[i].token,
			           strlen(logins[i].token)));
			CHECK(batch == logins[i].batch);
		} else {
			CHECK(err.status == rc);
			CHECK(strstr(err.msg, logins[i].token) != NULL);
			CHECK(strstr(err.msg, "hvs.") == NULL);
		}
		secret_wipe(&token);
	}
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
