/* test_proxy.c - the proxy decision, table-driven. */
#include <stdio.h>
#include <string.h>

#include "proxy.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define VP "http://vp:3128"
#define SP "http://sp:3128"
#define HP "http://hp:3128"
/* clang-format off */
/* An https URL with HTTPS_PROXY and HTTP_PROXY set and NO_PROXY np: the
 * request goes through SP, or NO_PROXY sends it direct. */
#define PROXIED(np, url) {NULL, SP, HP, np, url, 0, SP, "HTTPS_PROXY", NULL}
#define SKIPPED(np, url) {NULL, SP, HP, np, url, 0, NULL, "HTTPS_PROXY", "NO_PROXY"}
/* Both proxies set, a loopback URL: direct, whatever from (the variable the
 * scheme picks) says. */
#define LOOPBACK(url, from) {NULL, SP, HP, NULL, url, 0, NULL, from, "a loopback address"}
/* clang-format on */

static const struct {
	const char *vault, *https, *http, *no_proxy;
	const char *url;
	int unix_socket;
	const char *want, *from, *why;
} cases[] = {
	/* nothing set: direct */
	{NULL, NULL, NULL, NULL, "https://vault:8200", 0, NULL, NULL, NULL},
	/* by scheme */
	PROXIED(NULL, "https://vault:8200"),
	{NULL, SP, HP, NULL, "http://vault:8200", 0, HP, "HTTP_PROXY", NULL},
	{NULL, SP, NULL, NULL, "http://vault:8200", 0, NULL, NULL, NULL},
	{NULL, NULL, HP, NULL, "https://vault", 0, NULL, NULL, NULL},
	{NULL, SP, NULL, NULL, "HTTPS://Vault.Example", 0, SP, "HTTPS_PROXY", NULL},
	/* never to loopback */
	LOOPBACK("https://127.0.0.1:8200", "HTTPS_PROXY"),
	LOOPBACK("http://127.1.2.3", "HTTP_PROXY"),
	LOOPBACK("http://localhost:8200/x", "HTTP_PROXY"),
	LOOPBACK("http://LOCALHOST", "HTTP_PROXY"),
	LOOPBACK("https://[::1]:8200", "HTTPS_PROXY"),
	LOOPBACK("https://[::ffff:127.0.0.1]", "HTTPS_PROXY"),
	PROXIED(NULL, "https://128.0.0.1"),
	PROXIED(NULL, "https://localhost.example"),
	PROXIED(NULL, "https://[::2]"),
	/* NO_PROXY: hosts, domains, ports, addresses, blocks, "*" */
	SKIPPED("vault", "https://vault:8200"),
	SKIPPED("other, vault ,x", "https://vault:8200"),
	SKIPPED("example.com", "https://vault.example.com"),
	SKIPPED("example.com", "https://example.com"),
	PROXIED("example.com", "https://badexample.com"),
	PROXIED(".example.com", "https://example.com"),
	SKIPPED(".example.com", "https://a.example.com"),
	SKIPPED("*.example.com", "https://a.example.com"),
	PROXIED("*.example.com", "https://example.com"),
	SKIPPED("EXAMPLE.com", "https://Vault.Example.COM"),
	SKIPPED("vault:8200", "https://vault:8200"),
	PROXIED("vault:8201", "https://vault:8200"),
	SKIPPED("vault:443", "https://vault"),
	SKIPPED("10.1.2.3", "https://10.1.2.3:8200"),
	PROXIED("10.1.2.3", "https://10.1.2.4:8200"),
	SKIPPED("10.0.0.0/8", "https://10.1.2.3:8200"),
	PROXIED("10.0.0.0/8", "https://11.1.2.3:8200"),
	SKIPPED("192.168.4.0/22", "https://192.168.7.255"),
	PROXIED("192.168.4.0/22", "https://192.168.8.0"),
	SKIPPED("fd00::/8", "https://[fd00::2]:8200"),
	SKIPPED("2001:db8::1", "https://[2001:db8::1]"),
	SKIPPED("[2001:db8::1]:8200", "https://[2001:db8::1]:8200"),
	PROXIED("10.0.0.0/8", "https://ten.example"),
	SKIPPED("*", "https://vault"),
	PROXIED(",, ,", "https://vault"),
	/* VAULT_PROXY_ADDR: every TCP request, loopback and NO_PROXY included */
	{VP, SP, HP, "*", "https://vault:8200", 0, VP, "VAULT_PROXY_ADDR", NULL},
	{VP, NULL, NULL, NULL, "http://127.0.0.1:8200", 0, VP,
         "VAULT_PROXY_ADDR", NULL},
	/* never for a unix socket */
	{VP, SP, HP, NULL, "http://localhost", 1, NULL, NULL, NULL},
	{NULL, SP, HP, NULL, "http://localhost", 1, NULL, NULL, NULL},
	/* a credential in the address does not hide the host */
	SKIPPED("vault", "https://u:p@vault"),
};

TEST(proxy_choose_table)
{
	struct proxy_env e;
	const char *got, *from, *why;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		memset(&e, 0, sizeof e);
		e.vault = cases[i].vault;
		e.vault_from = "VAULT_PROXY_ADDR";
		e.https = cases[i].https;
		e.https_from = "HTTPS_PROXY";
		e.http = cases[i].http;
		e.http_from = "HTTP_PROXY";
		e.no_proxy = cases[i].no_proxy;
		got = proxy_choose(&e, cases[i].url, cases[i].unix_socket,
		                   &from, &why);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got && strcmp(got, cases[i].want) != 0) ||
		    (from == NULL) != (cases[i].from == NULL) ||
		    (why == NULL) != (cases[i].why == NULL))
			fprintf(stderr, "  case %zu: %s (NO_PROXY %s): %s %s %s\n",
			        i, cases[i].url,
			        cases[i].no_proxy ? cases[i].no_proxy : "-",
			        got ? got : "direct", from ? from : "-",
			        why ? why : "-");
		CHECK((got == NULL) == (cases[i].want == NULL));
		if (got && cases[i].want)
			CHECK_STR(got, cases[i].want);
		CHECK((from == NULL) == (cases[i].from == NULL));
		if (from && cases[i].from)
			CHECK_STR(from, cases[i].from);
		CHECK((why == NULL) == (cases[i].why == NULL));
		if (why && cases[i].why)
			CHECK_STR(why, cases[i].why);
	}
}

TEST(proxy_masked_table)
{
	static const struct {
		const char *in, *want;
	} m[] = {
		{"http://proxy:3128", "http://proxy:3128"},
		{"http://user@proxy:3128", "http://user@proxy:3128"},
		{"http://user:pw@proxy:3128", "http://user:****@proxy:3128"},
		{"http://user:p@ss@proxy:3128/", "http://user:****@proxy:3128/"},
		{"user:secret@proxy", "user:****@proxy"},
		{"http://user:@proxy", "http://user:****@proxy"},
	};
	char buf[128];
	size_t i;

	for (i = 0; i < N(m); i++) {
		proxy_masked(m[i].in, buf, sizeof buf);
		CHECK_STR(buf, m[i].want);
	}
}
