/* changes.h - what a resolution yields: the command's environment changes.
 *
 * A flat list, in plan order (manifest, then inline variables in environment
 * order), of NAME := value, each value to be set as the variable's text or
 * put into a sealed memfd ([files]), with the reference it came from for
 * reports.  The list owns copies of everything, so that it outlives the plan:
 * env.c, --check's report, the exporter and the supervisor consume it, and a
 * second resolution (a restart under --watch) yields a second list to
 * compare with the first.
 */
#ifndef VAULTRUN_CHANGES_H
#define VAULTRUN_CHANGES_H

#include <stddef.h>

#include "secret.h"

struct change {
	const char *name;    /* the variable */
	struct secret value; /* its bytes (wiped when the list is freed) */
	int is_file;         /* set through a memfd: NAME=/dev/fd/N */
	const char *ref;     /* the reference as written */
	const char *profile; /* the [profile] that set it, or NULL */
};

struct changes;

struct changes *changes_new(void);
void changes_free(struct changes *c); /* wipes the values; NULL is a no-op */

/* Append NAME := value (everything is copied; profile may be NULL). */
void changes_add(struct changes *c, const char *name, const struct secret *value,
                 int is_file, const char *ref, const char *profile);

size_t changes_count(const struct changes *c);

/* The i-th change, borrowed until c is freed. */
const struct change *changes_get(const struct changes *c, size_t i);

/* Do a and b set the same variables to the same bytes, the same way?  Only
 * names, values and is_file count (a reference written differently that
 * gives the same value is no change). */
int changes_equal(const struct changes *a, const struct changes *b);

/* The list a resolved plan yields: every variable that resolved, a
 * profile's exports in its place, superseded inline variables left out. */
struct plan;
struct changes *changes_from_plan(const struct plan *p);

#endif
