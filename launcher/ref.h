/* ref.h - the reference grammar: [mount/]path[?version=N][#selector].
 *
 * A pure parser: no I/O, no knowledge of mounts.  Which leading segments
 * form the mount is decided later (mounts.c), from [mounts] or from Vault.
 */
#ifndef VAULTRUN_REF_H
#define VAULTRUN_REF_H

#include "status.h"

enum sel_kind {
	SEL_KEY, /* no selector ("value") or #key: a top-level key, literal */
	SEL_POINTER, /* #/a/b: an RFC 6901 JSON Pointer */
	SEL_WHOLE,   /* #*: the whole secret as compact JSON */
};

struct ref {
	const char *path;      /* logical path, segments joined by '/' */
	unsigned long version; /* ?version=N, 0 when absent */
	enum sel_kind sel;
	const char *selector; /* key, or pointer with its leading '/'; NULL
	                       * for SEL_WHOLE; in path's block (or a
	                       * constant): never freed on its own */
};

/* Parse text into r (owned by the caller; release with ref_free).
 * Errors are ST_CONFIG with a message naming the problem, e.g.
 * "empty path segment", "'..' segment", "version must be an integer >= 1",
 * "invalid JSON Pointer escape '~2'".  On error r is left empty. */
int ref_parse(const char *text, struct ref *r, struct error *err);

/* The same, with r's path copied into a (released with it: no ref_free)
 * or, for a path alone (no '?' or '#'), text itself; the selector is the
 * end of text (or a constant "value"): text must outlive r.  With
 * from_manifest, text is a manifest value, whose line mreader.c has
 * checked: of the control bytes only a tab is left to look for. */
struct arena;
int ref_parse_in(const char *text, int from_manifest, struct ref *r,
                 struct arena *a, struct error *err);

void ref_free(struct ref *r);

/* Validate an RFC 6901 pointer ("" or "/..." with ~0 ~1 escapes only). */
int ref_pointer_valid(const char *ptr);

#endif
