/* mounts.c - the plan's mounts, and the reads' identity: which items read
 * the same secret once their mounts are known. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "map.h"
#include "mounts.h"
#include "planix.h"
#include "util.h"

size_t mounts_add(struct plan *p, const char *path, int kv, int declared)
{
	size_t mi = p->nmounts;

	if (map_get_or_put(ix(p)->mounts, path, strlen(path), &mi))
		return mi;
	p->mounts = xgrow(p->mounts, p->nmounts, sizeof *p->mounts);
	p->mounts[mi].path = xstrdup(path);
	p->mounts[mi].kv = kv;
	p->mounts[mi].declared = declared;
	p->mounts[mi].engine = NULL;
	p->nmounts++;
	return mi;
}

/* Is path below mount (segment-aligned)?  Returns the rest or NULL. */
static const char *below(const char *path, const char *mount)
{
	size_t n = strlen(mount);

	if (strncmp(path, mount, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

int mounts_kind(const struct plan *p, const struct pitem *it)
{
	const struct pmount *m;

	if (it->mount == NO_INDEX)
		return MK_UNKNOWN;
	m = &p->mounts[it->mount];
	if (m->engine)
		return MK_ENGINE;
	return m->kv == 1 ? MK_KV1 : m->kv == 2 ? MK_KV2 : MK_GUESS;
}

/* What engine_action refuses, said for this item and mount. */
static int refuse(struct pitem *it, const struct pmount *m, int action)
{
	char reason[400];

	if (action == RA_BAD_REQUEST)
		snprintf(reason, sizeof reason,
		         "[request %.100s] (line %u) is on '%.100s', a KV v%d "
		         "mount: KV secrets are read, not requested",
		         it->path, it->request->line, m->path, m->kv);
	else if (m->engine)
		snprintf(reason, sizeof reason,
		         "?version= needs a KV v2 mount, and '%.100s' is not KV "
		         "(%.40s): its paths are read as written",
		         m->path, m->engine);
	else
		snprintf(reason, sizeof reason,
		         "?version= needs a KV v2 mount, and '%.100s' is KV v1",
		         m->path);
	plan_fail_item(it, ST_CONFIG, reason);
	return ST_CONFIG;
}

static uint32_t read_hash(const struct pitem *it)
{
	const char *rest = plan_rest(it);

	return (uint32_t)(hash_bytes(rest, strlen(rest)) ^
	                  it->mount * 0x9e3779b97f4a7c15u ^
	                  it->version * 0xc2b2ae3d27d4eb4fu);
}

/* Does a read the same secret as item b (key)? */
static int same_read(const struct pitem *a, const void *key)
{
	const struct pitem *b = key;

	return a->mount == b->mount && a->version == b->version &&
	       strcmp(plan_rest(a), plan_rest(b)) == 0;
}

/* Index the reads of the items assigned so far but item i (all distinct:
 * none is in the API form), with room for every item. */
static void index_reads(struct plan *p, size_t i)
{
	struct itable *t = &ix(p)->reads;
	size_t k;

	itable_reserve(t, p->nitems);
	for (k = 0; k < p->nitems; k++)
		if (k != i && p->items[k].rest_at)
			itable_find_or_add(p, t, read_hash(&p->items[k]),
			                   same_read, &p->items[k], k);
}

int mounts_assign(struct plan *p, size_t i, size_t mi)
{
	struct pitem *it = &p->items[i];
	const struct pmount *m = &p->mounts[mi];
	const char *rest = below(it->path, m->path);
	struct planix *x = ix(p);
	char reason[300];
	size_t j;
	int api_form = 0;

	it->mount = mi;
	if (rest == NULL) {
		snprintf(reason, sizeof reason,
		         "'%.100s' names the mount '%.100s', not a secret below it",
		         it->path, m->path);
		plan_fail_item(it, ST_CONFIG, reason);
		return ST_CONFIG;
	}
	switch (engine_action(mounts_kind(p, it), it->request != NULL,
	                      it->version)) {
	case RA_BAD_REQUEST:
		return refuse(it, m, RA_BAD_REQUEST);
	case RA_BAD_VERSION:
		return refuse(it, m, RA_BAD_VERSION);
	default:
		break;
	}
	if (m->kv == 2 && !m->engine && strncmp(rest, "data/", 5) == 0) {
		rest += 5; /* the API form, secret/data/app, is secret/app */
		api_form = 1;
	}
	it->rest_at = (uint32_t)(rest - it->path);
	/* The same secret written two ways (secret/app, secret/data/app) is read
	 * once: the later item becomes an alias of the first.  Items of distinct
	 * paths read the same only when one is in the API form: until the
	 * first such, no index. */
	if (x->settled || (x->reads.cap == 0 && !api_form))
		return ST_OK;
	if (x->reads.cap == 0)
		index_reads(p, i);
	j = itable_find_or_add(p, &x->reads, read_hash(it), same_read, it, i);
	if (j != NO_INDEX && j != i)
		it->alias = j;
	return ST_OK;
}

void mounts_settled(struct plan *p)
{
	itable_free(&ix(p)->reads);
	ix(p)->settled = 1;
}

/* The longest [mounts] entry that is a segment-aligned prefix of path. */
static size_t declared_mount(struct plan *p, const char *path)
{
	size_t n = strlen(path), mi;

	while (n > 0) {
		while (n > 0 && path[n] != '/')
			n--;
		if (n == 0)
			break;
		if (map_get(ix(p)->mounts, path, n, &mi) && p->mounts[mi].declared)
			return mi;
		n--;
	}
	return NO_INDEX;
}

void mounts_declare(struct plan *p, const struct manifest *m)
{
	size_t i, mi;

	for (i = 0; m && i < m->nmounts; i++) {
		mi = mounts_add(p, m->mounts[i].mount,
		                m->mounts[i].dynamic ? 1 : m->mounts[i].version,
		                1);
		if (m->mounts[i].dynamic)
			p->mounts[mi].engine = xstrdup("dynamic");
	}
}

void mounts_assign_declared(struct plan *p)
{
	size_t i, mi;

	/* Only [mounts] entries are known so far: without any, no lookup. */
	for (i = 0; p->nmounts > 0 && i < p->nitems; i++)
		if ((mi = declared_mount(p, p->items[i].path)) != NO_INDEX)
			mounts_assign(p, i, mi);
}
