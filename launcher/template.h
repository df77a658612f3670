/* template.h - composed values: literal text with ${REFERENCE|FILTER} pieces.
 *
 * An [env] or [files] value that contains "${" is a template:
 *
 *     postgresql://${db/creds/app#username|url}:${db/creds/app#password|url}@db/app
 *
 * "$$" is a literal '$'; a '$' before anything else is literal too.  A
 * reference runs to the first '|' or '}'; each '|' adds a filter, applied
 * left to right: url, base64, base64d, json.  A pure parser and renderer:
 * what a reference means is plan.c's business.  The same syntax, with
 * environment variable names instead of references, expands [vault] values
 * (template_expand_env).
 */
#ifndef VAULTRUN_TEMPLATE_H
#define VAULTRUN_TEMPLATE_H

#include <stddef.h>

#include "secret.h"
#include "status.h"

enum tfilter {
	TF_URL,     /* percent-encode every byte outside RFC 3986 unreserved */
	TF_BASE64,  /* RFC 4648 standard alphabet, padded */
	TF_BASE64D, /* its inverse (padding optional); invalid input is 65 */
	TF_JSON,    /* the content of a JSON string: escaped, no quotes */
};

#define TEMPLATE_MAX_FILTERS 4

struct tpiece {
	int is_ref;
	char *text; /* literal bytes ("$$" made '$'), or the reference */
	size_t len;
	enum tfilter filter[TEMPLATE_MAX_FILTERS];
	size_t nfilters;
};

struct template;

/* Is text a template (does it contain "${")? */
int template_is(const char *text);

/* Parse text into *out (release with template_free).  ST_CONFIG with a
 * message (no file or line: the caller knows them) for an unterminated
 * "${", an empty reference, blanks around one, a "${" inside one, an empty
 * or unknown filter, too many filters. */
int template_parse(const char *text, struct template **out, struct error *err);
void template_free(struct template *t);

/* Its pieces, in order; borrowed until template_free. */
size_t template_count(const struct template *t);
const struct tpiece *template_piece(const struct template *t, size_t i);
/* How many pieces are references. */
size_t template_refs(const struct template *t);

/* Apply one filter to len bytes at p, into out (wiped by its owner).
 * ST_DATA for base64d of invalid base64. */
int template_filter(enum tfilter f, const char *p, size_t len,
                    struct secret *out, struct error *err);

/* The finished value: literal pieces as they are, reference piece i as
 * values[i] passed through its filters.  Each filtered piece is handed to
 * seen (mask.c's mask_add, say) when it is not NULL.  ST_DATA when a
 * filter fails, naming the piece's reference. */
int template_render(const struct template *t, const struct secret *values,
                    void (*seen)(const char *p, size_t len), struct secret *out,
                    struct error *err);

/* "${NAME}" replaced by lookup(NAME) (NULL: unset), "$$" by '$'; *out is
 * a new string.  ST_CONFIG naming the variable when it is unset, or for an
 * unterminated "${" or a name that is not an environment variable's. */
int template_expand_env(const char *text, const char *(*lookup)(const char *name),
                        char **out, struct error *err);

#endif
