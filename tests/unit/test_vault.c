/* test_vault.c - Vault's URL spelling and status mapping, table-driven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "vault.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *path, *want;
} encoded[] = {
	{"", ""},
	{"secret/app/db", "secret/app/db"},
	/* RFC 3986 unreserved, kept */
	{"AZaz09-._~", "AZaz09-._~"},
	/* '/' between segments kept */
	{"a/b/c/", "a/b/c/"},
	{"my app/x y", "my%20app/x%20y"},
	{"50%", "50%25"},
	{"%2F", "%252F"},
	{"a?version=2", "a%3Fversion%3D2"},
	{"a#key", "a%23key"},
	{"a+b&c=d;e,f", "a%2Bb%26c%3Dd%3Be%2Cf"},
	{"a:b@c!$'()*", "a%3Ab%40c%21%24%27%28%29%2A"},
	{"\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
	/* UTF-8 bytes, each as %XX in upper case */
	{"secret/\xc3\xbcml\xc3\xa4ut", "secret/%C3%BCml%C3%A4ut"},
	{"\xd0\xba", "%D0%BA"},
	{"\xf0\x9f\x94\x91", "%F0%9F%94%91"},
	{"\xff\x80", "%FF%80"},
	{"\x7f", "%7F"},
};

TEST(vault_encode_path_table)
{
	size_t i;
	char *got;

	for (i = 0; i < N(encoded); i++) {
		got = vault_encode_path(encoded[i].path);
		CHECK_STR(got, encoded[i].want);
		free(got);
	}
}

static const struct {
	const char *mount, *rest;
	int kv;
	unsigned long version;
	const char *want;
} kvpaths[] = {
	{"secret", "app/db", 2, 0, "secret/data/app/db"},
	{"secret", "app/db", 2, 3, "secret/data/app/db?version=3"},
	{"secret", "app/db", 2, 4294967295UL,
         "secret/data/app/db?version=4294967295"},
	{"secret", "app/db", 1, 0, "secret/app/db"},
	{"legacy", "app/db", 1, 0, "legacy/app/db"},
	{"team/kv", "app", 2, 0, "team/kv/data/app"},
	{"team/kv", "app", 1, 0, "team/kv/app"},
	/* encoded, mount and rest alike; the query is not */
	{"my kv", "a b/c?d", 2, 7, "my%20kv/data/a%20b/c%3Fd?version=7"},
	{"my kv", "a b/c#d", 1, 0, "my%20kv/a%20b/c%23d"},
	{"secret", "\xc3\xbc", 2, 0, "secret/data/%C3%BC"},
};

TEST(vault_kv_path_table)
{
	size_t i;
	char *got;

	for (i = 0; i < N(kvpaths); i++) {
		got = vault_kv_path(kvpaths[i].mount, kvpaths[i].rest,
		                    kvpaths[i].kv, kvpaths[i].version);
		CHECK_STR(got, kvpaths[i].want);
		free(got);
	}
}

TEST(vault_mounts_path_encoded)
{
	char *got;

	got = vault_mounts_path("secret/app/db");
	CHECK_STR(got, "sys/internal/ui/mounts/secret/app/db");
	free(got);
	got = vault_mounts_path("team kv/x?y#z");
	CHECK_STR(got, "sys/internal/ui/mounts/team%20kv/x%3Fy%23z");
	free(got);
	got = vault_mounts_path("\xc3\xbc");
	CHECK_STR(got, "sys/internal/ui/mounts/%C3%BC");
	free(got);
}

#define SEALED "{\"errors\":[\"Vault is sealed\"]}"
#define DENIED "{\"errors\":[\"permission denied\"]}"
#define BADTOKEN "{\"errors\":[\"permission denied\",\"invalid token\"]}"

/* clang-format off */
static const struct {
	long status;
	int failure;        /* status 0 only */
	const char *reason; /* status 0 only */
	const char *body;
	unsigned attempts;
	int want;
	const char *why;
} failures[] = {
	/* no answer: the failure's own status and reason */
	{0, ST_UNAVAILABLE, "Failed to connect to vault port 8200", NULL, 1,
	 ST_UNAVAILABLE, "Failed to connect to vault port 8200"},
	{0, ST_TEMPFAIL, "deadline passed while waiting for an answer", NULL, 1,
	 ST_TEMPFAIL, "deadline passed while waiting for an answer"},
	{0, ST_PROTOCOL, "response body larger than 4 MiB", NULL, 1,
	 ST_PROTOCOL, "response body larger than 4 MiB"},
	{0, ST_OSERR, "cannot start a transfer", NULL, 1, ST_OSERR,
	 "cannot start a transfer"},
	{0, 0, NULL, NULL, 1, ST_UNAVAILABLE, "no answer"},
	{0, ST_UNAVAILABLE, "Failed to connect to vault port 8200", NULL, 6,
	 ST_UNAVAILABLE, "Failed to connect to vault port 8200 after 6 attempts"},
	/* 4xx */
	{400, 0, NULL, "{\"errors\":[\"missing client token\"]}", 1, ST_PROTOCOL,
	 "unexpected answer (HTTP 400: missing client token)"},
	{400, 0, NULL, "", 1, ST_PROTOCOL, "unexpected answer (HTTP 400)"},
	{401, 0, NULL, BADTOKEN, 1, ST_NOPERM,
	 "token invalid or expired (HTTP 401: permission denied; invalid token)"},
	{401, 0, NULL, "", 1, ST_NOPERM, "permission denied (HTTP 401)"},
	{403, 0, NULL, BADTOKEN, 1, ST_NOPERM,
	 "token invalid or expired (HTTP 403: permission denied; invalid token)"},
	{403, 0, NULL, DENIED, 1, ST_NOPERM,
	 "permission denied (HTTP 403: permission denied)"},
	{403, 0, NULL, "<html>Forbidden</html>", 1, ST_NOPERM,
	 "permission denied (HTTP 403)"},
	{404, 0, NULL, "{\"errors\":[]}", 1, ST_NOINPUT, "not found (HTTP 404)"},
	{404, 0, NULL, "{\"errors\":[\"no handler for route\"]}", 1, ST_NOINPUT,
	 "not found (HTTP 404)"},
	{405, 0, NULL, "{\"errors\":[\"unsupported operation\"]}", 1, ST_PROTOCOL,
	 "unexpected answer (HTTP 405: unsupported operation)"},
	{418, 0, NULL, "", 1, ST_PROTOCOL, "unexpected answer (HTTP 418)"},
	{412, 0, NULL, "", 1, ST_TEMPFAIL, "index state not present (HTTP 412)"},
	{429, 0, NULL, "", 1, ST_TEMPFAIL, "rate limited (HTTP 429)"},
	/* 5xx */
	{500, 0, NULL, "{\"errors\":[\"internal error\"]}", 1, ST_UNAVAILABLE,
	 "server error (HTTP 500: internal error)"},
	{502, 0, NULL, "<html>Bad Gateway</html>", 1, ST_UNAVAILABLE,
	 "server error (HTTP 502)"},
	{504, 0, NULL, "", 1, ST_UNAVAILABLE, "server error (HTTP 504)"},
	{503, 0, NULL, SEALED, 1, ST_UNAVAILABLE,
	 "Vault is sealed (HTTP 503: Vault is sealed)"},
	{503, 0, NULL, "", 1, ST_UNAVAILABLE, "unavailable (HTTP 503)"},
	/* 3xx that reached here: not followed */
	{301, 0, NULL, "", 1, ST_UNAVAILABLE, "unexpected redirect (HTTP 301)"},
	{302, 0, NULL, "", 1, ST_UNAVAILABLE, "unexpected redirect (HTTP 302)"},
	{307, 0, NULL, "", 1, ST_UNAVAILABLE, "unexpected redirect (HTTP 307)"},
	/* retried */
	{503, 0, NULL, SEALED, 6, ST_UNAVAILABLE,
	 "Vault is sealed (HTTP 503: Vault is sealed) after 6 attempts"},
	{429, 0, NULL, "", 3, ST_TEMPFAIL, "rate limited (HTTP 429) after 3 attempts"},
	{412, 0, NULL, "", 2, ST_TEMPFAIL,
	 "index state not present (HTTP 412) after 2 attempts"},
	{502, 0, NULL, "", 6, ST_UNAVAILABLE, "server error (HTTP 502) after 6 attempts"},
	{404, 0, NULL, "", 0, ST_NOINPUT, "not found (HTTP 404)"},
};
/* clang-format on */

TEST(vault_failure_table)
{
	struct fetch_result r;
	char reason[300];
	size_t i;
	int st;

	for (i = 0; i < N(failures); i++) {
		memset(&r, 0, sizeof r);
		r.method = "GET";
		r.path = "secret/data/app";
		r.status = failures[i].status;
		r.failure = failures[i].failure;
		r.reason = failures[i].reason;
		r.body = failures[i].body ? failures[i].body : "";
		r.len = strlen(r.body);
		r.attempts = failures[i].attempts;
		memset(reason, 'X', sizeof reason);
		st = vault_failure(&r, reason, sizeof reason);
		if (st != failures[i].want)
			fprintf(stderr, "  case %zu: HTTP %ld -> %d\n", i,
			        r.status, st);
		CHECK(st == failures[i].want);
		CHECK_STR(reason, failures[i].why);
	}
}

/* The reason fits its buffer, however long the server's errors. */
TEST(vault_failure_truncates)
{
	struct fetch_result r;
	char big[2000], body[2100], reason[40];
	int st;

	memset(big, 'e', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(body, sizeof body, "{\"errors\":[\"%s\"]}", big);
	memset(&r, 0, sizeof r);
	r.status = 503;
	r.body = body;
	r.len = strlen(body);
	r.attempts = 6;
	memset(reason, 'X', sizeof reason);
	st = vault_failure(&r, reason, sizeof reason);
	CHECK(st == ST_UNAVAILABLE);
	CHECK(memchr(reason, '\0', sizeof reason) != NULL);
	CHECK(strncmp(reason, "unavailable (HTTP 503: eee", 26) == 0);
}

static const struct {
	const char *type;
	int json;
} types[] = {
	{"application/json", 1},
	{"application/json; charset=utf-8", 1},
	{"application/json;charset=UTF-8", 1},
	{"APPLICATION/JSON", 1},
	{"Application/Json; charset=utf-8", 1},
	{"application/json ", 1},
	{"application/jsonx", 0},
	{"application/json-patch+json", 0},
	{"application/problem+json", 0},
	{"application/jso", 0},
	{"text/html", 0},
	{"text/plain; charset=utf-8", 0},
	{"", 0},
	{NULL, 0},
};

TEST(vault_is_json_table)
{
	struct fetch_result r;
	size_t i;

	for (i = 0; i < N(types); i++) {
		memset(&r, 0, sizeof r);
		r.status = 200;
		r.content_type = types[i].type;
		if (vault_is_json(&r) != types[i].json)
			fprintf(stderr, "  content type \"%s\"\n",
			        types[i].type ? types[i].type : "(null)");
		CHECK(vault_is_json(&r) == types[i].json);
	}
}

/* Without a token: which answers are that cause. */
static const struct {
	long status;
	const char *body;
	int want;
} tokenless[] = {
	{403, DENIED, 1},
	{403, "", 1},
	{401, "", 1},
	{400, "{\"errors\":[\"missing client token\"]}", 1},
	{500, "{\"errors\":[\"missing client token\"]}", 1},
	{400, "{\"errors\":[\"invalid request\"]}", 0},
	{500, "{\"errors\":[\"internal error\"]}", 0},
	{503, "{\"errors\":[\"missing client token\"]}", 0},
	{404, "{\"errors\":[]}", 0},
	{200, "{}", 0},
	{0, NULL, 0},
};

TEST(vault_tokenless_denial_table)
{
	struct fetch_result r;
	size_t i;

	for (i = 0; i < N(tokenless); i++) {
		memset(&r, 0, sizeof r);
		r.status = tokenless[i].status;
		r.body = tokenless[i].body ? tokenless[i].body : "";
		r.len = strlen(r.body);
		if (vault_tokenless_denial(&r) != tokenless[i].want) {
			fprintf(stderr, "  case %zu\n", i);
			CHECK(0);
		}
	}
}

/* clang-format off */
static const struct {
	long status;
	int unreachable, failure;
	const char *url, *reason;
	unsigned attempts;
	int want;
	const char *cause, *why;
} unreachable[] = {
	/* libcurl's time differs per request: dropped, so one cause for all */
	{0, 1, ST_UNAVAILABLE, "http://127.0.0.1:1/v1/secret/data/a",
	 "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server",
	 6, 1, "cannot reach Vault at http://127.0.0.1:1: Failed to connect to "
	 "127.0.0.1 port 1: Couldn't connect to server",
	 "no connection to Vault after 6 attempts"},
	{0, 1, ST_UNAVAILABLE, "http://127.0.0.1:1/v1/secret/data/b",
	 "Failed to connect to 127.0.0.1 port 1 after 1234 ms: Couldn't connect to server",
	 1, 1, "cannot reach Vault at http://127.0.0.1:1: Failed to connect to "
	 "127.0.0.1 port 1: Couldn't connect to server", "no connection to Vault"},
	/* the address's password never shown; a query is not the address */
	{0, 1, ST_UNAVAILABLE, "https://svc:pw@vault.example:8200/v1/x?version=2",
	 "Could not resolve host: vault.example", 1, 1,
	 "cannot reach Vault at https://****@vault.example:8200: Could not "
	 "resolve host: vault.example", "no connection to Vault"},
	{0, 1, ST_UNAVAILABLE, "https://vault.example?x", "after ms after 12ms after 3 ms.", 1, 1,
	 "cannot reach Vault at https://vault.example: after ms after 12ms.",
	 "no connection to Vault"},
	/* over the unix socket: the reason names it */
	{0, 1, ST_UNAVAILABLE, NULL, "cannot connect to unix socket /run/agent.sock", 2, 1,
	 "cannot reach Vault: cannot connect to unix socket /run/agent.sock",
	 "no connection to Vault after 2 attempts"},
	/* an answer, or a failure of the request rather than the address */
	{503, 1, ST_UNAVAILABLE, "http://a/v1/x", NULL, 1, 0, "", ""},
	{0, 0, ST_UNAVAILABLE, "http://a/v1/x", "no answer within 1 s", 1, 0, "", ""},
	/* https:// answered in plain HTTP: 78 with its own message */
	{0, 1, ST_CONFIG, "https://a/v1/x", "answered in plain HTTP", 1, 0, "", ""},
};
/* clang-format on */

TEST(vault_unreachable_table)
{
	struct fetch_result r;
	char cause[300], why[80];
	size_t i;

	for (i = 0; i < N(unreachable); i++) {
		memset(&r, 0, sizeof r);
		r.status = unreachable[i].status;
		r.failure = unreachable[i].failure;
		r.unreachable = unreachable[i].unreachable;
		r.url = unreachable[i].url;
		r.reason = unreachable[i].reason;
		r.body = "";
		r.attempts = unreachable[i].attempts;
		cause[0] = why[0] = '\0';
		CHECK(vault_unreachable(&r, cause, sizeof cause, why,
		                        sizeof why) == unreachable[i].want);
		CHECK_STR(cause, unreachable[i].cause);
		CHECK_STR(why, unreachable[i].why);
	}
}
