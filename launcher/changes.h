/* changes.h - what a resolution yields: the command's environment changes.
 *
 * A flat list, in plan order (manifest, then inline variables in environment
 * order), of NAME := value, each value to be set as the variable's text or
 * put into a sealed memfd ([files]), with the reference it came from for
 * reports (how it was obtained: read, or its [defaults] value and why; its
 * lease).  Variables that failed are a second list in the same struct, for
 * the report: each with its place among the changes.  The list owns copies
 * of everything, so that it outlives the plan (strings and values in one
 * arena, wiped when the list is freed: a few blocks at 1,000 references,
 * not 3,000 allocations):
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
	const char *ref;     /* the reference as written */
	const char *profile; /* the [profile] that set it, or NULL */
	/* For reports only (changes_equal ignores them): */
	const char *defaulted; /* the [defaults] value was used: why, or NULL */
	long lease_duration;   /* read from an answer with a lease of this
	                        * many seconds (when leased) */
	unsigned is_file : 1;  /* set through a memfd: NAME=/dev/fd/N */
	unsigned leased : 1;   /* read from an answer with a lease ... */
	unsigned renewable : 1; /* ... that can be renewed */
};

/* A variable that could not be resolved. */
struct change_failure {
	const char *name;  /* the variable's (a profile's name for a profile) */
	const char *ref;   /* the reference as written */
	const char *where; /* "file:line" or "environment" */
	int status;        /* why, as an exit status ... */
	const char *reason; /* ... and in one line */
	const char *cause;  /* a cause it shares with others, said before the
	                       first variable it failed (NULL after that) */
	int superseded;     /* an inline variable a profile overrides: an
	                       error, but no line of its own in --check */
	size_t before;      /* how many changes precede it in plan order */
};

struct changes;

struct changes *changes_new(void);
void changes_free(struct changes *c); /* wipes the values; NULL is a no-op */

/* Append NAME := value (everything is copied; profile may be NULL). */
void changes_add(struct changes *c, const char *name, const struct secret *value,
                 int is_file, const char *ref, const char *profile);

/* Report details of the change last added: its [defaults] value was used
 * (why is copied), or it came from an answer with a lease. */
void changes_set_default(struct changes *c, const char *why);
void changes_set_lease(struct changes *c, long duration, int renewable);

/* Record a failed variable (strings are copied; cause may be NULL), placed
 * after the changes added so far. */
void changes_fail(struct changes *c, const struct change_failure *f);

size_t changes_count(const struct changes *c);

/* The i-th change, borrowed until c is freed. */
const struct change *changes_get(const struct changes *c, size_t i);

/* Do a and b set the same variables to the same bytes, the same way?  Only
 * names, values and is_file count (a reference written differently that
 * gives the same value is no change). */
int changes_equal(const struct changes *a, const struct changes *b);

/* For the log: the names of a's variables that b sets otherwise ("A, B",
 * cut to fit cap), or "the variables" when they are not as many; in buf. */
const char *changes_differ(const struct changes *a, const struct changes *b,
                           char *buf, size_t cap);

/* The failed variables, in plan order; the i-th borrowed until c is freed. */
size_t changes_nfailed(const struct changes *c);
const struct change_failure *changes_failed(const struct changes *c, size_t i);

/* The list a resolved plan yields: every variable that resolved, a
 * profile's exports in its place, superseded inline variables left out;
 * and every variable that failed. */
struct plan;
struct changes *changes_from_plan(const struct plan *p);

#endif
