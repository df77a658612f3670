/* profile.h - a typed connection secret -> the variables its clients read.
 *
 * Pure: a secret object in, NAME/value pairs out; fetching the secret and
 * putting the values into the environment (or a memfd) is the caller's job.
 */
#ifndef VAULTRUN_PROFILE_H
#define VAULTRUN_PROFILE_H

#include <stddef.h>

#include "json.h"
#include "secret.h"
#include "status.h"

/* One variable a profile exports.  With is_file set, the value goes into a
 * sealed memfd and the variable names /dev/fd/N (mysql's option file). */
struct pexport {
	char *name; /* e.g. "PGHOST" */
	struct secret value;
	int is_file;
};

/* Compute the variables a profile exports from its secret object obj
 * (already narrowed by the #/pointer, if any).
 *
 * name is the profile's section name; type its `type =`, or NULL to use
 * obj's own "type" field; prefix its `prefix =` (used as written), or NULL
 * for name upper-cased with '-' turned into '_'; both as the manifest
 * checked them.  ftp, http and generic export every field as
 * PREFIX_FIELD, the field upper-cased and other bytes than [A-Z0-9_] made
 * '_'.  Fields are read from obj's top level, or from obj.details when that
 * is an object (details wins, in the top-level field's place); "type" is
 * never a field.  An empty or null field counts as absent where a type
 * names it: its default applies.
 *
 * On success *out (owned by the caller, release with profile_free_exports)
 * holds *n exports in a stable order.  Errors are ST_DATA naming the profile
 * and the field, never a value: "profile NAME: unknown type 'x'",
 * "... no type (...)", "... missing required field 'host'", "... field 'f'
 * holds a NUL byte", a line break in a mysql option-file value, or two
 * fields that give the same variable. */
int profile_export(const char *name, const char *type, const char *prefix,
                   const struct jdoc *obj, struct pexport **out, size_t *n,
                   struct error *err);

/* Wipe the values and free the array (e may be NULL). */
void profile_free_exports(struct pexport *e, size_t n);

/* The profile types (one table, in profile.c): is name one of them, and
 * their names for messages ("postgres, mysql, ... or generic"). */
int profile_type_known(const char *name);
const char *profile_type_names(void);

#endif
