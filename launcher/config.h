/* config.h - settings from the command line, the environment, the manifest.
 *
 * Command line beats environment, environment beats the manifest's [vault]
 * section, and that beats the defaults.
 */
#ifndef VAULTRUN_CONFIG_H
#define VAULTRUN_CONFIG_H

#include "cli.h"
#include "fetch.h"
#include "manifest.h"
#include "proxy.h"
#include "secret.h"
#include "status.h"

enum backend { BACKEND_HTTP, BACKEND_FILE };

struct config {
	/* where */
	enum backend backend;
	char *address;            /* as given */
	char *address_shown;      /* for messages: user:password@ starred */
	const char *address_from; /* "VAULT_AGENT_ADDR", "VAULT_ADDR", "manifest" */
	char *base_url;    /* scheme://host[:port][/prefix], no trailing '/' */
	char *unix_socket; /* unix:// addresses */
	char *store_path;  /* file:// addresses */
	char *namespace;
	/* TLS */
	char *ca_cert, *ca_path, *client_cert, *client_key, *tls_server_name;
	/* where each file setting came from, for messages: "VAULT_CACERT",
	 * "BAO_CACERT", "m.ini:3: ca_cert" */
	char *ca_cert_from, *ca_path_from, *client_cert_from, *client_key_from;
	int skip_verify;
	struct proxy_env proxy; /* strings owned */
	/* behaviour */
	double timeout; /* seconds */
	long concurrency;
	int max_retries;
	int follow_redirects;
	double client_timeout; /* seconds per request; 0: only the deadline */
	double rate;           /* requests per second; 0: no limit */
	long burst;
	int srv_lookup; /* VAULT_SRV_LOOKUP asked for (and is ignored) */
	/* every [vault] setting that came from the manifest or environment,
	 * for the login methods (auth.c) */
	const struct manifest *manifest; /* borrowed, may be NULL */
};

/* Fill c.  m may be NULL (no manifest).  env lookups use getenv.
 * need_address: whether references exist (no address is then ST_CONFIG).
 * Errors: ST_CONFIG with a message naming the setting. */
int config_load(struct config *c, const struct cli *cli,
                const struct manifest *m, int need_address, struct error *err);
void config_free(struct config *c);

/* The fetcher's options (strings borrowed from c), with the deadline
 * --timeout from now. */
void config_fetch_opts(const struct config *c, struct fetch_opts *o);

/* The manifest to read: -f, else $VAULTRUN_FILE, else ./vaultrun.ini when it
 * exists, else NULL.  Also starts the deadline for reading standard input
 * (readfile_set_deadline): this is the first step of a run. */
const char *config_manifest_path(const struct cli *cli);

/* A non-empty environment variable, or NULL. */
const char *config_env(const char *name);

/* A Vault client variable: name is "VAULT_X"; OpenBao's "BAO_X" wins when
 * both are set.  Every VAULT_ variable is read through here. */
const char *config_vault_env(const char *name);
/* The variable config_vault_env(name) takes its value from ("BAO_X" when
 * that is set, else name), for messages. */
const char *config_vault_env_name(const char *name);
/* OpenBao's name for a VAULT_ variable vaultrun reads, or NULL. */
const char *config_bao_name(const char *name);

#endif
