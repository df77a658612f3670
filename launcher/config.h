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
#include "secret.h"
#include "status.h"

enum backend { BACKEND_HTTP, BACKEND_FILE };

struct config {
	/* where */
	enum backend backend;
	char *address;            /* as given, for messages */
	const char *address_from; /* "VAULT_AGENT_ADDR", "VAULT_ADDR", "manifest" */
	char *base_url;    /* scheme://host[:port][/prefix], no trailing '/' */
	char *unix_socket; /* unix:// addresses */
	char *store_path;  /* file:// addresses */
	char *namespace;
	/* TLS */
	char *ca_cert, *ca_path, *client_cert, *client_key, *tls_server_name;
	int skip_verify;
	/* behaviour */
	double timeout; /* seconds */
	long concurrency;
	int max_retries;
	int follow_redirects;
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

#endif
