/* auth.h - how vaultrun gets a token: handed one, or by logging in.
 *
 * auth_new reads credentials (VAULT_TOKEN, token_file, ~/.vault-token, or a
 * login method's settings) and refuses conflicting or incomplete settings.
 * auth_start runs the login, if any, on the fetcher; auth_finish revokes a
 * token that vaultrun minted itself (unless it is a batch token or the
 * command is to receive it).
 */
#ifndef VAULTRUN_AUTH_H
#define VAULTRUN_AUTH_H

#include "config.h"
#include "fetch.h"
#include "secret.h"
#include "status.h"

struct auth;

typedef void (*auth_done_cb)(void *ctx, int status, const char *reason);

/* ST_CONFIG on conflicting or incomplete settings, ST_NOINPUT when a named
 * credential file is missing. */
int auth_new(struct auth **out, const struct config *c, struct error *err);
void auth_free(struct auth *a);

/* Authenticate on f; done is called once (possibly before this returns). */
void auth_start(struct auth *a, struct fetcher *f, auth_done_cb done, void *ctx);

/* After the reads: queue the revocation of a minted service token on f,
 * unless keep (the token is then handed to the command). */
void auth_finish(struct auth *a, struct fetcher *f, int keep);

/* Does auth_finish (keep 0) revoke the token, and with it its leases?  True
 * for a minted service token; a batch or handed token is not revoked. */
int auth_revokes(const struct auth *a);

/* Did the revocation queued by auth_finish fail (known after the fetch
 * loop has run)? */
int auth_revoke_refused(const struct auth *a);

/* What vaultrun knows of its token's uses: 1 with *uses (0: unlimited)
 * for a token it minted, from the login answer; 0 for a handed token. */
int auth_known_uses(const struct auth *a, long *uses);

/* A token vaultrun minted that can be renewed (a renewable service
 * token): 1 with *ttl its lease duration in seconds at login; else 0 (a
 * handed token belongs to whoever handed it and is never renewed). */
int auth_renewable(const struct auth *a, long *ttl);

/* Does vaultrun hold a token (handed, or minted by now)?  Without one,
 * requests go out bare (a Vault Agent may add its own). */
int auth_has_token(const struct auth *a);

/* The token vaultrun minted, for --keep-vault-env; NULL when it was handed
 * one or none. */
const struct secret *auth_minted(const struct auth *a);

/* Environment variables that hold credentials and must not reach the command
 * (NULL-terminated; includes a jwt_env variable).  a may be NULL. */
const char *const *auth_credential_vars(const struct auth *a);

#endif
