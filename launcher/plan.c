/* plan.c - variables, references and distinct reads, before any traffic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "plan.h"
#include "util.h"

#define INLINE_PREFIX "vault:"

/* The plan's indexes live beside it, keyed by the plan's address: the public
 * struct stays plain data. */
struct index {
	struct map *items;  /* "path\0version" -> item */
	struct map *reads;  /* "mount\0rest\0version" -> item */
	struct map *mounts; /* "path" -> mount */
};

static struct index *ix(struct plan *p)
{
	return (struct index *)p->index;
}

void plan_fail_var(struct pvar *v, int status, const char *reason)
{
	if (v->status != ST_OK)
		return;
	v->status = status;
	v->reason = xstrdup(reason);
}

void plan_fail_item(struct pitem *it, int status, const char *reason)
{
	if (it->status != ST_OK)
		return;
	it->status = status;
	it->reason = xstrdup(reason);
}

struct pitem *plan_item(struct plan *p, const struct pvar *v)
{
	size_t i = v->item;

	if (i == NO_INDEX)
		return NULL;
	while (p->items[i].alias != NO_INDEX)
		i = p->items[i].alias;
	return &p->items[i];
}

size_t plan_mount(struct plan *p, const char *path, int kv, int declared)
{
	size_t mi = p->nmounts;

	if (map_get_or_put(ix(p)->mounts, path, strlen(path), &mi))
		return mi;
	p->mounts = xgrow(p->mounts, p->nmounts, sizeof *p->mounts);
	p->mounts[mi].path = xstrdup(path);
	p->mounts[mi].kv = kv;
	p->mounts[mi].declared = declared;
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

int plan_assign(struct plan *p, size_t i, size_t mi)
{
	struct pitem *it = &p->items[i];
	const struct pmount *m = &p->mounts[mi];
	const char *rest = below(it->path, m->path);
	char reason[300], *key;
	size_t j = i;

	it->mount = mi;
	if (rest == NULL) {
		snprintf(reason, sizeof reason,
		         "'%.100s' names the mount '%.100s', not a secret below it",
		         it->path, m->path);
		plan_fail_item(it, ST_CONFIG, reason);
		return ST_CONFIG;
	}
	if (m->kv == 2 && strncmp(rest, "data/", 5) == 0)
		rest += 5; /* the API form, secret/data/app, is secret/app */
	if (m->kv == 1 && it->version > 0) {
		snprintf(reason, sizeof reason,
		         "?version= needs a KV v2 mount, and '%.100s' is KV v1",
		         m->path);
		plan_fail_item(it, ST_CONFIG, reason);
		return ST_CONFIG;
	}
	it->rest = xstrdup(rest);
	/* The same secret written two ways (secret/app, secret/data/app) is read
	 * once: the later item becomes an alias of the first. */
	key = xasprintf("%zu\x1f%s\x1f%lu", mi, rest, it->version);
	if (map_get_or_put(ix(p)->reads, key, strlen(key), &j) && j != i)
		it->alias = j;
	free(key);
	return ST_OK;
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

static struct pvar *add_var(struct plan *p, const char *name, const char *ref,
                            char *where, enum msection section, int is_inline)
{
	struct pvar *v;
	struct error err;
	size_t i;
	char *key;

	p->vars = xgrow(p->vars, p->nvars, sizeof *p->vars);
	v = &p->vars[p->nvars++];
	memset(v, 0, sizeof *v);
	v->name = xstrdup(name);
	v->reftext = xstrdup(ref);
	v->where = where;
	v->section = section;
	v->is_inline = is_inline;
	v->item = NO_INDEX;
	if (ref_parse(ref, &v->ref, &err) != ST_OK) {
		plan_fail_var(v, err.status, err.msg);
		return v;
	}
	/* A profile reads a whole secret, or the object a pointer names. */
	if (section == MS_PROFILE && strchr(ref, '#') == NULL) {
		free(v->ref.selector);
		v->ref.sel = SEL_POINTER;
		v->ref.selector = xstrdup("");
	} else if (section == MS_PROFILE && v->ref.sel != SEL_POINTER) {
		plan_fail_var(v, ST_CONFIG,
		              "from: a profile takes a whole secret or a #/pointer "
		              "into it, not a key");
		return v;
	}
	/* References cannot hold control characters, so \x1f separates. */
	key = xasprintf("%s\x1f%lu", v->ref.path, v->ref.version);
	i = p->nitems;
	if (!map_get_or_put(ix(p)->items, key, strlen(key), &i)) {
		struct pitem *it;

		p->items = xgrow(p->items, p->nitems, sizeof *p->items);
		it = &p->items[p->nitems++];
		memset(it, 0, sizeof *it);
		it->path = xstrdup(v->ref.path);
		it->version = v->ref.version;
		it->mount = NO_INDEX;
		it->alias = NO_INDEX;
	}
	free(key);
	v->item = i;
	return v;
}

/* Manifest variables and profiles, in line order: the exit status is that of
 * the first failure in manifest order. */
static void add_manifest(struct plan *p, const struct manifest *m, struct map *names)
{
	size_t i = 0, j = 0, dummy = 0;

	while (i < m->nvars || j < m->nprofiles) {
		if (j == m->nprofiles ||
		    (i < m->nvars && m->vars[i].line < m->profiles[j].line)) {
			const struct mvar *mv = &m->vars[i++];

			add_var(p, mv->name, mv->ref,
			        xasprintf("%s:%u", m->file, mv->line),
			        mv->section, 0);
			map_get_or_put(names, mv->name, strlen(mv->name), &dummy);
		} else {
			const struct mprofile *mp = &m->profiles[j++];
			struct pvar *v = add_var(p, mp->name, mp->from,
			                         xasprintf("%s:%u", m->file,
			                                   mp->line),
			                         MS_PROFILE, 0);

			v->ptype = mp->type ? xstrdup(mp->type) : NULL;
			v->pprefix = mp->prefix ? xstrdup(mp->prefix) : NULL;
		}
	}
}

int plan_build(struct plan *p, const struct manifest *m, char *const *env)
{
	struct index *x = xcalloc(1, sizeof *x);
	struct map *names = map_new();
	size_t i, mi, dummy = 0;
	char *const *e;

	memset(p, 0, sizeof *p);
	p->index = x;
	x->items = map_new();
	x->reads = map_new();
	x->mounts = map_new();
	for (i = 0; m && i < m->nmounts; i++)
		plan_mount(p, m->mounts[i].mount, m->mounts[i].version, 1);
	if (m)
		add_manifest(p, m, names);
	for (e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *name;

		if (eq == NULL ||
		    strncmp(eq + 1, INLINE_PREFIX, strlen(INLINE_PREFIX)) != 0)
			continue;
		name = xstrndup(*e, (size_t)(eq - *e));
		/* A manifest entry of the same name replaces the variable anyway. */
		if (valid_env_name(name) &&
		    !map_get(names, name, strlen(name), &dummy))
			add_var(p, name, eq + 1 + strlen(INLINE_PREFIX),
			        xstrdup("environment"), MS_ENV, 1);
		free(name);
	}
	map_free(names);
	for (i = 0; i < p->nitems; i++)
		if ((mi = declared_mount(p, p->items[i].path)) != NO_INDEX)
			plan_assign(p, i, mi);
	for (i = 0; i < p->nvars; i++)
		if (p->vars[i].status != ST_OK)
			return p->vars[i].status;
	for (i = 0; i < p->nitems; i++)
		if (p->items[i].status != ST_OK)
			return p->items[i].status;
	return ST_OK;
}

void plan_free(struct plan *p)
{
	size_t i;
	struct index *x = ix(p);

	for (i = 0; i < p->nvars; i++) {
		free(p->vars[i].name);
		free(p->vars[i].reftext);
		free(p->vars[i].where);
		free(p->vars[i].reason);
		ref_free(&p->vars[i].ref);
		secret_wipe(&p->vars[i].value);
		free(p->vars[i].ptype);
		free(p->vars[i].pprefix);
		profile_free_exports(p->vars[i].exports, p->vars[i].nexports);
	}
	for (i = 0; i < p->nitems; i++) {
		free(p->items[i].path);
		free(p->items[i].rest);
		free(p->items[i].reason);
		json_free(p->items[i].doc);
	}
	for (i = 0; i < p->nmounts; i++)
		free(p->mounts[i].path);
	free(p->vars);
	free(p->items);
	free(p->mounts);
	if (x) {
		map_free(x->items);
		map_free(x->reads);
		map_free(x->mounts);
		free(x);
	}
	memset(p, 0, sizeof *p);
}
