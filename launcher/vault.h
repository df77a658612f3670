/* vault.h - Vault's URL and status conventions (pure functions).
 *
 * No I/O here: fetch.c moves bytes, resolve.c decides what to ask, this file
 * knows how Vault spells paths and what its statuses mean; answer.h what its
 * answers look like.
 */
#ifndef VAULTRUN_VAULT_H
#define VAULTRUN_VAULT_H

#include <stddef.h>

#include "fetch.h"

/* Percent-encode a logical path for a URL, keeping '/' between segments and
 * RFC 3986 unreserved characters; heap string. */
char *vault_encode_path(const char *path);

/* The API path of a KV read, relative to /v1/: "<mount>/data/<rest>" with
 * "?version=N" when pinned (kv 2), or "<mount>/<rest>" (kv 1); encoded. */
char *vault_kv_path(const char *mount, const char *rest, int kv,
                    unsigned long version);

/* The preflight path: "sys/internal/ui/mounts/<path>", encoded. */
char *vault_mounts_path(const char *path);

/* Map a finished request that did not succeed to an exit status and a
 * one-line reason (at most cap bytes, never a value): 403 -> 77, 404 -> 66,
 * 412/429 -> 75, 5xx and transport failures -> 69 (or the failure's own
 * status), other 4xx -> 76. */
int vault_failure(const struct fetch_result *r, char *reason, size_t cap);

/* A failure shared by every request to the address (r->unreachable, 69): 1,
 * with cause "cannot reach Vault at <scheme://host:port>: <why>" (userinfo
 * shown as ****, libcurl's "after N ms" dropped so that every request's
 * cause reads the same) and reason, for the variable's own line ("no connection
 * to Vault", with the attempts); 0 for any other failure. */
int vault_unreachable(const struct fetch_result *r, char *cause, size_t ccap,
                      char *reason, size_t rcap);

/* A 200 that is not JSON is not the Vault API. */
int vault_is_json(const struct fetch_result *r);

/* Is this failure how Vault answers a request that carries no token?  403
 * (current releases, every request), or 400/500 "missing client token"
 * (older releases' preflight). */
int vault_tokenless_denial(const struct fetch_result *r);

#endif
