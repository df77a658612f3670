/* test_redact.c - credentials out of libcurl's debug trace, in every form
 * libcurl 7.88 prints them. */
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "secret.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void redacts(const char *data, size_t size, const char *want)
{
	struct secret out = {NULL, 0};

	redact_debug(data, size, &out);
	CHECK(out.p != NULL && out.len == strlen(out.p));
	if (out.p == NULL || strcmp(out.p, want) != 0)
		fprintf(stderr, "  data: \"%.*s\"\n", (int)size, data);
	CHECK_STR(out.p, want);
	secret_wipe(&out);
}

static const struct {
	const char *data, *want;
} cases[] = {
	/* HTTP/1 request headers, one callback for the whole block */
	{"GET /v1/secret/data/a HTTP/1.1\r\nHost: 127.0.0.1:8200\r\n"
         "X-Vault-Token: hvs.CAESIJ-abc\r\nX-Vault-Request: true\r\n\r\n",
         "GET /v1/secret/data/a HTTP/1.1\nHost: 127.0.0.1:8200\n"
         "X-Vault-Token: <redacted>\nX-Vault-Request: true\n"},
	/* any case, no blank, blanks before the colon */
	{"x-vault-token:abc\r\n", "x-vault-token: <redacted>\n"},
	{"X-VAULT-TOKEN \t: abc\r\n", "X-VAULT-TOKEN \t: <redacted>\n"},
	{"x-VaUlT-tOkEn: abc", "x-VaUlT-tOkEn: <redacted>\n"},
	/* tokens under 4 bytes: no length rule */
	{"X-Vault-Token: a\r\n", "X-Vault-Token: <redacted>\n"},
	{"X-Vault-Token: ab\n", "X-Vault-Token: <redacted>\n"},
	{"X-Vault-Token:\r\n", "X-Vault-Token: <redacted>\n"},
	/* libcurl 7.88's HTTP/2 informational text */
	{"h2h3 [x-vault-token: s.xy]\n", "h2h3 [x-vault-token: <redacted>\n"},
	{"h2h3 [authorization: Basic dXNlcjpwYXNz]\n",
         "h2h3 [authorization: <redacted>\n"},
	{"h2h3 [proxy-authorization: Basic dXNlcjpwYXNz]\n",
         "h2h3 [proxy-authorization: <redacted>\n"},
	{"h2h3 [:path: /v1/secret/data/a]\n", "h2h3 [:path: /v1/secret/data/a]\n"},
	/* user-info in VAULT_ADDR, and a proxy's */
	{"Authorization: Basic dXNlcjpwYXNz\r\n", "Authorization: <redacted>\n"},
	{"AUTHORIZATION: Bearer x\r\n", "AUTHORIZATION: <redacted>\n"},
	{"CONNECT h:443 HTTP/1.1\r\nProxy-Authorization: Basic cDpx\r\n\r\n",
         "CONNECT h:443 HTTP/1.1\nProxy-Authorization: <redacted>\n"},
	/* a response header too, and the first of two credentials on a line */
	{"x-vault-token: a authorization: b\n", "x-vault-token: <redacted>\n"},
	/* the name without a colon is not a header; nothing else changes */
	{"Server auth using Basic with user 'u'\n",
         "Server auth using Basic with user 'u'\n"},
	{"Authorization required\n", "Authorization required\n"},
	{"X-Vault-Tokens: 2\n", "X-Vault-Tokens: 2\n"},
	/* a block cut mid-line (the rest of a half-sent request is DATA_OUT,
	 * which is never shown) */
	{"Host: h\r\nX-Vault-Token: abc", "Host: h\nX-Vault-Token: <redacted>\n"},
	{"Host: h\r\nX-Vault-To", "Host: h\nX-Vault-To\n"},
	/* empty lines and bare CRs */
	{"\r\n\n\r\n", ""},
	{"", ""},
	{"a\rb\r\n", "a\rb\n"},
};

TEST(redact_table)
{
	size_t i;

	for (i = 0; i < N(cases); i++)
		redacts(cases[i].data, strlen(cases[i].data), cases[i].want);
}

/* A token far longer than any line buffer: nothing of it survives, whatever
 * the form; neighbouring lines are whole. */
TEST(redact_long_token)
{
	static const char *const forms[][2] = {{"X-Vault-Token: ", "\r\n"},
	                                       {"h2h3 [x-vault-token: ", "]\n"},
	                                       {"Authorization: Basic ", "\r\n"},
	                                       {"h2h3 [authorization: Basic ",
	                                        "]\n"}};
	size_t tlen = 5000, i, n;
	char *data = malloc(tlen + 64);
	struct secret out = {NULL, 0};

	REQUIRE(data != NULL);
	for (i = 0; i < N(forms); i++) {
		n = 0;
		memcpy(data, "before\n", 7);
		n += 7;
		memcpy(data + n, forms[i][0], strlen(forms[i][0]));
		n += strlen(forms[i][0]);
		memset(data + n, 'Q', tlen);
		n += tlen;
		memcpy(data + n, forms[i][1], strlen(forms[i][1]));
		n += strlen(forms[i][1]);
		memcpy(data + n, "after\n", 6);
		n += 6;
		redact_debug(data, n, &out);
		CHECK(memchr(out.p, 'Q', out.len) == NULL);
		CHECK(strncmp(out.p, "before\n", 7) == 0);
		CHECK(out.len > 13 && strcmp(out.p + out.len - 6, "after\n") == 0);
		CHECK(strstr(out.p, ": <redacted>\n") != NULL);
		secret_wipe(&out);
	}
	free(data);
}

/* Binary data: a NUL does not end the scan, so a name after it is found. */
TEST(redact_nul_bytes)
{
	static const char data[] = "a\0b\nX-Vault-Token: \0secret\n";
	struct secret out = {NULL, 0};

	redact_debug(data, sizeof data - 1, &out);
	CHECK(out.len == 4 + 26);
	CHECK(memcmp(out.p, "a\0b\nX-Vault-Token: <redacted>\n", out.len) == 0);
	secret_wipe(&out);
}
