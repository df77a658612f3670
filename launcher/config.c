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

const char *config_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
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

/* Environment first, then [vault]; returns a heap copy or NULL. */
static char *pick(const char *env, const struct manifest *m, enum vkey k)
{
	const char *v = env ? config_env(env) : NULL;

	if (v == NULL && m && m->vault[k] && *m->vault[k])
		v = m->vault[k];
	return v ? xstrdup(v) : NULL;
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
		c->unix_socket = xstrdup(a + 7);
		c->base_url = xstrdup("http://localhost");
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
	c->base_url = xstrndup(a, n);
	return ST_OK;
}

static int env_bool(const char *name, int dflt, int *out, struct error *err)
{
	const char *v = config_env(name);
	int b;

	*out = dflt;
	if (v == NULL)
		return ST_OK;
	if ((b = parse_bool(v)) < 0)
		return error_set(err, ST_CONFIG, "%s: expected true or false",
		                 name);
	*out = b;
	return ST_OK;
}

int config_load(struct config *c, const struct cli *cli,
                const struct manifest *m, int need_address, struct error *err)
{
	const char *v;
	unsigned long n;
	int rc, b;

	memset(c, 0, sizeof *c);
	c->manifest = m;
	c->timeout = cli->timeout > 0 ? cli->timeout : DEFAULT_TIMEOUT;
	c->concurrency = cli->concurrency; /* 0: by transport (fetch.c) */
	c->max_retries = DEFAULT_RETRIES;
	if ((v = config_env("VAULT_MAX_RETRIES"))) {
		if (parse_ulong(v, 0, 100, &n) != 0)
			return error_set(err, ST_CONFIG,
			                 "VAULT_MAX_RETRIES: expected an integer from 0 to 100");
		c->max_retries = (int)n;
	}
	if ((rc = env_bool("VAULT_DISABLE_REDIRECTS", 0, &b, err)) != ST_OK)
		return rc;
	c->follow_redirects = !b;

	if ((v = config_env("VAULT_AGENT_ADDR")))
		c->address_from = "VAULT_AGENT_ADDR";
	else if ((v = config_env("VAULT_ADDR")))
		c->address_from = "VAULT_ADDR";
	else if (m && m->vault[VK_ADDRESS] && *m->vault[VK_ADDRESS]) {
		v = m->vault[VK_ADDRESS];
		c->address_from = "manifest";
	}
	if (v) {
		c->address = xstrdup(v);
		if ((rc = parse_address(c, err)) != ST_OK)
			return rc;
	} else if (need_address) {
		return error_set(err, ST_CONFIG,
		                 "no Vault address: set VAULT_ADDR or 'address' in [vault]");
	}

	c->namespace = pick("VAULT_NAMESPACE", m, VK_NAMESPACE);
	if (c->namespace && has_control(c->namespace)) {
		if (config_env("VAULT_NAMESPACE"))
			return error_set(err, ST_CONFIG,
			                 "VAULT_NAMESPACE: contains a control character "
			                 "(it goes into a request header)");
		return error_set(err, ST_CONFIG,
		                 "%s:%u: namespace: contains a control character "
		                 "(it goes into a request header)",
		                 m->file, m->vault_line[VK_NAMESPACE]);
	}
	c->ca_cert = pick("VAULT_CACERT", m, VK_CA_CERT);
	c->ca_path = pick("VAULT_CAPATH", m, VK_CA_PATH);
	c->client_cert = pick("VAULT_CLIENT_CERT", m, VK_CLIENT_CERT);
	c->client_key = pick("VAULT_CLIENT_KEY", m, VK_CLIENT_KEY);
	c->tls_server_name = pick("VAULT_TLS_SERVER_NAME", m, VK_TLS_SERVER_NAME);
	if ((c->client_cert == NULL) != (c->client_key == NULL))
		return error_set(err, ST_CONFIG,
		                 "a client certificate needs both a certificate and a key "
		                 "(VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, or client_cert "
		                 "and client_key)");
	if (config_env("VAULT_SKIP_VERIFY")) {
		if ((rc = env_bool("VAULT_SKIP_VERIFY", 0, &c->skip_verify, err)) !=
		    ST_OK)
			return rc;
	} else if (m && m->vault[VK_SKIP_VERIFY]) {
		if ((b = parse_bool(m->vault[VK_SKIP_VERIFY])) < 0)
			return error_set(err, ST_CONFIG,
			                 "%s:%u: skip_verify: expected true or false",
			                 m->file, m->vault_line[VK_SKIP_VERIFY]);
		c->skip_verify = b;
	}
	return ST_OK;
}

void config_fetch_opts(const struct config *c, struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->base_url = c->base_url;
	o->unix_socket = c->unix_socket;
	o->namespace = c->namespace;
	o->concurrency = c->concurrency;
	o->max_retries = c->max_retries;
	o->follow_redirects = c->follow_redirects;
	o->deadline = now_ms() + c->timeout * 1000.0;
	o->ca_cert = c->ca_cert;
	o->ca_path = c->ca_path;
	o->client_cert = c->client_cert;
	o->client_key = c->client_key;
	o->tls_server_name = c->tls_server_name;
	o->skip_verify = c->skip_verify;
}

void config_free(struct config *c)
{
	free(c->address);
	free(c->base_url);
	free(c->unix_socket);
	free(c->store_path);
	free(c->namespace);
	free(c->ca_cert);
	free(c->ca_path);
	free(c->client_cert);
	free(c->client_key);
	free(c->tls_server_name);
	memset(c, 0, sizeof *c);
}
