/* answer.h - what Vault's answers look like: the KV envelopes, the 404s of
 * a KV read, a mount's description, a login, a secrets engine's data and
 * lease, the errors list.  Pure functions over an answer's body; the JSON
 * itself is json.c's.
 */
#ifndef VAULTRUN_ANSWER_H
#define VAULTRUN_ANSWER_H

#include <stddef.h>

#include "json.h"
#include "lease.h"
#include "secret.h"
#include "status.h"

/* Parse a secret read.  kv is 1 (the secret is the top-level "data") or 2
 * (the secret is "data"."data").  The secret must be a JSON object.
 * Errors: ST_PROTOCOL "invalid JSON in response" / "unexpected response
 * shape: ...", ST_NOINPUT "version deleted" / "version destroyed".  *out
 * is a new doc holding only the secret object. */
int answer_secret(const char *body, size_t len, int kv, struct jdoc **out,
                  struct error *err);

/* What a KV v2 404 with a body means. */
enum kv404 {
	KV404_MISSING,      /* {"errors":[]} or unparsable: no such secret */
	KV404_DELETED,      /* data.data null, metadata.deletion_time set */
	KV404_DESTROYED,    /* data.data null, metadata.destroyed true */
	KV404_INVALID_PATH, /* warnings, data null: not a v2 path */
};
enum kv404 answer_kv404(const char *body, size_t len);

/* Is this body exactly an error envelope with an empty list ({"errors":[]})? */
int answer_is_bare_404(const char *body, size_t len);
/* Is body one of Vault's JSON answers: an object with "errors", "data" or
 * "warnings" (a 404 without any is not Vault's API speaking)? */
int answer_is_vault(const char *body, size_t len);

/* Copy a short, printable summary of the "errors" list (joined with "; ",
 * every value registered with mask.c masked first, then control characters
 * and runs of whitespace folded to one space, at most cap-1 bytes) into buf.
 * buf is "" when there is none. */
void answer_errors(const char *body, size_t len, char *buf, size_t cap);

/* Parse a sys/internal/ui/mounts/<path> answer: *mount gets data.path
 * without its trailing '/' (heap string, caller frees), *kv gets 2 when
 * data.options.version is "2", else 1.  ST_PROTOCOL on a bad shape. */
int answer_mount(const char *body, size_t len, char **mount, int *kv,
                 struct error *err);

/* The mount type a preflight answer names, when it is not KV: copies
 * data.type ("database", "pki", ...) into type and returns 1; returns 0 for
 * "kv", "generic", or no type at all (servers that predate it).  Call after
 * answer_mount accepted the answer. */
int answer_mount_engine(const char *body, size_t len, char *type, size_t cap);

/* Parse a login answer: auth.client_token into *token, *batch set when
 * auth.token_type is "batch" (or the token starts "hvb." / "b.").
 * ST_NOPERM when client_token is empty (MFA required); ST_PROTOCOL on a bad
 * shape. */
int answer_login(const char *body, size_t len, struct secret *token, int *batch,
                 struct error *err);

/* An answer from a secrets engine other than KV (a dynamic credential, a
 * write such as pki/issue): *data gets a new doc for its "data" object, l
 * its lease (l->id NULL when lease_id is empty).  ST_PROTOCOL when the
 * answer is not JSON or has no "data" object. */
int answer_engine(const char *body, size_t len, struct jdoc **data,
                  struct lease *l, struct error *err);

/* The integer field at pointer ("/auth/num_uses" in a login answer,
 * "/data/num_uses" in lookup-self's, "/auth/lease_duration") as *out.
 * Returns 0, or -1 when the body has no such integer. */
int answer_int(const char *body, size_t len, const char *pointer, long *out);

/* 1 when the field at pointer is JSON true, else 0. */
int answer_flag(const char *body, size_t len, const char *pointer);

#endif
