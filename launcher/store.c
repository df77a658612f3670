/* store.c - the file:// store: one JSON object read at once. */
#include "json.h"
#include "readfile.h"
#include "secret.h"
#include "store.h"

/* Far beyond any real store; stops a runaway "file:///dev/zero". */
#define STORE_MAX (64u << 20)

int store_resolve(struct plan *p, const char *path, struct error *err)
{
	struct secret text = {NULL, 0};
	struct jdoc *store = NULL;
	size_t i;
	int rc;

	rc = readfile_private(path, "file store", STORE_MAX, &text, err);
	if (rc == ST_OK) {
		rc = json_store_load(text.p, text.len, &store, err);
		secret_wipe(&text);
	}
	if (rc != ST_OK) {
		if (rc != ST_OSERR)
			err->status = rc = ST_CONFIG;
		return rc;
	}
	for (i = 0; i < p->nitems; i++) {
		struct pitem *it = &p->items[i];
		const struct jdoc *d;

		if (it->status != ST_OK || it->alias != NO_INDEX)
			continue;
		if (it->version > 0)
			plan_fail_item(it, ST_CONFIG,
			               "?version= is not supported by the file:// store");
		else if ((d = json_store_get(store, it->path)) == NULL)
			plan_fail_item(it, ST_NOINPUT,
			               "not found in the file:// store");
		else
			it->doc = json_ref(d);
	}
	json_free(store);
	return ST_OK;
}
