/* test_proxy.c - the proxy decision, table-driven. */
#include <stdio.h>
#include <string.h>

#include "proxy.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define VP "http://vp:3128"
#define SP "http://sp:3128"
#define HP "http://hp:3128"

static const struct {
	const char *vault, *https, *http, *no_proxy;
	const char *url;
	int unix_socket;
	const char *want, *from, *why;
} cases[] = {
	/* nothing set: direct */
	{NULL, NULL, NULL, NULL, "https://vault:8200", 0, NULL, NULL, NULL},
	/* by scheme */
	{NULL, SP, HP, NULL, "https://vault:8200", 0, SP, "HTTPS_PROXY", NULL},
	{NULL, SP, HP, NULL, "http://vault:8200", 0, HP, "HTTP_PROXY", NULL},
	{NULL, SP, NULL, NULL, "http://vault:8200", 0, NULL, NULL, NULL},
	{NULL, NULL, HP, NULL, "https://vault", 0, NULL, NULL, NULL},
	{NULL, SP, NULL, NULL, "HTTPS://Vault.Example", 0, SP, "HTTPS_PROXY", NULL},
	/* never to loopback */
	{NULL, SP, HP, NULL, "https://127.0.0.1:8200", 0, NULL, "HTTPS_PROXY",
         "a loopback address"},
	{NULL, SP, HP, NULL, "http://127.1.2.3", 0, NULL, "HTTP_PROXY",
         "a loopback address"},
	{NULL, SP, HP, NULL, "http://localhost:8200/x", 0, NULL, "HTTP_PROXY",
         "a loopback address"},
	{NULL, SP, HP, NULL, "http://LOCALHOST", 0, NULL, "HTTP_PROXY",
         "a loopback address"},
	{NULL, SP, HP, NULL, "https://[::1]:8200", 0, NULL, "HTTPS_PROXY",
         "a loopback address"},
	{NULL, SP, HP, NULL, "https://[::ffff:127.0.0.1]", 0, NULL,
         "HTTPS_PROXY", "a loopback address"},
	{NULL, SP, HP, NULL, "https://128.0.0.1", 0, SP, "HTTPS_PROXY", NULL},
	{NULL, SP, HP, NULL, "https://localhost.example", 0, SP, "HTTPS_PROXY",
         NULL},
	{NULL, SP, HP, NULL, "https://[::2]", 0, SP, "HTTPS_PROXY", NULL},
	/* NO_PROXY: hosts, domains, ports, addresses, blocks, "*" */
	{NULL, SP, HP, "vault", "https://vault:8200", 0, NULL, "HTTPS_PROXY",
         "NO_PROXY"},
	{NULL, SP, HP, "other, vault ,x", "https://vault:8200", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "example.com", "https://vault.example.com", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "example.com", "https://example.com", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "example.com", "https://badexample.com", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, ".example.com", "https://example.com", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, ".example.com", "https://a.example.com", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "*.example.com", "https://a.example.com", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "*.example.com", "https://example.com", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, "EXAMPLE.com", "https://Vault.Example.COM", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "vault:8200", "https://vault:8200", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "vault:8201", "https://vault:8200", 0, SP, "HTTPS_PROXY",
         NULL},
	{NULL, SP, HP, "vault:443", "https://vault", 0, NULL, "HTTPS_PROXY",
         "NO_PROXY"},
	{NULL, SP, HP, "10.1.2.3", "https://10.1.2.3:8200", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "10.1.2.3", "https://10.1.2.4:8200", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, "10.0.0.0/8", "https://10.1.2.3:8200", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "10.0.0.0/8", "https://11.1.2.3:8200", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, "192.168.4.0/22", "https://192.168.7.255", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "192.168.4.0/22", "https://192.168.8.0", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, "fd00::/8", "https://[fd00::2]:8200", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "2001:db8::1", "https://[2001:db8::1]", 0, NULL,
         "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "[2001:db8::1]:8200", "https://[2001:db8::1]:8200", 0,
         NULL, "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, "10.0.0.0/8", "https://ten.example", 0, SP,
         "HTTPS_PROXY", NULL},
	{NULL, SP, HP, "*", "https://vault", 0, NULL, "HTTPS_PROXY", "NO_PROXY"},
	{NULL, SP, HP, ",, ,", "https://vault", 0, SP, "HTTPS_PROXY", NULL},
	/* VAULT_PROXY_ADDR: every TCP request, loopback and NO_PROXY included */
	{VP, SP, HP, "*", "https://vault:8200", 0, VP, "VAULT_PROXY_ADDR", NULL},
	{VP, NULL, NULL, NULL, "http://127.0.0.1:8200", 0, VP,
         "VAULT_PROXY_ADDR", NULL},
	/* never for a unix socket */
	{VP, SP, HP, NULL, "http://localhost", 1, NULL, NULL, NULL},
	{NULL, SP, HP, NULL, "http://localhost", 1, NULL, NULL, NULL},
	/* a credential in the address does not hide the host */
	{NULL, SP, HP, "vault", "https://u:p@vault", 0, NULL, "HTTPS_PROXY",
         "NO_PROXY"},
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
