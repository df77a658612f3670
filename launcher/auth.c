/* auth.c - tokens handed to vaultrun, and (later) login methods. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "mask.h"
#include "readfile.h"
#include "util.h"

#define CRED_MAX 65536

enum method { M_TOKEN };

struct auth {
	enum method method;
	struct secret token;
	const char *source;
	const char *creds[8];
};

static int token_printable(const struct secret *t)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if ((unsigned char)t->p[i] < 0x21 || (unsigned char)t->p[i] == 0x7f)
			return 0;
	return 1;
}

static int read_token(struct auth *a, const struct config *c, struct error *err)
{
	const struct manifest *m = c->manifest;
	const char *v = config_env("VAULT_TOKEN"), *home;
	char *path;
	int rc;

	if (v) {
		secret_set(&a->token, v, strlen(v));
		a->source = "VAULT_TOKEN";
	} else if (m && m->vault[VK_TOKEN_FILE]) {
		rc = readfile_private(m->vault[VK_TOKEN_FILE], "token file", CRED_MAX,
		                      &a->token, err);
		if (rc != ST_OK)
			return rc;
		a->source = "token_file";
	} else if ((home = config_env("HOME"))) {
		path = xasprintf("%s/.vault-token", home);
		rc = readfile_private(path, "token file", CRED_MAX, &a->token, err);
		free(path);
		if (rc == ST_NOINPUT)
			return ST_OK; /* no token at all: an agent may add its own */
		if (rc != ST_OK)
			return rc;
		a->source = "~/.vault-token";
	}
	secret_rstrip(&a->token);
	if (a->token.p && a->token.len == 0)
		secret_wipe(&a->token);
	if (a->token.p && !token_printable(&a->token))
		return error_set(err, ST_CONFIG,
		                 "the token from %s contains non-printable characters",
		                 a->source);
	if (a->token.p)
		mask_add(a->token.p, a->token.len);
	return ST_OK;
}

int auth_new(struct auth **out, const struct config *c, struct error *err)
{
	struct auth *a = xcalloc(1, sizeof *a);
	const struct manifest *m = c->manifest;
	const char *method = m ? m->vault[VK_AUTH] : NULL;
	int rc;

	*out = NULL;
	a->creds[0] = "VAULT_TOKEN";
	a->creds[1] = "VAULT_ROLE_ID";
	a->creds[2] = "VAULT_SECRET_ID";
	if (method && strcmp(method, "token") != 0) {
		auth_free(a);
		return error_set(err, ST_CONFIG,
		                 "%s:%u: auth: unknown method '%.40s' (expected token)",
		                 m->file, m->vault_line[VK_AUTH], method);
	}
	a->method = M_TOKEN;
	if ((rc = read_token(a, c, err)) != ST_OK) {
		auth_free(a);
		return rc;
	}
	*out = a;
	return ST_OK;
}

void auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	secret_wipe(&a->token);
	free(a);
}

void auth_start(struct auth *a, struct fetcher *f, auth_done_cb done, void *ctx)
{
	if (a->token.p)
		fetch_set_token(f, &a->token);
	log_info("auth: %s", auth_describe(a));
	done(ctx, ST_OK, NULL);
}

void auth_finish(struct auth *a, struct fetcher *f, int keep, double budget_ms)
{
	(void)f;
	(void)keep;
	(void)budget_ms;
	if (a->method == M_TOKEN && a->token.p)
		log_info("auth: the token was handed to vaultrun; not revoking it");
}

const struct secret *auth_minted(const struct auth *a)
{
	(void)a;
	return NULL;
}

const char *const *auth_credential_vars(const struct auth *a)
{
	static const char *const fixed[] = {"VAULT_TOKEN", "VAULT_ROLE_ID",
	                                    "VAULT_SECRET_ID", NULL};

	return a ? a->creds : fixed;
}

const char *auth_describe(const struct auth *a)
{
	if (a->source == NULL)
		return "no token (requests go out without one)";
	if (strcmp(a->source, "VAULT_TOKEN") == 0)
		return "token from VAULT_TOKEN";
	if (strcmp(a->source, "token_file") == 0)
		return "token from token_file";
	return "token from ~/.vault-token";
}
