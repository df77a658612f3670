/* test_config.c - command line, environment and [vault] merged,
 * table-driven.  The environment is changed only for the duration of one
 * config_load call and restored right after it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "t.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every variable config.c reads. */
static const char *const names[] = {
	"VAULT_AGENT_ADDR",
	"VAULT_ADDR",
	"VAULT_NAMESPACE",
	"VAULT_CACERT",
	"VAULT_CAPATH",
	"VAULT_CLIENT_CERT",
	"VAULT_CLIENT_KEY",
	"VAULT_TLS_SERVER_NAME",
	"VAULT_SKIP_VERIFY",
	"VAULT_MAX_RETRIES",
	"VAULT_DISABLE_REDIRECTS",
	"VAULTRUN_FILE",
	"BAO_AGENT_ADDR",
	"BAO_ADDR",
	"BAO_NAMESPACE",
	"BAO_CACERT",
	"BAO_SKIP_VERIFY",
	"BAO_MAX_RETRIES",
	"VAULT_CLIENT_TIMEOUT",
	"VAULT_RATE_LIMIT",
	"VAULT_SRV_LOOKUP",
	"BAO_CLIENT_TIMEOUT",
	"BAO_CAPATH",
	"BAO_CLIENT_CERT",
	"BAO_CLIENT_KEY",
	"BAO_TLS_SERVER_NAME",
	"VAULT_TOKEN",
	"BAO_TOKEN",
	"VAULT_ROLE_ID",
	"BAO_ROLE_ID",
	"VAULT_SECRET_ID",
	"BAO_SECRET_ID",
	"BAO_TOKEN_PATH",
	"HOME",
	"BAO_DISABLE_REDIRECTS",
	"BAO_RATE_LIMIT",
	"BAO_SRV_LOOKUP",
};
static char *saved[N(names)];

/* Save and clear every variable above, then set "NAME=value" entries. */
static void env_enter(const char *const *set)
{
	const char *v, *eq;
	char name[64];
	size_t i;

	for (i = 0; i < N(names); i++) {
		v = getenv(names[i]);
		saved[i] = v ? strdup(v) : NULL;
		unsetenv(names[i]);
	}
	for (; set && *set; set++) {
		eq = strchr(*set, '=');
		if (eq == NULL || (size_t)(eq - *set) >= sizeof name)
			continue;
		memcpy(name, *set, (size_t)(eq - *set));
		name[eq - *set] = '\0';
		setenv(name, eq + 1, 1);
	}
}

static void env_leave(void)
{
	size_t i;

	for (i = 0; i < N(names); i++) {
		if (saved[i])
			setenv(names[i], saved[i], 1);
		else
			unsetenv(names[i]);
		free(saved[i]);
		saved[i] = NULL;
	}
}

/* Only what differs from "no address, defaults". */
static void summary(const struct config *c, char *buf, size_t cap)
{
	size_t n = 0;

#define PUT(...)                                                               \
	do {                                                                   \
		if (n < cap)                                                   \
			n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__);  \
	} while (0)
#define STR(label, s)                                                          \
	do {                                                                   \
		if (s)                                                         \
			PUT(" " label "=%s", s);                               \
	} while (0)
	buf[0] = '\0';
	PUT("%s", c->backend == BACKEND_FILE ? "file" : "http");
	STR("from", c->address_from);
	STR("base", c->fetch.base_url);
	STR("sock", c->fetch.unix_socket);
	STR("store", c->store_path);
	STR("ns", c->fetch.namespace);
	STR("ca", c->fetch.ca_cert);
	STR("capath", c->fetch.ca_path);
	STR("cert", c->fetch.client_cert);
	STR("key", c->fetch.client_key);
	STR("sni", c->fetch.tls_server_name);
	if (c->fetch.skip_verify)
		PUT(" skip_verify");
	if (c->fetch.max_retries != 5)
		PUT(" retries=%d", c->fetch.max_retries);
	if (!c->fetch.follow_redirects)
		PUT(" no_redirects");
	if (c->timeout != 30.0)
		PUT(" t=%g", c->timeout);
	if (c->fetch.concurrency != 0) /* 0: no -j, the fetcher picks by transport */
		PUT(" j=%ld", c->fetch.concurrency);
	if (c->fetch.client_timeout != 60000.0)
		PUT(" ct=%g", c->fetch.client_timeout / 1000.0);
	if (c->fetch.rate > 0)
		PUT(" rate=%g:%ld", c->fetch.rate, c->fetch.burst);
	if (c->srv_lookup)
		PUT(" srv");
#undef STR
#undef PUT
}

struct ccase {
	const char *env[6];   /* "NAME=value", NULL-terminated */
	const char *manifest; /* text, or NULL for none */
	int need_address;
	int status;
	const char *want; /* the summary, or the error message */
};

#define M_ADDR "[vault]\naddress = https://manifest.example:8200\n"
/* VAULT_ADDR=http://v, and what it makes of it */
#define V_ADDR "VAULT_ADDR=http://v"
#define V_SUM "http from=VAULT_ADDR base=http://v"
#define CTRL "contains a control character (it goes into a request header)"
#define SCHEME "the scheme must be http, https, unix or file"
#define RETRIES_MSG "VAULT_MAX_RETRIES: expected an integer from 0 to 100"
#define TIMEOUT_MSG(name)                                                      \
	name ": expected seconds or a duration such as 30s or 1m30s"
#define RATE_MSG                                                                 \
	"VAULT_RATE_LIMIT: expected requests per second and an optional burst, " \
	"such as 10 or 10:20"
#define PAIR_MSG                                                               \
	"a client certificate needs both a certificate and a key "             \
	"(VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, or client_cert and "         \
	"client_key)"
#define NO_ADDR_MSG "no Vault address: set VAULT_ADDR or 'address' in [vault]"

/* clang-format off */
static const struct ccase cases[] = {
	/* where the address comes from */
	{{"VAULT_AGENT_ADDR=http://agent:8100", "VAULT_ADDR=https://vault:8200",
	  NULL}, M_ADDR, 1, ST_OK,
	 "http from=VAULT_AGENT_ADDR base=http://agent:8100"},
	{{"VAULT_ADDR=https://vault:8200", NULL}, M_ADDR, 1, ST_OK,
	 "http from=VAULT_ADDR base=https://vault:8200"},
	{{NULL}, M_ADDR, 1, ST_OK,
	 "http from=manifest base=https://manifest.example:8200"},
	{{"VAULT_AGENT_ADDR=", "VAULT_ADDR=", NULL}, M_ADDR, 1, ST_OK,
	 "http from=manifest base=https://manifest.example:8200"},
	{{"VAULT_AGENT_ADDR=unix:///run/agent.sock", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_AGENT_ADDR base=http://localhost sock=/run/agent.sock"},
	/* http and https: trailing slashes go, a path prefix stays */
	{{"VAULT_ADDR=https://vault:8200/", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=https://vault:8200"},
	{{"VAULT_ADDR=http://127.0.0.1:8200///", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=http://127.0.0.1:8200"},
	{{"VAULT_ADDR=https://lb.example/vault/", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=https://lb.example/vault"},
	{{"VAULT_ADDR=HTTPS://Vault.Example", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=HTTPS://Vault.Example"},
	{{"VAULT_ADDR=http://[::1]:8200", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=http://[::1]:8200"},
	/* unix and file */
	{{"VAULT_ADDR=unix:///var/run/vault/agent.sock", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=http://localhost sock=/var/run/vault/agent.sock"},
	{{"VAULT_ADDR=file:///srv/secrets.json", NULL}, NULL, 1, ST_OK,
	 "file from=VAULT_ADDR store=/srv/secrets.json"},
	{{NULL}, "[vault]\naddress = file:///dev/store.json\n", 1, ST_OK,
	 "file from=manifest store=/dev/store.json"},
	/* bad addresses */
	{{"VAULT_ADDR=ftp://vault", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: ftp://vault: " SCHEME},
	{{"VAULT_ADDR=vault.example:8200", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: vault.example:8200: " SCHEME},
	{{"VAULT_ADDR=https:/vault", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: https:/vault: " SCHEME},
	{{"VAULT_AGENT_ADDR=unix://run/agent.sock", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_AGENT_ADDR: unix://run/agent.sock: expected unix:///absolute/path"},
	{{"VAULT_ADDR=unix://", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: unix://: expected unix:///absolute/path"},
	{{"VAULT_ADDR=file://secrets.json", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: file://secrets.json: expected file:///absolute/path"},
	{{"VAULT_ADDR=https://vault:8200/?x=1", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: https://vault:8200/?x=1: no query or fragment allowed"},
	{{"VAULT_ADDR=http://vault#top", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: http://vault#top: no query or fragment allowed"},
	{{NULL}, "[vault]\naddress = gopher://x\n", 1, ST_CONFIG,
	 "manifest: gopher://x: " SCHEME},
	/* a bad address is an error even when no reference needs it */
	{{"VAULT_ADDR=ftp://vault", NULL}, NULL, 0, ST_CONFIG,
	 "VAULT_ADDR: ftp://vault: " SCHEME},
	/* no address at all */
	{{NULL}, NULL, 1, ST_CONFIG, NO_ADDR_MSG},
	{{NULL}, "[vault]\nnamespace = a\n", 1, ST_CONFIG, NO_ADDR_MSG},
	{{NULL}, NULL, 0, ST_OK, "http"},
	/* VAULT_MAX_RETRIES */
	{{V_ADDR, "VAULT_MAX_RETRIES=0", NULL}, NULL, 1, ST_OK,
	 V_SUM " retries=0"},
	{{V_ADDR, "VAULT_MAX_RETRIES=100", NULL}, NULL, 1, ST_OK,
	 V_SUM " retries=100"},
	{{V_ADDR, "VAULT_MAX_RETRIES=", NULL}, NULL, 1, ST_OK, V_SUM},
	{{V_ADDR, "VAULT_MAX_RETRIES=101", NULL}, NULL, 1, ST_CONFIG,
	 RETRIES_MSG},
	{{V_ADDR, "VAULT_MAX_RETRIES=-1", NULL}, NULL, 1, ST_CONFIG,
	 RETRIES_MSG},
	{{V_ADDR, "VAULT_MAX_RETRIES=three", NULL}, NULL, 1,
	 ST_CONFIG, RETRIES_MSG},
	{{V_ADDR, "VAULT_MAX_RETRIES=2.5", NULL}, NULL, 1,
	 ST_CONFIG, RETRIES_MSG},
	{{"VAULT_MAX_RETRIES=x", NULL}, NULL, 0, ST_CONFIG, RETRIES_MSG},
	/* VAULT_DISABLE_REDIRECTS */
	{{V_ADDR, "VAULT_DISABLE_REDIRECTS=true", NULL}, NULL, 1,
	 ST_OK, V_SUM " no_redirects"},
	{{V_ADDR, "VAULT_DISABLE_REDIRECTS=1", NULL}, NULL, 1,
	 ST_OK, V_SUM " no_redirects"},
	{{V_ADDR, "VAULT_DISABLE_REDIRECTS=false", NULL}, NULL, 1,
	 ST_OK, V_SUM},
	{{V_ADDR, "VAULT_DISABLE_REDIRECTS=", NULL}, NULL, 1, ST_OK, V_SUM},
	{{V_ADDR, "VAULT_DISABLE_REDIRECTS=yes", NULL}, NULL, 1,
	 ST_CONFIG, "VAULT_DISABLE_REDIRECTS: expected true or false"},
	/* skip_verify: the environment, else the manifest */
	{{V_ADDR, "VAULT_SKIP_VERIFY=yes", NULL}, NULL, 1,
	 ST_CONFIG, "VAULT_SKIP_VERIFY: expected true or false"},
	{{V_ADDR, "VAULT_SKIP_VERIFY=on", NULL}, NULL, 1,
	 ST_CONFIG, "VAULT_SKIP_VERIFY: expected true or false"},
	{{V_ADDR, NULL}, "[vault]\nskip_verify = true\n", 1, ST_OK,
	 V_SUM " skip_verify"},
	{{V_ADDR, NULL}, "[vault]\nskip_verify = 0\n", 1, ST_OK, V_SUM},
	{{V_ADDR, "VAULT_SKIP_VERIFY=false", NULL},
	 "[vault]\nskip_verify = true\n", 1, ST_OK,
	 V_SUM},
	{{V_ADDR, "VAULT_SKIP_VERIFY=T", NULL},
	 "[vault]\nskip_verify = false\n", 1, ST_OK,
	 V_SUM " skip_verify"},
	{{V_ADDR, "VAULT_SKIP_VERIFY=", NULL},
	 "[vault]\nskip_verify = True\n", 1, ST_OK,
	 V_SUM " skip_verify"},
	/* client certificates come in pairs, from either source */
	{{V_ADDR, "VAULT_CLIENT_CERT=/c.pem", NULL}, NULL, 1,
	 ST_CONFIG,
	 PAIR_MSG},
	{{V_ADDR, NULL}, "[vault]\nclient_key = /k.pem\n", 1,
	 ST_CONFIG,
	 PAIR_MSG},
	{{V_ADDR, "VAULT_CLIENT_CERT=/c.pem",
	  "VAULT_CLIENT_KEY=/k.pem", NULL}, NULL, 1, ST_OK,
	 V_SUM " cert=/c.pem key=/k.pem"},
	{{V_ADDR, "VAULT_CLIENT_CERT=/c.pem", NULL},
	 "[vault]\nclient_key = /mk.pem\n", 1, ST_OK,
	 V_SUM " cert=/c.pem key=/mk.pem"},
	/* the environment beats the manifest, setting by setting */
	{{V_ADDR, "VAULT_NAMESPACE=env-ns", "VAULT_CACERT=/env.pem", NULL},
	 "[vault]\nnamespace = m-ns\nca_cert = /m.pem\nca_path = /m.d\n"
	 "tls_server_name = m.example\n", 1, ST_OK,
	 V_SUM " ns=env-ns ca=/env.pem capath=/m.d "
	 "sni=m.example"},
	{{V_ADDR, "VAULT_CAPATH=/e.d", "VAULT_TLS_SERVER_NAME=e.example", NULL},
	 "[vault]\nnamespace = m-ns\nca_cert = /m.pem\nca_path = /m.d\n"
	 "tls_server_name = m.example\n", 1, ST_OK,
	 V_SUM " ns=m-ns ca=/m.pem capath=/e.d "
	 "sni=e.example"},
	{{V_ADDR, "VAULT_NAMESPACE=", NULL},
	 "[vault]\nnamespace = m-ns\n", 1, ST_OK,
	 V_SUM " ns=m-ns"},
	/* OpenBao's names: BAO_X beats VAULT_X, an empty one counts as unset */
	{{"BAO_ADDR=http://bao", V_ADDR, NULL}, NULL, 1, ST_OK,
	 "http from=BAO_ADDR base=http://bao"},
	{{"BAO_ADDR=", V_ADDR, NULL}, NULL, 1, ST_OK, V_SUM},
	{{"BAO_AGENT_ADDR=http://a", "BAO_ADDR=http://bao", NULL}, NULL, 1, ST_OK,
	 "http from=BAO_AGENT_ADDR base=http://a"},
	{{"VAULT_AGENT_ADDR=http://a", "BAO_ADDR=http://bao", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_AGENT_ADDR base=http://a"},
	{{"BAO_ADDR=ftp://bao", NULL}, NULL, 1, ST_CONFIG,
	 "BAO_ADDR: ftp://bao: " SCHEME},
	{{V_ADDR, "BAO_NAMESPACE=b-ns", "VAULT_NAMESPACE=v-ns",
	  "BAO_CACERT=/b.pem", NULL}, "[vault]\nca_cert = /m.pem\n", 1, ST_OK,
	 V_SUM " ns=b-ns ca=/b.pem"},
	{{V_ADDR, "BAO_SKIP_VERIFY=maybe", NULL}, NULL, 1,
	 ST_CONFIG, "BAO_SKIP_VERIFY: expected true or false"},
	{{V_ADDR, "BAO_SKIP_VERIFY=false",
	  "VAULT_SKIP_VERIFY=true", NULL}, NULL, 1, ST_OK,
	 V_SUM},
	{{V_ADDR, "BAO_MAX_RETRIES=1", "VAULT_MAX_RETRIES=x",
	  NULL}, NULL, 1, ST_OK, V_SUM " retries=1"},
	/* VAULT_CLIENT_TIMEOUT: integer seconds or a Go duration */
	{{"VAULT_CLIENT_TIMEOUT=5", NULL}, NULL, 0, ST_OK, "http ct=5"},
	{{"VAULT_CLIENT_TIMEOUT=0", NULL}, NULL, 0, ST_OK, "http ct=0"},
	{{"VAULT_CLIENT_TIMEOUT=30s", NULL}, NULL, 0, ST_OK, "http ct=30"},
	{{"VAULT_CLIENT_TIMEOUT=1m30s", NULL}, NULL, 0, ST_OK, "http ct=90"},
	{{"VAULT_CLIENT_TIMEOUT=1.5s", NULL}, NULL, 0, ST_OK, "http ct=1.5"},
	{{"VAULT_CLIENT_TIMEOUT=250ms", NULL}, NULL, 0, ST_OK, "http ct=0.25"},
	{{"VAULT_CLIENT_TIMEOUT=1h", NULL}, NULL, 0, ST_OK, "http ct=3600"},
	{{"BAO_CLIENT_TIMEOUT=2s", "VAULT_CLIENT_TIMEOUT=x", NULL}, NULL, 0,
	 ST_OK, "http ct=2"},
	{{"VAULT_CLIENT_TIMEOUT=1.5", NULL}, NULL, 0, ST_CONFIG,
	 TIMEOUT_MSG("VAULT_CLIENT_TIMEOUT")},
	{{"VAULT_CLIENT_TIMEOUT=-1", NULL}, NULL, 0, ST_CONFIG,
	 TIMEOUT_MSG("VAULT_CLIENT_TIMEOUT")},
	{{"VAULT_CLIENT_TIMEOUT=5x", NULL}, NULL, 0, ST_CONFIG,
	 TIMEOUT_MSG("VAULT_CLIENT_TIMEOUT")},
	{{"VAULT_CLIENT_TIMEOUT=s", NULL}, NULL, 0, ST_CONFIG,
	 TIMEOUT_MSG("VAULT_CLIENT_TIMEOUT")},
	{{"BAO_CLIENT_TIMEOUT=soon", NULL}, NULL, 0, ST_CONFIG,
	 TIMEOUT_MSG("BAO_CLIENT_TIMEOUT")},
	/* VAULT_RATE_LIMIT: rate[:burst], the burst int(rate) and at least 1 */
	{{"VAULT_RATE_LIMIT=10", NULL}, NULL, 0, ST_OK, "http rate=10:10"},
	{{"VAULT_RATE_LIMIT=2.5:7", NULL}, NULL, 0, ST_OK, "http rate=2.5:7"},
	{{"VAULT_RATE_LIMIT=0.5", NULL}, NULL, 0, ST_OK, "http rate=0.5:1"},
	{{"VAULT_RATE_LIMIT=0", NULL}, NULL, 0, ST_CONFIG, RATE_MSG},
	{{"VAULT_RATE_LIMIT=10:0", NULL}, NULL, 0, ST_CONFIG, RATE_MSG},
	{{"VAULT_RATE_LIMIT=fast", NULL}, NULL, 0, ST_CONFIG, RATE_MSG},
	{{"VAULT_RATE_LIMIT=:5", NULL}, NULL, 0, ST_CONFIG, RATE_MSG},
	/* VAULT_SRV_LOOKUP: recorded, to be warned about */
	{{"VAULT_SRV_LOOKUP=true", NULL}, NULL, 0, ST_OK, "http srv"},
	{{"VAULT_SRV_LOOKUP=false", NULL}, NULL, 0, ST_OK, "http"},
	{{"VAULT_SRV_LOOKUP=maybe", NULL}, NULL, 0, ST_CONFIG,
	 "VAULT_SRV_LOOKUP: expected true or false"},
	/* settings that go into a request line or header: no control bytes */
	{{V_ADDR, "VAULT_NAMESPACE=ns\r\nX-Injected: 1", NULL},
	 NULL, 1, ST_CONFIG, "VAULT_NAMESPACE: " CTRL},
	{{V_ADDR, "VAULT_NAMESPACE=ns\n", NULL},
	 "[vault]\nnamespace = m-ns\n", 1, ST_CONFIG, "VAULT_NAMESPACE: " CTRL},
	{{V_ADDR, "VAULT_NAMESPACE=a\tb", NULL}, NULL, 1,
	 ST_CONFIG, "VAULT_NAMESPACE: " CTRL},
	{{V_ADDR, NULL}, "[vault]\nnamespace = a\tb\n", 1,
	 ST_CONFIG, "t.ini:2: namespace: " CTRL},
	/* user-info is never shown */
	{{"VAULT_ADDR=ftp://u:pw@vault/x@y", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: ftp://****@vault/x@y: the scheme must be http, https, "
	 "unix or file"},
	{{"VAULT_ADDR=https://u:p@w@vault:8200?x", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: https://****@vault:8200?x: no query or fragment allowed"},
	{{"VAULT_ADDR=http://u:p@vault", NULL}, NULL, 1, ST_OK,
	 "http from=VAULT_ADDR base=http://u:p@vault"},
	{{"VAULT_ADDR=http://v\r\nX-Injected: 1", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_ADDR: the address contains a control character"},
	{{"VAULT_AGENT_ADDR=unix:///s\n", NULL}, NULL, 1, ST_CONFIG,
	 "VAULT_AGENT_ADDR: the address contains a control character"},
};
/* clang-format on */

/* Load c's settings with cli (timeout, concurrency); returns the status and
 * describes the outcome in got. */
static int load(const struct ccase *c, const struct cli *cli, char *got, size_t cap)
{
	struct manifest *m = NULL;
	struct config cfg;
	struct error err;
	int rc;

	memset(&err, 0, sizeof err);
	if (c->manifest && manifest_parse("t.ini", c->manifest,
	                                  strlen(c->manifest), &m, &err) != ST_OK) {
		fprintf(stderr, "  manifest: %s\n", err.msg);
		snprintf(got, cap, "(bad manifest)");
		return -1;
	}
	env_enter(c->env);
	rc = config_load(&cfg, cli, m, c->need_address, &err);
	env_leave();
	if (rc == ST_OK) {
		summary(&cfg, got, cap);
		CHECK(cfg.auth.file == (m ? m->file : NULL));
	} else {
		snprintf(got, cap, "%s", err.msg);
		CHECK(err.status == rc);
	}
	config_free(&cfg); /* after a failure too: main.c does the same */
	manifest_free(m);
	return rc;
}

static void table(const struct ccase *cases_, size_t n)
{
	struct cli cli;
	char got[512];
	size_t i;
	int rc;

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	for (i = 0; i < n; i++) {
		rc = load(&cases_[i], &cli, got, sizeof got);
		if (rc != cases_[i].status || strcmp(got, cases_[i].want) != 0)
			fprintf(stderr, "  case %zu (%s): %d\n", i,
			        cases_[i].env[0] ? cases_[i].env[0] : "", rc);
		CHECK(rc == cases_[i].status);
		CHECK_STR(got, cases_[i].want);
	}
}

TEST(config_table)
{
	table(cases, N(cases));
}

/* Vault's boolean words, and nothing else. */
TEST(config_skip_verify_words)
{
	static const struct {
		const char *word;
		int status, skip;
	} words[] = {
		{"1", ST_OK, 1},         {"t", ST_OK, 1},
		{"T", ST_OK, 1},         {"TRUE", ST_OK, 1},
		{"true", ST_OK, 1},      {"True", ST_OK, 1},
		{"0", ST_OK, 0},         {"f", ST_OK, 0},
		{"F", ST_OK, 0},         {"FALSE", ST_OK, 0},
		{"false", ST_OK, 0},     {"False", ST_OK, 0},
		{"yes", ST_CONFIG, 0},   {"tRUE", ST_CONFIG, 0},
		{"2", ST_CONFIG, 0},     {" true", ST_CONFIG, 0},
		{"true ", ST_CONFIG, 0},
	};
	struct ccase c;
	struct cli cli;
	char env[64], got[512];
	size_t i;
	int rc;

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	for (i = 0; i < N(words); i++) {
		memset(&c, 0, sizeof c);
		snprintf(env, sizeof env, "VAULT_SKIP_VERIFY=%s", words[i].word);
		c.env[0] = env;
		rc = load(&c, &cli, got, sizeof got);
		if (rc != words[i].status)
			fprintf(stderr, "  VAULT_SKIP_VERIFY=\"%s\": %d\n",
			        words[i].word, rc);
		CHECK(rc == words[i].status);
		if (rc == ST_OK)
			CHECK_STR(got, words[i].skip ? "http skip_verify" : "http");
		else
			CHECK_STR(got, "VAULT_SKIP_VERIFY: expected true or false");
	}
}

/* The command line's timeout and concurrency, else the defaults. */
TEST(config_cli_values)
{
	static const struct ccase none = {{NULL}, NULL, 0, ST_OK, ""};
	struct cli cli;
	char got[512];

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	CHECK(load(&none, &cli, got, sizeof got) == ST_OK);
	CHECK_STR(got, "http");
	cli.timeout = 2.5;
	cli.concurrency = 4;
	CHECK(load(&none, &cli, got, sizeof got) == ST_OK);
	CHECK_STR(got, "http t=2.5 j=4");
}

/* An address with no host is not an address.  "http://" is also read one
 * byte past its end by parse_address (strchr(a + 8, ...) on a 7-byte
 * string), which ASan reports. */
TEST(config_address_without_host)
{
	static const struct ccase empty[] = {
		{{"VAULT_ADDR=http://", NULL}, NULL, 1, ST_CONFIG, NULL},
		{{"VAULT_ADDR=https://", NULL}, NULL, 1, ST_CONFIG, NULL},
		{{"VAULT_ADDR=https:///", NULL}, NULL, 1, ST_CONFIG, NULL},
		{{"VAULT_ADDR=http://?x", NULL}, NULL, 1, ST_CONFIG, NULL},
	};
	struct cli cli;
	char got[512];
	size_t i;
	int rc;

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	for (i = 0; i < N(empty); i++) {
		rc = load(&empty[i], &cli, got, sizeof got);
		if (rc != ST_CONFIG)
			fprintf(stderr, "  %s: accepted as \"%s\"\n",
			        empty[i].env[0], got);
		CHECK(rc == ST_CONFIG);
	}
}

TEST(config_fetch_opts_copied)
{
	static const struct ccase c = {{"VAULT_ADDR=unix:///s.sock",
	                                "VAULT_NAMESPACE=ns", "VAULT_MAX_RETRIES=2",
	                                "VAULT_DISABLE_REDIRECTS=1", NULL},
	                               NULL,
	                               1,
	                               ST_OK,
	                               ""};
	struct cli cli;
	struct config cfg;
	struct fetch_opts o;
	struct error err;
	int rc;

	memset(&cli, 0, sizeof cli);
	cli.timeout = 10;
	cli.concurrency = 3;
	env_enter(c.env);
	rc = config_load(&cfg, &cli, NULL, 1, &err);
	env_leave();
	CHECK(rc == ST_OK);
	if (rc == ST_OK) {
		config_fetch_opts(&cfg, &o);
		CHECK(o.base_url == cfg.fetch.base_url);
		CHECK_STR(o.unix_socket, "/s.sock");
		CHECK_STR(o.namespace, "ns");
		CHECK(o.concurrency == 3 && o.max_retries == 2);
		CHECK(o.follow_redirects == 0 && o.skip_verify == 0);
		CHECK(o.deadline > now_ms() + 9000.0 &&
		      o.deadline <= now_ms() + 10000.0);
	}
	config_free(&cfg);
}

/* -f, else $VAULTRUN_FILE, else ./vaultrun.ini when it exists. */
TEST(config_manifest_path_order)
{
	static const char *const file_env[] = {"VAULTRUN_FILE=/etc/vr.ini", NULL};
	static const char *const empty_env[] = {"VAULTRUN_FILE=", NULL};
	char dir[] = "/tmp/vaultrun-test-XXXXXX", ini[64];
	struct cli cli;
	const char *p;
	int here, fd;

	memset(&cli, 0, sizeof cli);
	here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	REQUIRE(here >= 0);
	if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
		CHECK(!"cannot make and enter a temporary directory");
		close(here);
		return;
	}
	env_enter(NULL);
	CHECK(config_manifest_path(&cli) == NULL);
	fd = open("vaultrun.ini", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	p = config_manifest_path(&cli);
	CHECK_STR(p, "vaultrun.ini");
	env_leave();

	env_enter(empty_env); /* empty is unset */
	CHECK_STR(config_manifest_path(&cli), "vaultrun.ini");
	env_leave();

	env_enter(file_env);
	CHECK_STR(config_manifest_path(&cli), "/etc/vr.ini");
	cli.file = "-";
	CHECK_STR(config_manifest_path(&cli), "-");
	cli.file = "other.ini";
	CHECK_STR(config_manifest_path(&cli), "other.ini");
	env_leave();

	env_enter(NULL);
	cli.file = NULL;
	snprintf(ini, sizeof ini, "%s/vaultrun.ini", dir);
	CHECK(unlink(ini) == 0);
	CHECK(config_manifest_path(&cli) == NULL);
	env_leave();

	CHECK(fchdir(here) == 0);
	close(here);
	CHECK(rmdir(dir) == 0);
}

TEST(config_env_empty_is_unset)
{
	static const char *const set[] = {"VAULT_NAMESPACE=", "VAULT_ADDR=x", NULL};

	env_enter(set);
	CHECK(config_env("VAULT_NAMESPACE") == NULL);
	CHECK(config_env("VAULT_CACERT") == NULL);
	CHECK_STR(config_env("VAULT_ADDR"), "x");
	env_leave();
}

/* Proxies: VAULT_PROXY_ADDR over VAULT_HTTP_PROXY (BAO_ names first), the
 * upper-case HTTP(S)_PROXY and NO_PROXY over the lower-case ones. */
TEST(config_proxy_variables)
{
	static const char *const vars[] = {"VAULT_PROXY_ADDR",
	                                   "VAULT_HTTP_PROXY",
	                                   "BAO_PROXY_ADDR",
	                                   "BAO_HTTP_PROXY",
	                                   "HTTPS_PROXY",
	                                   "https_proxy",
	                                   "HTTP_PROXY",
	                                   "http_proxy",
	                                   "NO_PROXY",
	                                   "no_proxy",
	                                   NULL};
	static const struct {
		const char *set[6];
		const char *vault, *vault_from, *https, *http, *no_proxy;
	} pc[] = {
		{{NULL}, NULL, NULL, NULL, NULL, NULL},
		{{"VAULT_HTTP_PROXY=h", "VAULT_PROXY_ADDR=p", NULL},
	         "p",
	         "VAULT_PROXY_ADDR",
	         NULL,
	         NULL,
	         NULL},
		{{"VAULT_HTTP_PROXY=h", NULL}, "h", "VAULT_HTTP_PROXY", NULL, NULL, NULL},
		{{"BAO_HTTP_PROXY=b", "VAULT_HTTP_PROXY=h", NULL},
	         "b",
	         "BAO_HTTP_PROXY",
	         NULL,
	         NULL,
	         NULL},
		{{"VAULT_PROXY_ADDR=p", "BAO_HTTP_PROXY=b", NULL},
	         "p",
	         "VAULT_PROXY_ADDR",
	         NULL,
	         NULL,
	         NULL},
		{{"https_proxy=s", "HTTPS_PROXY=S", "http_proxy=h",
	          "no_proxy=n", NULL},
	         NULL,
	         NULL,
	         "S",
	         "h",
	         "n"},
		{{"HTTPS_PROXY=", "https_proxy=s", "NO_PROXY=N", "no_proxy=n", NULL},
	         NULL,
	         NULL,
	         "s",
	         NULL,
	         "N"},
	};
	struct cli cli;
	struct config cfg;
	struct error err;
	size_t i, j;

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	for (i = 0; i < N(pc); i++) {
		for (j = 0; vars[j]; j++)
			unsetenv(vars[j]);
		env_enter(pc[i].set);
		CHECK(config_load(&cfg, &cli, NULL, 0, &err) == ST_OK);
		env_leave();
		for (j = 0; vars[j]; j++)
			unsetenv(vars[j]);
#define SAME(a, b)                                                             \
	CHECK(((a) == NULL && (b) == NULL) ||                                  \
	      ((a) && (b) && strcmp((a), (b)) == 0))
		SAME(cfg.fetch.proxy.vault, pc[i].vault);
		SAME(cfg.fetch.proxy.vault_from, pc[i].vault_from);
		SAME(cfg.fetch.proxy.https, pc[i].https);
		SAME(cfg.fetch.proxy.http, pc[i].http);
		SAME(cfg.fetch.proxy.no_proxy, pc[i].no_proxy);
#undef SAME
		config_free(&cfg);
	}
}

/* Every setting the environment and [vault] may both hold, from each
 * source: the manifest alone, the variable alone, the variable over the
 * manifest, OpenBao's variable over Vault's, and an empty variable (unset:
 * the manifest's then).  The value and, where kept, where it came from. */
struct shared {
	const char *var, *bao, *key; /* key: NULL when the manifest has none */
	const char *partner;         /* a [vault] line it needs, or NULL */
};

static const struct shared shared_settings[] = {
	{"VAULT_NAMESPACE", "BAO_NAMESPACE", "namespace", NULL},
	{"VAULT_CACERT", "BAO_CACERT", "ca_cert", NULL},
	{"VAULT_CAPATH", "BAO_CAPATH", "ca_path", NULL},
	{"VAULT_CLIENT_CERT", "BAO_CLIENT_CERT", "client_cert", "client_key = k"},
	{"VAULT_CLIENT_KEY", "BAO_CLIENT_KEY", "client_key", "client_cert = c"},
	{"VAULT_TLS_SERVER_NAME", "BAO_TLS_SERVER_NAME", "tls_server_name", NULL},
	{"VAULT_ROLE_ID", "BAO_ROLE_ID", "role_id", NULL},
	{"VAULT_SECRET_ID", "BAO_SECRET_ID", "secret_id", NULL},
	{"VAULT_TOKEN", "BAO_TOKEN", NULL, NULL},
};

/* Setting i's value in c, and where it came from (NULL when not kept). */
static const char *shared_value(const struct config *c, size_t i, const char **from)
{
	const char *const values[] = {
		c->fetch.namespace,  c->fetch.ca_cert,
		c->fetch.ca_path,    c->fetch.client_cert,
		c->fetch.client_key, c->fetch.tls_server_name,
		c->auth.role_id,     c->auth.secret_id,
		c->auth.token,
	};
	const char *const froms[] = {
		NULL,
		c->fetch.ca_cert_from,
		c->fetch.ca_path_from,
		c->fetch.client_cert_from,
		c->fetch.client_key_from,
		NULL,
		NULL,
		NULL,
		c->auth.token_from,
	};

	*from = froms[i];
	return values[i];
}

TEST(config_precedence_each_source)
{
	/* env: which variables are set (v: Vault's, b: OpenBao's, e: Vault's
	 * empty); manifest: whether [vault] holds it. */
	static const struct {
		const char *env;
		int manifest;
		char want; /* m, v, b: whose value wins; 0: none */
	} rows[] = {
		{"", 0, 0},    {"", 1, 'm'},   {"v", 0, 'v'}, {"v", 1, 'v'},
		{"b", 0, 'b'}, {"vb", 1, 'b'}, {"e", 1, 'm'}, {"e", 0, 0},
	};
	struct cli cli;
	struct error err;
	size_t i, r;

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	for (i = 0; i < N(shared_settings); i++) {
		const struct shared *s = &shared_settings[i];

		for (r = 0; r < N(rows); r++) {
			char text[256], ev[64], eb[64], from_m[64];
			const char *set[3] = {NULL, NULL, NULL}, *v, *from;
			const char *want = NULL, *want_from = NULL;
			struct manifest *m = NULL;
			struct config cfg;
			size_t n = 0;
			int rc;

			if (rows[r].manifest && s->key == NULL)
				continue;
			snprintf(text, sizeof text, "[vault]\n%s%s%s%s%s\n",
			         s->partner ? s->partner : "",
			         s->partner ? "\n" : "",
			         rows[r].manifest ? s->key : "",
			         rows[r].manifest ? " = m-" : "",
			         rows[r].manifest ? s->key : "");
			snprintf(ev, sizeof ev, "%s=%s", s->var,
			         strchr(rows[r].env, 'e') ? "" : "v-val");
			snprintf(eb, sizeof eb, "%s=b-val", s->bao);
			if (strpbrk(rows[r].env, "ve"))
				set[n++] = ev;
			if (strchr(rows[r].env, 'b'))
				set[n++] = eb;
			snprintf(from_m, sizeof from_m, "t.ini:%d: %s",
			         s->partner ? 3 : 2, s->key ? s->key : "");
			if (rows[r].want == 'm') {
				snprintf(ev, sizeof ev, "m-%s", s->key);
				want = ev;
				want_from = from_m;
			} else if (rows[r].want == 'v') {
				want = "v-val";
				want_from = s->var;
			} else if (rows[r].want == 'b') {
				want = "b-val";
				want_from = s->bao;
			}
			CHECK(manifest_parse("t.ini", text, strlen(text), &m,
			                     &err) == ST_OK);
			env_enter(set);
			rc = config_load(&cfg, &cli, m, 0, &err);
			if (s->partner && want == NULL) {
				/* half a client certificate: a conflict */
				CHECK(rc == ST_CONFIG);
				CHECK(strstr(err.msg, "needs both") != NULL);
				env_leave();
				config_free(&cfg);
				manifest_free(m);
				continue;
			}
			if (rc != ST_OK)
				fprintf(stderr, "  %s row %zu: %s\n", s->var, r,
				        err.msg);
			CHECK(rc == ST_OK);
			v = shared_value(&cfg, i, &from);
			if (want == NULL ? v != NULL :
			                   v == NULL || strcmp(v, want) != 0)
				fprintf(stderr, "  %s row %zu: got %s\n",
				        s->var, r, v ? v : "(none)");
			CHECK(want == NULL ? v == NULL :
			                     v != NULL && strcmp(v, want) == 0);
			if (from && want_from)
				CHECK_STR(from, want_from);
			env_leave();
			config_free(&cfg);
			manifest_free(m);
		}
	}
}

/* Load cfg from ini (NULL: no manifest; kept in *m for the caller to free)
 * with env set and no command-line values; the caller's env_leave ends the
 * environment, after its checks (the login's settings borrow from it). */
static int load_with(const char *ini, const char *const *env,
                     struct manifest **m, struct config *cfg)
{
	struct error err;
	struct cli cli;

	memset(&cli, 0, sizeof cli);
	cli.timeout = -1;
	*m = NULL;
	if (ini && manifest_parse("t.ini", ini, strlen(ini), m, &err) != ST_OK)
		return -1;
	env_enter(env);
	return config_load(cfg, &cli, *m, 0, &err);
}

/* The login's settings that only one source holds: [vault]'s auth,
 * auth_mount, role, the credential files and jwt_env; the environment's
 * BAO_TOKEN_PATH and $HOME (for ~/.vault-token). */
TEST(config_auth_single_source)
{
	static const char ini[] = "[vault]\n"
				  "auth = jwt\n"
				  "auth_mount = auth/j/\n"
				  "role = r\n"
				  "token_file = /t\n"
				  "role_id_file = /ri\n"
				  "secret_id_file = /si\n"
				  "jwt_file = /j\n"
				  "jwt_env = J\n";
	static const char *const set[] = {"BAO_TOKEN_PATH=/p", "HOME=/h", NULL};
	static const char *const empty[] = {"BAO_TOKEN_PATH=", "HOME=", NULL};
	struct manifest *m;
	struct config cfg;

	CHECK(load_with(ini, set, &m, &cfg) == ST_OK);
	CHECK_STR(cfg.auth.method, "jwt");
	CHECK(cfg.auth.method_line == 2);
	CHECK_STR(cfg.auth.file, "t.ini");
	CHECK_STR(cfg.auth.mount, "auth/j/"); /* as written: auth.c trims it */
	CHECK_STR(cfg.auth.role, "r");
	CHECK_STR(cfg.auth.token_file, "/t");
	CHECK_STR(cfg.auth.role_id_file, "/ri");
	CHECK_STR(cfg.auth.secret_id_file, "/si");
	CHECK_STR(cfg.auth.jwt_file, "/j");
	CHECK_STR(cfg.auth.jwt_env, "J");
	CHECK_STR(cfg.auth.token_path, "/p");
	CHECK_STR(cfg.auth.token_default, "/h/.vault-token");
	CHECK(cfg.auth.token == NULL && cfg.auth.token_from == NULL);
	env_leave();
	config_free(&cfg);
	manifest_free(m);

	/* empty is unset; no manifest: nothing */
	CHECK(load_with(NULL, empty, &m, &cfg) == ST_OK);
	CHECK(cfg.auth.token_path == NULL && cfg.auth.token_default == NULL);
	CHECK(cfg.auth.method == NULL && cfg.auth.file == NULL);
	CHECK(cfg.auth.token_file == NULL && cfg.auth.jwt_env == NULL);
	env_leave();
	config_free(&cfg);
}

/* The settings only the environment holds, from Vault's variable and from
 * OpenBao's, which wins when both are set. */
/* clang-format off */
static const struct ccase env_only[] = {
	{{"VAULT_MAX_RETRIES=3", NULL}, NULL, 0, ST_OK, "http retries=3"},
	{{"BAO_MAX_RETRIES=1", "VAULT_MAX_RETRIES=3", NULL}, NULL, 0, ST_OK,
	 "http retries=1"},
	{{"BAO_DISABLE_REDIRECTS=true", NULL}, NULL, 0, ST_OK,
	 "http no_redirects"},
	{{"VAULT_DISABLE_REDIRECTS=true", "BAO_DISABLE_REDIRECTS=false", NULL},
	 NULL, 0, ST_OK, "http"},
	{{"BAO_DISABLE_REDIRECTS=maybe", NULL}, NULL, 0, ST_CONFIG,
	 "BAO_DISABLE_REDIRECTS: expected true or false"},
	{{"VAULT_CLIENT_TIMEOUT=5", "BAO_CLIENT_TIMEOUT=2s", NULL}, NULL, 0,
	 ST_OK, "http ct=2"},
	{{"BAO_RATE_LIMIT=5", NULL}, NULL, 0, ST_OK, "http rate=5:5"},
	{{"VAULT_RATE_LIMIT=5", "BAO_RATE_LIMIT=2:4", NULL}, NULL, 0, ST_OK,
	 "http rate=2:4"},
	{{"BAO_SRV_LOOKUP=true", NULL}, NULL, 0, ST_OK, "http srv"},
	{{"VAULT_SRV_LOOKUP=true", "BAO_SRV_LOOKUP=false", NULL}, NULL, 0,
	 ST_OK, "http"},
};
/* clang-format on */

TEST(config_env_only_settings)
{
	static const char *const sets[][2] = {{"BAO_SRV_LOOKUP=1", NULL},
	                                      {"VAULT_SRV_LOOKUP=1", NULL}};
	static const char *const from[] = {"BAO_SRV_LOOKUP", "VAULT_SRV_LOOKUP"};
	struct manifest *m;
	struct config cfg;
	size_t i;

	table(env_only, N(env_only));
	/* the variable a message names is the one the value came from */
	for (i = 0; i < N(sets); i++) {
		CHECK(load_with(NULL, sets[i], &m, &cfg) == ST_OK);
		CHECK_STR(cfg.srv_lookup_from, from[i]);
		env_leave();
		config_free(&cfg);
	}
}

/* The address from [vault] keeps its line, for main.c's message. */
TEST(config_address_line)
{
	static const char ini[] = "[vault]\nnamespace = n\naddress = http://m\n";
	struct manifest *m;
	struct config cfg;

	CHECK(load_with(ini, NULL, &m, &cfg) == ST_OK);
	env_leave();
	CHECK_STR(cfg.address_from, "manifest");
	CHECK(cfg.address_line == 3);
	config_free(&cfg);
	manifest_free(m);
}
