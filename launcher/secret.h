/* secret.h - the one type that holds secret bytes.
 *
 * p is always NUL-terminated at p[len] (values may also contain NUL bytes).
 * The owner calls secret_wipe, which zeroes the bytes before freeing them,
 * on every path.  Never pass p to a printf-family function.
 */
#ifndef VAULTRUN_SECRET_H
#define VAULTRUN_SECRET_H

#include <stddef.h>

struct secret {
	char *p;
	size_t len;
};

/* Replace s's contents with a copy of len bytes at p (wiping the old ones). */
void secret_set(struct secret *s, const void *p, size_t len);
/* Zero and free the bytes; s becomes {NULL, 0}.  No-op on an empty secret. */
void secret_wipe(struct secret *s);
/* Zero n bytes at p and free p (p may be NULL). */
void wipe_free(void *p, size_t n);
/* Append n bytes at src to a growing buffer (*p of *len bytes in *cap),
 * keeping it NUL-terminated.  An outgrown block is wiped before it is freed:
 * not realloc, which would leave the old bytes behind. */
void wipe_append(char **p, size_t *len, size_t *cap, const void *src, size_t n);

/* Strip trailing whitespace (a token file's newline) in place. */
void secret_rstrip(struct secret *s);

#endif
