/* test_answer.c - Vault's answer formats: the KV envelopes, 404s, error
 * summaries, mounts, logins, secrets engines' data and leases, fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "lease.h"
#include "mask.h"
#include "t.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int same(const struct secret *s, const char *want, size_t len)
{
	return s->len == len && memcmp(s->p, want, len) == 0;
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

TEST(answer_envelopes)
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
		rc = answer_secret(envelopes[i].body, strlen(envelopes[i].body),
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

TEST(answer_secret_honours_len)
{
	static const char body[] = "{\"data\":{\"k\":\"v\"}}garbage";
	struct secret out = {NULL, 0};
	struct jdoc *d;

	REQUIRE(answer_secret(body, sizeof body - 1 - 7, 1, &d, NULL) == ST_OK);
	CHECK(json_select(d, SEL_KEY, "k", &out, NULL) == ST_OK);
	CHECK(same(&out, "v", 1));
	json_free(d);
	CHECK(answer_secret(body, 10, 1, &d, NULL) == ST_PROTOCOL);
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

TEST(answer_404)
{
	size_t i;

	for (i = 0; i < N(notfound); i++) {
		const char *b = notfound[i].body;

		if (answer_kv404(b, strlen(b)) != notfound[i].kind ||
		    answer_is_bare_404(b, strlen(b)) != notfound[i].bare)
			fprintf(stderr, "  case %zu\n", i);
		CHECK(answer_kv404(b, strlen(b)) == notfound[i].kind);
		CHECK(answer_is_bare_404(b, strlen(b)) == notfound[i].bare);
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

TEST(answer_error_summaries)
{
	char buf[128];
	size_t i;

	for (i = 0; i < N(summaries); i++) {
		memset(buf, 'Z', sizeof buf);
		answer_errors(summaries[i].body, strlen(summaries[i].body), buf,
		              summaries[i].cap);
		CHECK_STR(buf, summaries[i].want);
		CHECK(strlen(buf) < summaries[i].cap);
	}
	memset(buf, 'Z', sizeof buf);
	answer_errors("{\"errors\":[\"x\"]}", 16, buf, 0);
	CHECK(buf[0] == 'Z');
}

/* A value the server echoes is masked before whitespace is folded or the
 * summary cut: neither may let a part of it through. */
TEST(answer_errors_masks_before_fold_and_cut)
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
	answer_errors(folds, strlen(folds), buf, sizeof buf);
	CHECK_STR(buf, "bad ********");
	answer_errors(cuts, strlen(cuts), buf, sizeof buf);
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

TEST(answer_mounts)
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
		rc = answer_mount(body, strlen(body), &mount, &kv, &err);
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
	CHECK(answer_mount("{", 1, &mount, &kv, &err) == ST_PROTOCOL);
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

TEST(answer_logins)
{
	struct secret token = {NULL, 0};
	struct error err;
	size_t i;
	int batch, rc;

	for (i = 0; i < N(logins); i++) {
		memset(&err, 0, sizeof err);
		batch = -1;
		rc = answer_login(logins[i].body, strlen(logins[i].body),
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

/* ---- secrets engines and single fields ---- */

TEST(answer_mount_engine_table)
{
	static const struct {
		const char *body;
		int engine;
		const char *type;
	} cases[] = {
		{"{\"data\":{\"path\":\"secret/\",\"type\":\"kv\",\"options\":{\"version\":\"2\"}}}",
	         0, ""},
		{"{\"data\":{\"path\":\"kv/\",\"type\":\"kv\",\"options\":null}}",
	         0, ""},
		{"{\"data\":{\"path\":\"old/\",\"type\":\"generic\",\"options\":null}}",
	         0, ""},
		{"{\"data\":{\"path\":\"secret/\",\"options\":{\"version\":\"1\"}}}",
	         0, ""},
		{"{\"data\":{\"path\":\"database/\",\"type\":\"database\",\"options\":null}}",
	         1, "database"},
		{"{\"data\":{\"path\":\"pki/\",\"type\":\"pki\"}}", 1, "pki"},
		{"{\"data\":{\"path\":\"x/\",\"type\":\"\"}}", 0, ""},
		{"{\"data\":{\"path\":\"x/\",\"type\":7}}", 0, ""},
		{"not json", 0, ""},
	};
	char type[64];
	size_t i;

	for (i = 0; i < N(cases); i++) {
		type[0] = '\0';
		CHECK(answer_mount_engine(cases[i].body, strlen(cases[i].body),
		                          type, sizeof type) == cases[i].engine);
		CHECK_STR(type, cases[i].type);
	}
}

TEST(answer_engine_answers)
{
	static const char db[] =
		"{\"request_id\":\"r\",\"lease_id\":\"database/creds/backup/abc\","
		"\"renewable\":true,\"lease_duration\":3600,"
		"\"data\":{\"username\":\"v-token-backup-x\",\"password\":\"pw\"}}";
	static const char pki[] =
		"{\"lease_id\":\"\",\"renewable\":false,"
		"\"lease_duration\":0,\"data\":{\"certificate\":\"c\"}}";
	static const char sts[] = "{\"lease_id\":\"aws/sts/r/x\",\"lease_duration\":900,"
				  "\"data\":{\"access_key\":\"k\"}}";
	const char *bad[] = {"{\"lease_id\":\"\",\"data\":null}",
	                     "{\"lease_id\":\"x\"}", "{\"data\":[1]}", "[]"};
	struct jdoc *d = NULL;
	struct lease l;
	struct secret v = {NULL, 0};
	struct error e;
	size_t i;

	REQUIRE(answer_engine(db, strlen(db), &d, &l, &e) == ST_OK);
	CHECK_STR(l.id, "database/creds/backup/abc");
	CHECK(l.duration == 3600 && l.renewable == 1);
	REQUIRE(json_select(d, SEL_KEY, "username", &v, &e) == ST_OK);
	CHECK_STR(v.p, "v-token-backup-x");
	secret_wipe(&v);
	json_free(d);
	lease_clear(&l);

	REQUIRE(answer_engine(pki, strlen(pki), &d, &l, &e) == ST_OK);
	CHECK(l.id == NULL && l.duration == 0); /* no lease: nothing to revoke */
	json_free(d);

	REQUIRE(answer_engine(sts, strlen(sts), &d, &l, &e) == ST_OK);
	CHECK(l.duration == 900 && l.renewable == 0);
	json_free(d);
	lease_clear(&l);

	for (i = 0; i < N(bad); i++) {
		CHECK(answer_engine(bad[i], strlen(bad[i]), &d, &l, &e) ==
		      ST_PROTOCOL);
		CHECK(d == NULL && l.id == NULL);
		CHECK_STR(e.msg, "unexpected response shape: the answer has no "
		                 "'data' object");
	}
	CHECK(answer_engine("{", 1, &d, &l, &e) == ST_PROTOCOL);
	CHECK_STR(e.msg, "invalid JSON in response");
}

static const struct {
	const char *body, *pointer;
	int rc;
	long uses;
} uses[] = {
	{"{\"auth\":{\"client_token\":\"t\",\"num_uses\":0}}", "/auth/num_uses",
         0, 0},
	{"{\"auth\":{\"num_uses\":5}}", "/auth/num_uses", 0, 5},
	{"{\"data\":{\"num_uses\":12,\"ttl\":3}}", "/data/num_uses", 0, 12},
	{"{\"data\":{\"num_uses\":-1}}", "/data/num_uses", 0, -1},
	/* values are read as rendered: a numeric string passes */
	{"{\"data\":{\"num_uses\":\"5\"}}", "/data/num_uses", 0, 5},
	{"{\"data\":{\"num_uses\":1.5}}", "/data/num_uses", -1, 0},
	{"{\"data\":{}}", "/data/num_uses", -1, 0},
	{"{\"data\":null}", "/data/num_uses", -1, 0},
	{"not json", "/data/num_uses", -1, 0},
	{"", "/auth/num_uses", -1, 0},
};

TEST(answer_int_table)
{
	size_t i;
	long got;

	for (i = 0; i < N(uses); i++) {
		got = 0;
		if (answer_int(uses[i].body, strlen(uses[i].body),
		               uses[i].pointer, &got) != uses[i].rc ||
		    (uses[i].rc == 0 && got != uses[i].uses)) {
			fprintf(stderr, "  case %zu: got %ld\n", i, got);
			CHECK(0);
		}
	}
}

TEST(answer_flag_table)
{
	static const struct {
		const char *body, *pointer;
		int on;
	} cases[] = {
		{"{\"auth\":{\"renewable\":true}}", "/auth/renewable", 1},
		{"{\"auth\":{\"renewable\":false}}", "/auth/renewable", 0},
		/* read as rendered, as answer_int reads: a string "true" passes */
		{"{\"auth\":{\"renewable\":\"true\"}}", "/auth/renewable", 1},
		{"{\"auth\":{\"renewable\":1}}", "/auth/renewable", 0},
		{"{\"auth\":{\"renewable\":null}}", "/auth/renewable", 0},
		{"{\"auth\":{}}", "/auth/renewable", 0},
		{"{\"auth\":null}", "/auth/renewable", 0},
		{"not json", "/auth/renewable", 0},
		{"", "/auth/renewable", 0},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		if (answer_flag(cases[i].body, strlen(cases[i].body),
		                cases[i].pointer) != cases[i].on)
			fprintf(stderr, "  case %zu\n", i);
		CHECK(answer_flag(cases[i].body, strlen(cases[i].body),
		                  cases[i].pointer) == cases[i].on);
	}
}
