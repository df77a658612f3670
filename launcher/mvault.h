/* mvault.h - the manifest's [vault] keys: their names, their checks, and
 * the ${NAME} expansion of their values (manifest_expand_vault).
 */
#ifndef VAULTRUN_MVAULT_H
#define VAULTRUN_MVAULT_H

#include "manifest.h"

/* Set [vault] name = value, written at line: ST_OK, or ST_CONFIG
 * "file:line: ..." for an unknown or repeated key or a bad value. */
int mvault_set(struct manifest *m, const char *name, const char *value,
               unsigned line, struct error *err);

/* Wipe and free every [vault] value. */
void mvault_free(struct manifest *m);

#endif
