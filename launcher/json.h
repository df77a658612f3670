/* json.h - the only module that knows jansson.
 *
 * Turns Vault's answers into what the launcher needs, and secrets into the
 * bytes that go into the environment.  Every buffer jansson allocates is
 * wiped before it is freed (json_init installs the allocator).
 */
#ifndef VAULTRUN_JSON_H
#define VAULTRUN_JSON_H

#include <stddef.h>

#include "ref.h"
#include "secret.h"
#include "status.h"

struct jdoc; /* a parsed JSON value (opaque), owned by whoever got it */

/* Install jansson's wiping allocator; call once before any other json_*. */
void json_init(void);

void json_free(struct jdoc *d);

/* Another reference to d (NULL-safe), for keeping a borrowed doc such as a
 * json_store_get result after its owner is freed; release with json_free. */
struct jdoc *json_ref(const struct jdoc *d);

/* Generic access, for vault.c's readers of Vault's answers.  json_parse
 * parses any JSON text (ST_PROTOCOL "invalid JSON in response"); the
 * getters borrow from d and are NULL-safe: json_get is NULL when d is not an
 * object or lacks key, json_str NULL when d is not a string, json_int -1
 * when d is not an integer (0 and *out set when it is), json_bool -1 when d
 * is not a boolean. */
int json_parse(const char *body, size_t len, struct jdoc **out, struct error *err);
const struct jdoc *json_get(const struct jdoc *d, const char *key);
int json_is_obj(const struct jdoc *d);
const char *json_str(const struct jdoc *d);
int json_int(const struct jdoc *d, long long *out);
int json_bool(const struct jdoc *d);

/* Parse a secret read.  kv is 1 (the secret is the top-level "data") or 2
 * (the secret is "data"."data").  The secret must be a JSON object.
 * Errors: ST_PROTOCOL "invalid JSON in response" / "unexpected response
 * shape: ...".  *out is a new doc holding only the secret object. */
int json_parse_secret(const char *body, size_t len, int kv, struct jdoc **out,
                      struct error *err);

/* What a KV v2 404 with a body means. */
enum kv404 {
	KV404_MISSING,      /* {"errors":[]} or unparsable: no such secret */
	KV404_DELETED,      /* data.data null, metadata.deletion_time set */
	KV404_DESTROYED,    /* data.data null, metadata.destroyed true */
	KV404_INVALID_PATH, /* warnings, data null: not a v2 path */
};
enum kv404 json_classify_404(const char *body, size_t len);

/* Is this body exactly an error envelope with an empty list ({"errors":[]})? */
int json_is_bare_404(const char *body, size_t len);
/* Is body one of Vault's JSON answers: an object with "errors", "data" or
 * "warnings" (a 404 without any is not Vault's API speaking)? */
int json_is_vault_answer(const char *body, size_t len);

/* Copy a short, printable summary of the "errors" list (joined with "; ",
 * every value registered with mask.c masked first, then control characters
 * and runs of whitespace folded to one space, at most cap-1 bytes) into buf.
 * buf is "" when there is none. */
void json_error_summary(const char *body, size_t len, char *buf, size_t cap);

/* Parse a sys/internal/ui/mounts/<path> answer: *mount gets data.path
 * without its trailing '/' (heap string, caller frees), *kv gets 2 when
 * data.options.version is "2", else 1.  ST_PROTOCOL on a bad shape. */
int json_parse_mount(const char *body, size_t len, char **mount, int *kv,
                     struct error *err);

/* Parse a login answer: auth.client_token into *token, *batch set when
 * auth.token_type is "batch" (or the token starts "hvb." / "b.").
 * ST_NOPERM when client_token is empty (MFA required); ST_PROTOCOL on a bad
 * shape. */
int json_parse_login(const char *body, size_t len, struct secret *token,
                     int *batch, struct error *err);

/* Select a value from a secret object (a doc from json_parse_secret or
 * json_store_get) and render it: a string as is, a number or boolean as its
 * JSON text, an object or array as compact JSON, null as "".  SEL_WHOLE
 * renders the whole object.  ST_DATA "key 'k' not found" / "JSON Pointer
 * '/a/b' not found" when the selector matches nothing. */
int json_select(const struct jdoc *secret, enum sel_kind sel,
                const char *selector, struct secret *out, struct error *err);

/* Follow a JSON Pointer inside doc and return a new doc for the object it
 * names (for profiles); ST_DATA when absent or not an object. */
int json_subobject(const struct jdoc *doc, const char *pointer,
                   struct jdoc **out, struct error *err);

/* Iterate an object's members in order: returns 0 and fills *key and *value
 * (rendered as json_select would) for member i, 1 when i is past the end. */
int json_member(const struct jdoc *obj, size_t i, const char **key,
                struct secret *value);

/* Encode npairs string pairs (pairs[2i] the key, pairs[2i+1] the value) as
 * a JSON object, for login bodies; out is wiped by its owner. */
int json_encode_object(const char *const *pairs, size_t npairs, struct secret *out);

/* The local store (file:// addresses): a JSON object mapping logical paths
 * to secret objects.  json_store_load: ST_CONFIG when the text is not such
 * an object.  json_store_get returns a borrowed doc valid until the store is
 * freed, or NULL when the path is absent. */
int json_store_load(const char *text, size_t len, struct jdoc **out,
                    struct error *err);
const struct jdoc *json_store_get(const struct jdoc *store, const char *path);

#endif
