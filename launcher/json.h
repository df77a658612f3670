/* json.h - the only module that knows jansson.
 *
 * Parses JSON (numbers keep their exact text), follows JSON Pointers, and
 * renders secrets into the bytes that go into the environment.  What Vault's
 * answers look like is answer.c's.  Every buffer jansson allocates is
 * wiped before it is freed (json_init installs jmem.c's allocator).
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

/* Generic access, for answer.c's readers of Vault's answers.  json_parse
 * parses any JSON text (ST_PROTOCOL "invalid JSON in response"; err may be
 * NULL); the getters borrow from d and are NULL-safe: json_get is NULL when
 * d is not an object or lacks key, json_str NULL when d is not a string
 * (json_strn also gives its length, 0 then: a string may hold NUL bytes),
 * json_int -1 when d is not an integer (0 and *out set when it is),
 * json_bool -1 when d is not a boolean, json_isnull 1 only for JSON null,
 * json_len an array's length (0 when d is not an array), json_at its
 * element i (NULL past the end). */
int json_parse(const char *body, size_t len, struct jdoc **out, struct error *err);
const struct jdoc *json_get(const struct jdoc *d, const char *key);
int json_is_obj(const struct jdoc *d);
const char *json_str(const struct jdoc *d);
int json_int(const struct jdoc *d, long long *out);
int json_bool(const struct jdoc *d);
int json_isnull(const struct jdoc *d);
const char *json_strn(const struct jdoc *d, size_t *len);
int json_is_list(const struct jdoc *d);
size_t json_len(const struct jdoc *d);
const struct jdoc *json_at(const struct jdoc *d, size_t i);

/* Select a value from a secret object (a doc from answer_secret or
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
