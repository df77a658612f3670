/* store.h - file:// addresses: a local JSON object mapping logical paths to
 * secrets, read instead of Vault.
 */
#ifndef VAULTRUN_STORE_H
#define VAULTRUN_STORE_H

#include "plan.h"
#include "status.h"

/* Give each item of p that is to be read its secret from the store at path
 * (it->doc), or fail the item: ST_NOINPUT for a path not in the store,
 * ST_CONFIG for ?version=.  Returns ST_OK, or ST_CONFIG (ST_OSERR) with err
 * filled when the store is not a readable JSON object of objects. */
int store_resolve(struct plan *p, const char *path, struct error *err);

#endif
