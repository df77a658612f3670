/* auth.c - tokens handed to vaultrun, and the login methods that mint one:
 * AppRole, Kubernetes, JWT and TLS certificates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "mask.h"
#include "readfile.h"
#include "util.h"
#include "vault.h"

#define CRED_MAX 65536
#define K8S_JWT "/var/run/secrets/kubernetes.io/serviceaccount/token"

enum method { M_TOKEN, M_APPROLE, M_KUBERNETES, M_JWT, M_CERT };

static const char *const method_names[] = {"token", "approle", "kubernetes",
                                           "jwt", "cert"};

struct auth {
	enum method method;
	const char *source; /* where a handed-in token came from */
	char *mount;        /* auth/<mount>/login */
	char *role;
	struct secret token; /* handed in, or minted by the login */
	struct secret role_id, secret_id, jwt;
	int minted, batch;
	int revoke_failed; /* its leases then live on too */
	long num_uses; /* of a minted token, from the login answer; 0: unlimited */
	long ttl;      /* of a minted token, from the login answer */
	int renewable; /* ... and whether it said renewable */
	char describe[160];
	const char *creds[8]; /* credential variables, NULL-terminated */
	auth_done_cb done;
	void *ctx;
	struct fetcher *f;
};

/* Credentials never passed to the command (unless --keep-vault-env), under
 * Vault's names and OpenBao's; a jwt_env variable is added after them. */
static const char *const cred_vars[] = {"VAULT_TOKEN",
                                        "VAULT_ROLE_ID",
                                        "VAULT_SECRET_ID",
                                        "BAO_TOKEN",
                                        "BAO_ROLE_ID",
                                        "BAO_SECRET_ID",
                                        NULL};

/* Where an explicit token comes from: the variable, else token_file. */
static const char *token_var(const struct auth_settings *s)
{
	return s->token ? s->token_from : "token_file";
}

static int token_printable(const struct secret *t)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if ((unsigned char)t->p[i] < 0x21 || (unsigned char)t->p[i] == 0x7f)
			return 0;
	return 1;
}

/* A credential's value (the environment's, else the manifest's: see
 * config.c), else its file.  Returns ST_OK with out empty when none is set. */
static int credential(struct secret *out, const char *v, const char *file,
                      const char *what, struct error *err)
{
	int rc;

	if (v) {
		secret_set(out, v, strlen(v));
	} else if (file) {
		rc = readfile_private(file, what, CRED_MAX, out, err);
		if (rc != ST_OK)
			return rc;
		secret_rstrip(out);
	}
	if (out->p)
		mask_add(out->p, out->len);
	return ST_OK;
}

static int read_token(struct auth *a, const struct config *c, struct error *err)
{
	const char *path, *dflt;
	int rc;

	if ((rc = credential(&a->token, c->auth.token, c->auth.token_file,
	                     "token file", err)) != ST_OK)
		return rc;
	if (a->token.p) {
		a->source = token_var(&c->auth);
	} else if ((path = c->auth.token_path)) {
		/* Named explicitly (OpenBao 2.6): a missing file is an error. */
		if ((rc = readfile_private(path, "BAO_TOKEN_PATH", CRED_MAX,
		                           &a->token, err)) != ST_OK)
			return rc;
		secret_rstrip(&a->token);
		mask_add(a->token.p, a->token.len);
		a->source = "BAO_TOKEN_PATH";
	} else if ((dflt = c->auth.token_default)) {
		/* No file: no token at all, and an agent may add its own.  A
		 * file that is there but unreadable or unsafe is an error. */
		rc = access(dflt, F_OK) != 0 ?
		             ST_NOINPUT :
		             readfile_private(dflt, "token file", CRED_MAX,
		                              &a->token, err);
		if (rc == ST_NOINPUT)
			return ST_OK;
		if (rc != ST_OK)
			return rc;
		secret_rstrip(&a->token);
		mask_add(a->token.p, a->token.len);
		a->source = "~/.vault-token";
	}
	if (a->token.p && a->token.len == 0) {
		secret_wipe(&a->token);
		a->source = NULL;
	}
	if (a->token.p && !token_printable(&a->token))
		return error_set(err, ST_CONFIG,
		                 "the token from %s contains non-printable characters",
		                 a->source);
	return ST_OK;
}

/* auth = ..., or approle when a role id is given and no token is. */
static int choose(struct auth *a, const struct config *c, int have_token,
                  struct error *err)
{
	const struct auth_settings *s = &c->auth;
	const char *name = s->method;
	size_t i;

	if (name == NULL) {
		a->method = !have_token && (s->role_id || s->role_id_file) ?
		                    M_APPROLE :
		                    M_TOKEN;
		return ST_OK;
	}
	for (i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
		if (strcmp(name, method_names[i]) == 0) {
			a->method = (enum method)i;
			return ST_OK;
		}
	return error_set(err, ST_CONFIG,
	                 "%s:%u: auth: unknown method '%.40s' (expected token, "
	                 "approle, kubernetes, jwt or cert)",
	                 s->file, s->method_line, name);
}

static int need(const struct secret *s, const char *method, const char *what,
                struct error *err)
{
	if (s->p && s->len > 0)
		return ST_OK;
	return error_set(err, ST_CONFIG, "auth = %s needs %s", method, what);
}

static int prepare_login(struct auth *a, const struct config *c, struct error *err)
{
	const struct auth_settings *s = &c->auth;
	const char *name = method_names[a->method], *v;
	int rc = ST_OK;

	v = s->mount ? s->mount : name;
	/* "auth/k8s-prod/" and "k8s-prod" name the same mount. */
	if (strncmp(v, "auth/", 5) == 0)
		v += 5;
	a->mount = xstrndup(v, strcspn(v, "?#"));
	while (*a->mount && a->mount[strlen(a->mount) - 1] == '/')
		a->mount[strlen(a->mount) - 1] = '\0';
	if (*a->mount == '\0')
		return error_set(err, ST_CONFIG, "auth_mount: empty mount path");
	if (s->role)
		a->role = xstrdup(s->role);
	switch (a->method) {
	case M_APPROLE:
		if ((rc = credential(&a->role_id, s->role_id, s->role_id_file,
		                     "role id file", err)) != ST_OK ||
		    (rc = credential(&a->secret_id, s->secret_id, s->secret_id_file,
		                     "secret id file", err)) != ST_OK)
			return rc;
		if ((rc = need(&a->role_id, name,
		               "a role id (VAULT_ROLE_ID, role_id or role_id_file)",
		               err)) != ST_OK)
			return rc;
		return need(&a->secret_id, name,
		            "a secret id (VAULT_SECRET_ID, secret_id or secret_id_file)",
		            err);
	case M_KUBERNETES:
	case M_JWT:
		if (a->role == NULL && a->method == M_KUBERNETES)
			return error_set(err, ST_CONFIG, "auth = %s needs role",
			                 name);
		if ((v = s->jwt_env)) {
			/* Not a setting: the credential the setting names. */
			const char *jwt = config_env(v);

			if (!valid_env_name(v))
				return error_set(err, ST_CONFIG,
				                 "jwt_env: '%.60s' is not a variable name",
				                 v);
			if (jwt == NULL)
				return error_set(err, ST_CONFIG,
				                 "jwt_env: the variable %s is not set",
				                 v);
			secret_set(&a->jwt, jwt, strlen(jwt));
			mask_add(a->jwt.p, a->jwt.len);
			a->creds[6] = v;
		} else {
			const char *file = s->jwt_file;

			if (file == NULL && a->method == M_JWT)
				return error_set(err, ST_CONFIG,
				                 "auth = jwt needs jwt_file or jwt_env");
			rc = readfile_private(file ? file : K8S_JWT, "JWT file",
			                      CRED_MAX, &a->jwt, err);
			if (rc != ST_OK)
				return rc;
			secret_rstrip(&a->jwt);
			mask_add(a->jwt.p, a->jwt.len);
		}
		return need(&a->jwt, name, "a non-empty JWT", err);
	case M_CERT:
		if (c->fetch.client_cert == NULL)
			return error_set(err, ST_CONFIG,
			                 "auth = cert needs a client certificate "
			                 "(VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, or "
			                 "client_cert and client_key)");
		if (strncmp(c->fetch.base_url ? c->fetch.base_url : "",
		            "https://", 8) != 0)
			return error_set(err, ST_CONFIG,
			                 "auth = cert needs an https:// address");
		return ST_OK;
	case M_TOKEN:
		break;
	}
	return rc;
}

int auth_new(struct auth **out, const struct config *c, struct error *err)
{
	struct auth *a = xcalloc(1, sizeof *a);
	int rc, handed;

	*out = NULL;
	memcpy(a->creds, cred_vars, sizeof cred_vars);
	/* Only an explicit token conflicts with a login; a stale
	 * ~/.vault-token is not read when a login is configured. */
	handed = c->auth.token != NULL || c->auth.token_file != NULL;
	if ((rc = choose(a, c, handed, err)) != ST_OK)
		goto fail;
	if (a->method == M_TOKEN) {
		if ((rc = read_token(a, c, err)) != ST_OK)
			goto fail;
		snprintf(a->describe, sizeof a->describe, "%s",
		         a->source ? a->source : "none");
	} else {
		if (handed) {
			rc = error_set(err, ST_CONFIG,
			               "a token (%s) and auth = %s conflict: use one",
			               token_var(&c->auth),
			               method_names[a->method]);
			goto fail;
		}
		if ((rc = prepare_login(a, c, err)) != ST_OK)
			goto fail;
		snprintf(a->describe, sizeof a->describe,
		         "%s login at auth/%.100s", method_names[a->method],
		         a->mount);
	}
	*out = a;
	return ST_OK;
fail:
	auth_free(a);
	return rc;
}

void auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	secret_wipe(&a->token);
	secret_wipe(&a->role_id);
	secret_wipe(&a->secret_id);
	secret_wipe(&a->jwt);
	free(a->mount);
	free(a->role);
	free(a);
}

static void on_login(void *ctx, const struct fetch_result *res)
{
	struct auth *a = ctx;
	char reason[720], why[520];
	struct error e;
	int st;

	if (res->status == 200 && vault_is_json(res) &&
	    (st = answer_login(res->body, res->len, &a->token, &a->batch, &e)) ==
	            ST_OK) {
		mask_add(a->token.p, a->token.len);
		a->minted = 1;
		if (answer_int(res->body, res->len, "/auth/num_uses",
		               &a->num_uses) != 0)
			a->num_uses = 0; /* not said: as Vault, no limit */
		if (answer_int(res->body, res->len, "/auth/lease_duration",
		               &a->ttl) != 0)
			a->ttl = 0;
		a->renewable = answer_flag(res->body, res->len, "/auth/renewable");
		fetch_set_token(a->f, &a->token);
		log_info("auth: logged in (%s), %s token%s", a->describe,
		         a->batch ? "batch" : "service",
		         a->num_uses != 0 ? " of limited uses" : "");
		a->done(a->ctx, ST_OK, NULL);
		return;
	}
	if (res->status == 200) {
		st = vault_is_json(res) ? e.status : ST_PROTOCOL;
		snprintf(why, sizeof why, "%s",
		         vault_is_json(res) ? e.msg : "the answer is not JSON");
	} else {
		st = vault_failure(res, why, sizeof why);
		/* A refused login is a permission problem whatever its 4xx. */
		if (res->status == 400 || res->status == 401 ||
		    res->status == 403) {
			char errs[400];

			st = ST_NOPERM;
			answer_errors(res->body, res->len, errs, sizeof errs);
			snprintf(why, sizeof why, "refused (HTTP %ld%s%s)",
			         res->status, errs[0] ? ": " : "", errs);
		}
	}
	snprintf(reason, sizeof reason, "%s login failed: %s", a->describe, why);
	a->done(a->ctx, st, reason);
}

void auth_start(struct auth *a, struct fetcher *f, auth_done_cb done, void *ctx)
{
	const char *pairs[4];
	struct secret body = {NULL, 0};
	size_t n = 0;
	char *path;

	if (a->method == M_TOKEN) {
		if (a->token.p)
			fetch_set_token(f, &a->token);
		log_info("auth: token from %s", a->describe);
		done(ctx, ST_OK, NULL);
		return;
	}
	a->done = done;
	a->ctx = ctx;
	a->f = f;
	switch (a->method) {
	case M_APPROLE:
		pairs[n++] = "role_id";
		pairs[n++] = a->role_id.p;
		pairs[n++] = "secret_id";
		pairs[n++] = a->secret_id.p;
		break;
	case M_KUBERNETES:
	case M_JWT:
		pairs[n++] = "jwt";
		pairs[n++] = a->jwt.p;
		if (a->role) {
			pairs[n++] = "role";
			pairs[n++] = a->role;
		}
		break;
	case M_CERT:
		if (a->role) {
			pairs[n++] = "name";
			pairs[n++] = a->role;
		}
		break;
	case M_TOKEN:
		break;
	}
	json_encode_object(pairs, n / 2, &body);
	path = xasprintf("auth/%s/login", a->mount);
	log_info("auth: %s", a->describe);
	fetch_add(f, "POST", path, &body, FETCH_NO_TOKEN, on_login, a);
	free(path);
	secret_wipe(&body);
}

static void on_revoke(void *ctx, const struct fetch_result *res)
{
	struct auth *a = ctx;
	char why[300];

	if (res->status == 200 || res->status == 204) {
		log_info("auth: revoked the token vaultrun logged in with");
		return;
	}
	a->revoke_failed = 1;
	vault_failure(res, why, sizeof why);
	log_warn("could not revoke the login token (it expires with its TTL): %s",
	         why);
}

void auth_finish(struct auth *a, struct fetcher *f, int keep)
{
	/* f may be a fresh fetcher (supervise mode): the leases of a handed
	 * token are revoked with it. */
	if (a->token.p)
		fetch_set_token(f, &a->token);
	if (!a->minted) {
		if (a->token.p)
			log_info("auth: the token was handed to vaultrun; not revoking it");
		return;
	}
	if (keep) {
		log_info("auth: handing the token to the command (--keep-vault-env); "
		         "not revoking it");
		return;
	}
	if (a->batch) {
		log_info("auth: batch token; it cannot be revoked and expires with its TTL");
		return;
	}
	fetch_add(f, "POST", "auth/token/revoke-self", NULL, 0, on_revoke, a);
}

int auth_revokes(const struct auth *a)
{
	return a && a->minted && !a->batch;
}

int auth_revoke_refused(const struct auth *a)
{
	return a && a->revoke_failed;
}

int auth_known_uses(const struct auth *a, long *uses)
{
	if (a == NULL || !a->minted)
		return 0;
	*uses = a->num_uses;
	return 1;
}

int auth_renewable(const struct auth *a, long *ttl)
{
	*ttl = a ? a->ttl : 0;
	return a && a->minted && !a->batch && a->renewable && a->ttl > 0;
}

int auth_has_token(const struct auth *a)
{
	return a && a->token.p != NULL;
}

const struct secret *auth_minted(const struct auth *a)
{
	return a && a->minted ? &a->token : NULL;
}

const char *const *auth_credential_vars(const struct auth *a)
{
	return a ? a->creds : cred_vars;
}
