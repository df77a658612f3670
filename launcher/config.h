/* config.h - settings from the command line, the environment, the manifest.
 *
 * Command line beats environment, environment beats the manifest's [vault]
 * section, and that beats the defaults.  They are merged here, once, into
 * struct config (the fetcher's options and the login's settings are part of
 * it); no other module reads the environment or [vault] for a setting.  The
 * environment is read elsewhere only for what is not a setting: the
 * command's inherited environment (main.c hands it to plan.c, for inline
 * references, and to env.c), jwt_env's variable (auth.c: the credential a
 * setting names), and SSLKEYLOGFILE, hidden from libcurl (multi.c).
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

/* How vaultrun gets a token (auth.c): each value is the environment's,
 * else the manifest's, already merged; NULL when not set.  Borrowed from the
 * environment and the manifest (credentials are not copied): both outlive
 * auth_new, which copies what it uses. */
struct auth_settings {
	const char *method;       /* auth = */
	unsigned method_line;     /* its line in file */
	const char *file;         /* the manifest's name, for messages */
	const char *mount, *role; /* auth_mount =, role = */
	const char *token;        /* VAULT_TOKEN (or BAO_TOKEN) */
	const char *token_from;   /* the variable token came from */
	const char *token_file;   /* token_file = */
	const char *token_path;   /* BAO_TOKEN_PATH */
	char *token_default;      /* $HOME/.vault-token (owned), or NULL */
	const char *role_id, *role_id_file, *secret_id, *secret_id_file;
	const char *jwt_file, *jwt_env; /* jwt_env names a variable */
};

struct config {
	/* where */
	enum backend backend;
	char *address;            /* as given */
	char *address_shown;      /* for messages: user:password@ starred */
	const char *address_from; /* "VAULT_AGENT_ADDR", "VAULT_ADDR", "manifest" */
	unsigned address_line; /* when address_from is "manifest" */
	char *store_path;      /* file:// addresses */
	/* The fetcher's options, merged here (fetch.h says what each is):
	 * base_url (no trailing '/'), unix_socket, namespace, the TLS files and
	 * where each came from ("VAULT_CACERT", "BAO_CACERT", "m.ini:3:
	 * ca_cert"), skip_verify, the proxies, -j, VAULT_MAX_RETRIES,
	 * VAULT_DISABLE_REDIRECTS, VAULT_CLIENT_TIMEOUT (ms), VAULT_RATE_LIMIT.
	 * Its strings are owned by c; its deadline is set by config_fetch_opts. */
	struct fetch_opts fetch;
	double timeout; /* seconds */
	int srv_lookup; /* VAULT_SRV_LOOKUP asked for (and is ignored) */
	const char *srv_lookup_from; /* "VAULT_SRV_LOOKUP" or "BAO_SRV_LOOKUP" */
	struct auth_settings auth;
};

/* Fill c.  m may be NULL (no manifest).  env lookups use getenv.
 * need_address: whether references exist (no address is then ST_CONFIG).
 * Errors: ST_CONFIG with a message naming the setting. */
int config_load(struct config *c, const struct cli *cli,
                const struct manifest *m, int need_address, struct error *err);
void config_free(struct config *c);

/* The fetcher's options (c->fetch, strings borrowed from c), with the
 * deadline --timeout from now. */
void config_fetch_opts(const struct config *c, struct fetch_opts *o);

/* The manifest to read: -f, else $VAULTRUN_FILE, else ./vaultrun.ini when it
 * exists, else NULL.  Also starts the deadline for reading standard input
 * (readfile_set_deadline): this is the first step of a run. */
const char *config_manifest_path(const struct cli *cli);

/* A non-empty environment variable, or NULL.  Settings are read once, by
 * config_load; this is for what is not a setting (jwt_env's variable: a
 * credential a setting names). */
const char *config_env(const char *name);

#endif
