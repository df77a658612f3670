/* arena.h - many small strings, one free.
 *
 * For what is allocated once per reference and freed together at the end
 * (the manifest's names and references, a map's keys): no malloc per
 * string, and freeing 100,000 of them is one pass over a few blocks.
 * Blocks are wiped when freed, so an arena may hold what a map keys by a
 * secret value.  Strings never move: pointers stay valid until the free.
 */
#ifndef VAULTRUN_ARENA_H
#define VAULTRUN_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
/* n bytes, not initialised (no alignment: for text). */
char *arena_alloc(struct arena *a, size_t n);
/* A copy of the n bytes at s, NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Wipe every block and free them (NULL: nothing). */
void arena_free(struct arena *a);

#endif
