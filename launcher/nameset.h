/* nameset.h - a set of names, each with the line that defined it.
 *
 * Duplicates among 100,000 manifest entries must be found without comparing
 * every pair.  Names are borrowed, not copied: they must outlive the set.
 */
#ifndef VAULTRUN_NAMESET_H
#define VAULTRUN_NAMESET_H

#include <stddef.h>

struct nameset;

struct nameset *nameset_new(void);
/* Room for n names in all, so that adding them never rehashes. */
void nameset_reserve(struct nameset *t, size_t n);
/* Record name at line; returns 0, or the line of an earlier equal name. */
unsigned nameset_add(struct nameset *t, const char *name, unsigned line);
/* The line of name, or 0. */
unsigned nameset_find(const struct nameset *t, const char *name);
void nameset_free(struct nameset *t);

#endif
