/* numtext.h - the numbers of a JSON text that must keep their exact text.
 *
 * A number goes into the environment as its JSON text, but jansson keeps
 * numbers as binary (1.0 would come back as 1, and integers beyond 64 bits
 * or reals beyond a double not at all).  So before json.c parses a text,
 * every number that is not a plain in-range integer is replaced with the
 * real "<i>.0", i its index in a side table of number texts; json.c then
 * gives each real of the tree its text.  Pure text processing: no jansson.
 */
#ifndef VAULTRUN_NUMTEXT_H
#define VAULTRUN_NUMTEXT_H

#include <stddef.h>

struct numtext {
	char *all; /* every text, one after the other (wiped on free) */
	size_t len, cap;
	size_t *off; /* text i is all[off[i] .. off[i + 1]) */
	size_t n;
};

/* Must this token keep its text?  A number (RFC 8259's grammar) that is a
 * real, -0, or an integer beyond 64 bits.  Not a number: 0. */
int numtext_keeps(const char *tok, size_t n);

/* A copy of body (len bytes) with the numbers that keep their text
 * replaced by "<i>.0" and their texts recorded in t (which starts zeroed),
 * or NULL when it has none.  Strings are left alone, whatever they hold.
 * The copy is *outlen bytes plus a NUL; the caller wipes and frees it. */
char *numtext_widen(const char *body, size_t len, struct numtext *t,
                    size_t *outlen);

/* Text i (i < t->n), *len bytes, borrowed from t. */
const char *numtext_get(const struct numtext *t, size_t i, size_t *len);

/* Wipes and frees the texts; t becomes empty. */
void numtext_free(struct numtext *t);

#endif
