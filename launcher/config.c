/* config.c - merge the command line, the environment and [vault]. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "readfile.h"
#include "util.h"

#define DEFAULT_TIMEOUT 30.0
#define DEFAULT_RETRIES 5
#define DEFAULT_CLIENT_TIMEOUT 60.0 /* seconds, as Vault's CLI */

const char *config_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Every VAULT_ variable vaultrun reads, with OpenBao's name for it: OpenBao's
 * client reads BAO_X first and falls back to VAULT_X (api/env.go). */
static const char *const twins[][2] = {
	{"VAULT_ADDR", "BAO_ADDR"},
	{"VAULT_AGENT_ADDR", "BAO_AGENT_ADDR"},
	{"VAULT_TOKEN", "BAO_TOKEN"},
	{"VAULT_NAMESPACE", "BAO_NAMESPACE"},
	{"VAULT_CACERT", "BAO_CACERT"},
	{"VAULT_CAPATH", "BAO_CAPATH"},
	{"VAULT_CLIENT_CERT", "BAO_CLIENT_CERT"},
	{"VAULT_CLIENT_KEY", "BAO_CLIENT_KEY"},
	{"VAULT_TLS_SERVER_NAME", "BAO_TLS_SERVER_NAME"},
	{"VAULT_SKIP_VERIFY", "BAO_SKIP_VERIFY"},
	{"VAULT_MAX_RETRIES", "BAO_MAX_RETRIES"},
	{"VAULT_DISABLE_REDIRECTS", "BAO_DISABLE_REDIRECTS"},
	{"VAULT_ROLE_ID", "BAO_ROLE_ID"},
	{"VAULT_SECRET_ID", "BAO_SECRET_ID"},
	{"VAULT_PROXY_ADDR", "BAO_PROXY_ADDR"},
	{"VAULT_HTTP_PROXY", "BAO_HTTP_PROXY"},
	{"VAULT_CLIENT_TIMEOUT", "BAO_CLIENT_TIMEOUT"},
	{"VAULT_RATE_LIMIT", "BAO_RATE_LIMIT"},
	{"VAULT_SRV_LOOKUP", "BAO_SRV_LOOKUP"},
};

static const char *bao_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof twins / sizeof twins[0]; i++)
		if (strcmp(twins[i][0], name) == 0)
			return twins[i][1];
	return NULL;
}

/* The variable config_vault_env(name) takes its value from ("BAO_X" when
 * that is set, else name), for messages. */
static const char *config_vault_env_name(const char *name)
{
	const char *bao = bao_name(name);

	return bao && config_env(bao) ? bao : name;
}

/* A Vault client variable: name is "VAULT_X"; OpenBao's "BAO_X" wins when
 * both are set.  Every VAULT_ variable is read through here. */
static const char *config_vault_env(const char *name)
{
	return config_env(config_vault_env_name(name));
}

const char *config_manifest_path(const struct cli *cli)
{
	const char *v;

	/* The first step of a run: reading the manifest from standard input
	 * (a pipe may stay open) is bounded by the deadline too. */
	readfile_set_deadline(
		now_ms() +
		(cli->timeout > 0 ? cli->timeout : DEFAULT_TIMEOUT) * 1000.0);
	if (cli->file)
		return cli->file;
	if ((v = config_env("VAULTRUN_FILE")))
		return v;
	if (access("vaultrun.ini", F_OK) == 0)
		return "vaultrun.ini";
	return NULL;
}

/* A [vault] value, or NULL. */
static const char *mval(const struct manifest *m, enum vkey k)
{
	return m && m->vault[k] && *m->vault[k] ? m->vault[k] : NULL;
}

/* The one rule for a setting both may hold: the environment (env, a Vault
 * variable; NULL: none), else [vault].  Borrowed; when from is not NULL it
 * gets where the value came from ("BAO_CACERT", "m.ini:3: ca_cert"), a heap
 * string, or NULL. */
static const char *setting(const char *env, const struct manifest *m,
                           enum vkey k, char **from)
{
	const char *v = env ? config_vault_env(env) : NULL;

	if (from)
		*from = v ? xstrdup(config_vault_env_name(env)) : NULL;
	if (v == NULL && (v = mval(m, k)) != NULL && from)
		*from = xasprintf("%s:%u: %s", m->file, m->vault_line[k],
		                  manifest_vkey_name(k));
	return v;
}

/* setting, as a heap copy. */
static char *pick(const char *env, const struct manifest *m, enum vkey k,
                  char **from)
{
	const char *v = setting(env, m, k, from);

	return v ? xstrdup(v) : NULL;
}

/* pick, into the fetcher's options: the value and where it came from. */
static void pick_file(const char *env, const struct manifest *m, enum vkey k,
                      const char **v, const char **from)
{
	char *f;

	*v = pick(env, m, k, &f);
	*from = f;
}

/* A control character in a setting that goes into a request line or a
 * header (CR or LF would start another header). */
static int has_control(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 1;
	return 0;
}

/* The address as messages show it: user-info (user:password@) starred. */
static char *shown_address(const char *a)
{
	const char *auth = strstr(a, "://"), *at = NULL, *q;

	if (auth == NULL)
		return xstrdup(a);
	auth += 3;
	for (q = auth; *q && *q != '/'; q++)
		if (*q == '@')
			at = q;
	if (at == NULL)
		return xstrdup(a);
	return xasprintf("%.*s****%s", (int)(auth - a), a, at);
}

static int check_address(struct config *c, const char *a, const char *shown,
                         struct error *err);

static int parse_address(struct config *c, struct error *err)
{
	char *shown = shown_address(c->address);
	int rc = check_address(c, c->address, shown, err);

	free(shown);
	return rc;
}

static int check_address(struct config *c, const char *a, const char *shown,
                         struct error *err)
{
	const char *host;
	size_t n;

	if (has_control(a)) /* not quoted: the address is shown only as it is */
		return error_set(err, ST_CONFIG,
		                 "%s: the address contains a control character",
		                 c->address_from);
	if (strncmp(a, "unix://", 7) == 0) {
		if (a[7] != '/')
			return error_set(err, ST_CONFIG,
			                 "%s: %s: expected unix:///absolute/path",
			                 c->address_from, shown);
		c->fetch.unix_socket = xstrdup(a + 7);
		c->fetch.base_url = xstrdup("http://localhost");
		return ST_OK;
	}
	if (strncmp(a, "file://", 7) == 0) {
		if (a[7] != '/')
			return error_set(err, ST_CONFIG,
			                 "%s: %s: expected file:///absolute/path",
			                 c->address_from, shown);
		c->backend = BACKEND_FILE;
		c->store_path = xstrdup(a + 7);
		return ST_OK;
	}
	if (strncasecmp(a, "http://", 7) == 0)
		host = a + 7;
	else if (strncasecmp(a, "https://", 8) == 0)
		host = a + 8;
	else
		return error_set(err, ST_CONFIG,
		                 "%s: %s: the scheme must be http, https, unix or file",
		                 c->address_from, shown);
	if (*host == '\0' || *host == '/')
		return error_set(err, ST_CONFIG, "%s: %s: no host",
		                 c->address_from, shown);
	if (strchr(host, '?') || strchr(host, '#'))
		return error_set(err, ST_CONFIG,
		                 "%s: %s: no query or fragment allowed",
		                 c->address_from, shown);
	n = strlen(a);
	while (n > 0 && a[n - 1] == '/')
		n--;
	c->fetch.base_url = xstrndup(a, n);
	return ST_OK;
}

static int env_bool(const char *name, int dflt, int *out, struct error *err)
{
	const char *v = config_vault_env(name);
	int b;

	*out = dflt;
	if (v == NULL)
		return ST_OK;
	if ((b = parse_bool(v)) < 0)
		return error_set(err, ST_CONFIG, "%s: expected true or false",
		                 config_vault_env_name(name));
	*out = b;
	return ST_OK;
}

/* Go's time.ParseDuration: one or more "<decimal><unit>" terms, units ns us
 * µs ms s m h ("1m30s", "1.5s"); returns seconds, or -1. */
static double go_duration(const char *s)
{
	static const struct {
		const char *unit;
		double seconds;
	} units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6},
	             {"ms", 1e-3}, {"s", 1},     {"m", 60},
	             {"h", 3600}};
	double total = 0;
	size_t i, n;

	if (*s == '\0')
		return -1;
	while (*s) {
		char num[32];
		double v;

		n = strspn(s, "0123456789.");
		if (n == 0 || n >= sizeof num)
			return -1;
		memcpy(num, s, n);
		num[n] = '\0';
		if (parse_seconds(num, &v) != 0)
			return -1;
		s += n;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t un = strlen(units[i].unit);

			/* the table has "ms" before "m" */
			if (strncmp(s, units[i].unit, un) == 0)
				break;
		}
		if (i == sizeof units / sizeof units[0])
			return -1;
		total += v * units[i].seconds;
		s += strlen(units[i].unit);
	}
	return total;
}

/* VAULT_CLIENT_TIMEOUT: integer seconds or a Go duration (the CLI's
 * ParseDurationSecond); VAULT_RATE_LIMIT: "rate[:burst]". */
static int load_limits(struct config *c, struct error *err)
{
	const char *v, *colon;
	unsigned long n;
	double secs;

	c->fetch.client_timeout = DEFAULT_CLIENT_TIMEOUT * 1000.0;
	if ((v = config_vault_env("VAULT_CLIENT_TIMEOUT"))) {
		secs = parse_ulong(v, 0, 1000000, &n) == 0 ? (double)n :
		                                             go_duration(v);
		if (secs < 0 || secs > 1e6)
			return error_set(err, ST_CONFIG,
			                 "%s: expected seconds or a duration such "
			                 "as 30s or 1m30s",
			                 config_vault_env_name(
						 "VAULT_CLIENT_TIMEOUT"));
		c->fetch.client_timeout = secs * 1000.0;
	}
	if ((v = config_vault_env("VAULT_RATE_LIMIT"))) {
		char num[32];
		size_t len;

		colon = strchr(v, ':');
		len = colon ? (size_t)(colon - v) : strlen(v);
		if (len >= sizeof num)
			len = 0;
		memcpy(num, v, len);
		num[len] = '\0';
		c->fetch.rate = len > 0 && parse_seconds(num, &secs) == 0 ? secs :
		                                                            0;
		/* Go takes int(rate) as the burst; at least one request must
		 * be able to go. */
		c->fetch.burst = (long)c->fetch.rate < 1 ? 1 : (long)c->fetch.rate;
		if (colon && parse_ulong(colon + 1, 1, 100000, &n) == 0)
			c->fetch.burst = (long)n;
		else if (colon)
			c->fetch.rate = 0;
		if (c->fetch.rate <= 0)
			return error_set(err, ST_CONFIG,
			                 "%s: expected requests per second and an "
			                 "optional burst, such as 10 or 10:20",
			                 config_vault_env_name("VAULT_RATE_LIMIT"));
	}
	c->srv_lookup_from = config_vault_env_name("VAULT_SRV_LOOKUP");
	return env_bool("VAULT_SRV_LOOKUP", 0, &c->srv_lookup, err);
}

/* The first of two variables that is set, as a heap copy; *from names it. */
static char *either(const char *a, const char *b, int vault, const char **from)
{
	const char *v = vault ? config_vault_env(a) : config_env(a);

	*from = vault ? config_vault_env_name(a) : a;
	if (v == NULL) {
		v = vault ? config_vault_env(b) : config_env(b);
		*from = vault ? config_vault_env_name(b) : b;
	}
	if (v == NULL)
		*from = NULL;
	return v ? xstrdup(v) : NULL;
}

/* Proxies as Vault's Go client reads them (see proxy.h). */
static void load_proxy(struct proxy_env *p)
{
	const char *unused;

	p->vault = either("VAULT_PROXY_ADDR", "VAULT_HTTP_PROXY", 1,
	                  &p->vault_from);
	p->https = either("HTTPS_PROXY", "https_proxy", 0, &p->https_from);
	p->http = either("HTTP_PROXY", "http_proxy", 0, &p->http_from);
	p->no_proxy = either("NO_PROXY", "no_proxy", 0, &unused);
}

/* The login's settings: Vault's variables, else [vault] (a token only
 * from the environment or token_file; OpenBao's BAO_TOKEN_PATH and the
 * ~/.vault-token default only from the environment). */
static void load_auth(struct auth_settings *a, const struct manifest *m)
{
	const char *home = config_env("HOME");

	a->file = m ? m->file : NULL;
	a->method = mval(m, VK_AUTH);
	a->method_line = m ? m->vault_line[VK_AUTH] : 0;
	a->mount = mval(m, VK_AUTH_MOUNT);
	a->role = mval(m, VK_ROLE);
	a->token = setting("VAULT_TOKEN", NULL, VK__COUNT, NULL);
	a->token_from = a->token ? config_vault_env_name("VAULT_TOKEN") : NULL;
	a->token_file = mval(m, VK_TOKEN_FILE);
	a->token_path = config_env("BAO_TOKEN_PATH");
	a->token_default = home ? xasprintf("%s/.vault-token", home) : NULL;
	a->role_id = setting("VAULT_ROLE_ID", m, VK_ROLE_ID, NULL);
	a->role_id_file = mval(m, VK_ROLE_ID_FILE);
	a->secret_id = setting("VAULT_SECRET_ID", m, VK_SECRET_ID, NULL);
	a->secret_id_file = mval(m, VK_SECRET_ID_FILE);
	a->jwt_file = mval(m, VK_JWT_FILE);
	a->jwt_env = mval(m, VK_JWT_ENV);
}

int config_load(struct config *c, const struct cli *cli,
                const struct manifest *m, int need_address, struct error *err)
{
	/* The TLS files: each variable, its [vault] key, and where the value
	 * and its origin go. */
	const struct {
		const char *var;
		enum vkey key;
		const char **value, **from;
	} files[] = {
		{"VAULT_CACERT", VK_CA_CERT, &c->fetch.ca_cert,
	         &c->fetch.ca_cert_from},
		{"VAULT_CAPATH", VK_CA_PATH, &c->fetch.ca_path,
	         &c->fetch.ca_path_from},
		{"VAULT_CLIENT_CERT", VK_CLIENT_CERT, &c->fetch.client_cert,
	         &c->fetch.client_cert_from},
		{"VAULT_CLIENT_KEY", VK_CLIENT_KEY, &c->fetch.client_key,
	         &c->fetch.client_key_from},
	};
	const char *v;
	char *from;
	unsigned long n;
	size_t i;
	int rc, b;

	memset(c, 0, sizeof *c);
	c->timeout = cli->timeout > 0 ? cli->timeout : DEFAULT_TIMEOUT;
	c->fetch.concurrency = cli->concurrency; /* 0: by transport (fetch.c) */
	c->fetch.max_retries = DEFAULT_RETRIES;
	if ((v = config_vault_env("VAULT_MAX_RETRIES"))) {
		if (parse_ulong(v, 0, 100, &n) != 0)
			return error_set(err, ST_CONFIG,
			                 "%s: expected an integer from 0 to 100",
			                 config_vault_env_name("VAULT_MAX_RETRIES"));
		c->fetch.max_retries = (int)n;
	}
	if ((rc = env_bool("VAULT_DISABLE_REDIRECTS", 0, &b, err)) != ST_OK)
		return rc;
	c->fetch.follow_redirects = !b;
	if ((rc = load_limits(c, err)) != ST_OK)
		return rc;

	if ((v = config_vault_env("VAULT_AGENT_ADDR")))
		c->address_from = config_vault_env_name("VAULT_AGENT_ADDR");
	else if ((v = config_vault_env("VAULT_ADDR")))
		c->address_from = config_vault_env_name("VAULT_ADDR");
	else if ((v = mval(m, VK_ADDRESS))) {
		c->address_from = "manifest";
		c->address_line = m->vault_line[VK_ADDRESS];
	}
	if (v) {
		c->address = xstrdup(v);
		c->address_shown = shown_address(v);
		if ((rc = parse_address(c, err)) != ST_OK)
			return rc;
	} else if (need_address) {
		return error_set(err, ST_CONFIG,
		                 "no Vault address: set VAULT_ADDR or 'address' in [vault]");
	}

	c->fetch.namespace = pick("VAULT_NAMESPACE", m, VK_NAMESPACE, &from);
	if (c->fetch.namespace && has_control(c->fetch.namespace)) {
		rc = error_set(err, ST_CONFIG,
		               "%s: contains a control character (it goes into "
		               "a request header)",
		               from);
		free(from);
		return rc;
	}
	free(from);
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		pick_file(files[i].var, m, files[i].key, files[i].value,
		          files[i].from);
	c->fetch.tls_server_name = pick("VAULT_TLS_SERVER_NAME", m,
	                                VK_TLS_SERVER_NAME, NULL);
	load_proxy(&c->fetch.proxy);
	if ((c->fetch.client_cert == NULL) != (c->fetch.client_key == NULL))
		return error_set(err, ST_CONFIG,
		                 "a client certificate needs both a certificate and a key "
		                 "(VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, or client_cert "
		                 "and client_key)");
	if ((v = setting("VAULT_SKIP_VERIFY", m, VK_SKIP_VERIFY, &from))) {
		if ((b = parse_bool(v)) < 0) {
			rc = error_set(err, ST_CONFIG,
			               "%s: expected true or false", from);
			free(from);
			return rc;
		}
		c->fetch.skip_verify = b;
	}
	free(from);
	load_auth(&c->auth, m);
	return ST_OK;
}

void config_fetch_opts(const struct config *c, struct fetch_opts *o)
{
	*o = c->fetch;
	o->deadline = now_ms() + c->timeout * 1000.0;
}

void config_free(struct config *c)
{
	const char *const owned[] = {
		c->fetch.base_url,         c->fetch.unix_socket,
		c->fetch.namespace,        c->fetch.ca_cert,
		c->fetch.ca_path,          c->fetch.client_cert,
		c->fetch.client_key,       c->fetch.tls_server_name,
		c->fetch.ca_cert_from,     c->fetch.ca_path_from,
		c->fetch.client_cert_from, c->fetch.client_key_from,
		c->fetch.proxy.vault,      c->fetch.proxy.https,
		c->fetch.proxy.http,       c->fetch.proxy.no_proxy,
	};
	size_t i;

	for (i = 0; i < sizeof owned / sizeof owned[0]; i++)
		free((char *)owned[i]);
	free(c->address);
	free(c->address_shown);
	free(c->store_path);
	free(c->auth.token_default);
	memset(c, 0, sizeof *c);
}
