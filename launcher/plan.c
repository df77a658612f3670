/* plan.c - variables, references and distinct reads, before any traffic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "engine.h"
#include "map.h"
#include "plan.h"
#include "util.h"

#define INLINE_PREFIX "vault:"

/* An index of items by what they read: the slots hold the item's number
 * and the hash, the key is the item's own fields (nothing copied, no key
 * built). */
struct islot {
	uint32_t item; /* index + 1; 0: empty */
	uint32_t hash;
};

struct itable {
	struct islot *slots;
	size_t cap, used; /* cap: 0 or a power of two, over twice used */
};

/* The plan's indexes live beside it, keyed by the plan's address: the public
 * struct stays plain data. */
struct index {
	struct itable items; /* (path, version), while plan_build plans */
	struct itable reads; /* (mount, rest, version), until plan_settled */
	int settled;
	size_t vars_cap, items_cap; /* room in plan.vars and plan.items */
	struct map *mounts;         /* "path" -> mount */
	struct arena *refs; /* the variables' references but paths alone (not
	                     * their pieces'), inline variables' names */
};

static struct index *ix(struct plan *p)
{
	return (struct index *)p->index;
}

/* Room for n items in t. */
static void table_reserve(struct itable *t, size_t n)
{
	struct islot *old = t->slots;
	size_t i, j, cap = t->cap ? t->cap : 64, oldcap = t->cap;

	while (2 * (n + 1) > cap)
		cap *= 2;
	if (cap == oldcap)
		return;
	t->slots = xcalloc(cap, sizeof *t->slots);
	t->cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i].item == 0)
			continue;
		for (j = old[i].hash & (cap - 1); t->slots[j].item;
		     j = (j + 1) & (cap - 1))
			;
		t->slots[j] = old[i];
	}
	free(old);
}

static void table_free(struct itable *t)
{
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* The item of hash h that same() matches with key, else NO_INDEX after
 * recording item i (the next to be added, or one being indexed) there. */
static size_t table_find_or_add(struct plan *p, struct itable *t, uint32_t h,
                                int (*same)(const struct pitem *, const void *),
                                const void *key, size_t i)
{
	size_t k;

	if (2 * (t->used + 2) > t->cap)
		table_reserve(t, t->used + 1);
	for (k = h & (t->cap - 1); t->slots[k].item; k = (k + 1) & (t->cap - 1))
		if (t->slots[k].hash == h &&
		    same(&p->items[t->slots[k].item - 1], key))
			return t->slots[k].item - 1;
	t->slots[k].item = (uint32_t)i + 1;
	t->slots[k].hash = h;
	t->used++;
	return NO_INDEX;
}

/* v's extension, made when first needed. */
static struct pext *var_ext(struct pvar *v)
{
	if (v->ext == NULL)
		v->ext = xcalloc(1, sizeof *v->ext);
	return v->ext;
}

void plan_fail_var(struct pvar *v, int status, const char *reason)
{
	if (v->status != ST_OK)
		return;
	v->status = status;
	var_ext(v)->reason = xstrdup(reason);
}

void plan_unfail_var(struct pvar *v)
{
	v->status = ST_OK;
	if (v->ext) {
		free(v->ext->reason);
		v->ext->reason = NULL;
	}
}

void plan_fail_item(struct pitem *it, int status, const char *reason)
{
	if (it->status != ST_OK)
		return;
	it->status = status;
	it->reason = xstrdup(reason);
}

void plan_fail_item_shared(struct plan *p, struct pitem *it, int status,
                           const char *cause, const char *reason)
{
	size_t i;

	if (it->status != ST_OK)
		return;
	for (i = 0; i < p->nshared && strcmp(p->shared[i], cause) != 0; i++)
		;
	if (i == p->nshared) {
		p->shared = xgrow(p->shared, p->nshared, sizeof *p->shared);
		p->shared[p->nshared++] = xstrdup(cause);
	}
	plan_fail_item(it, status, reason);
	if (i < PLAN_SHARED_MAX)
		it->shared = (unsigned)i + 1;
}

struct pitem *plan_item(struct plan *p, const struct pvar *v)
{
	return plan_item_at(p, v->item);
}

const char *plan_selector(const struct pvar *v)
{
	const char *hash = strchr(v->reftext, '#');

	if (v->sel == SEL_WHOLE)
		return NULL;
	return hash ? hash + 1 : v->section == MS_PROFILE ? "" : "value";
}

const char *plan_var_reason(const struct pvar *v)
{
	return v->ext ? v->ext->reason : NULL;
}

const char *plan_rest(const struct pitem *it)
{
	return it->rest_at ? it->path + it->rest_at : NULL;
}

const char *plan_lease_id(const struct pitem *it)
{
	return it->lease ? it->lease->id : NULL;
}

struct template *plan_template(const struct pvar *v)
{
	return v->ext ? v->ext->tpl : NULL;
}

struct pitem *plan_item_at(struct plan *p, size_t i)
{
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

int plan_mount_kind(const struct plan *p, const struct pitem *it)
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

	table_reserve(t, p->nitems);
	for (k = 0; k < p->nitems; k++)
		if (k != i && p->items[k].rest_at)
			table_find_or_add(p, t, read_hash(&p->items[k]),
			                  same_read, &p->items[k], k);
}

int plan_assign(struct plan *p, size_t i, size_t mi)
{
	struct pitem *it = &p->items[i];
	const struct pmount *m = &p->mounts[mi];
	const char *rest = below(it->path, m->path);
	struct index *x = ix(p);
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
	switch (engine_action(plan_mount_kind(p, it), it->request != NULL,
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
	j = table_find_or_add(p, &x->reads, read_hash(it), same_read, it, i);
	if (j != NO_INDEX && j != i)
		it->alias = j;
	return ST_OK;
}

void plan_settled(struct plan *p)
{
	table_free(&ix(p)->reads);
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

const char *plan_where(const struct plan *p, const struct pvar *v, char *buf,
                       size_t cap)
{
	if (v->is_inline)
		return "environment";
	snprintf(buf, cap, "%s:%u", p->file, v->line);
	return buf;
}

static uint32_t item_hash(const struct ref *r)
{
	return (uint32_t)(hash_bytes(r->path, strlen(r->path)) ^
	                  r->version * 0x9e3779b97f4a7c15u);
}

static int same_ref(const struct pitem *it, const void *key)
{
	const struct ref *r = key;

	return it->version == r->version && strcmp(it->path, r->path) == 0;
}

/* The item that reads r's (path, version): found, or added. */
static size_t ref_item(struct plan *p, const struct ref *r)
{
	struct index *x = ix(p);
	struct pitem *it;
	size_t i = table_find_or_add(p, &x->items, item_hash(r), same_ref, r,
	                             p->nitems);

	if (i != NO_INDEX)
		return i;
	p->items = xroom(p->items, p->nitems, &x->items_cap, sizeof *p->items);
	it = &p->items[p->nitems++];
	memset(it, 0, sizeof *it);
	it->path = r->path;
	it->version = r->version;
	it->mount = NO_INDEX;
	it->alias = NO_INDEX;
	return p->nitems - 1;
}

/* A composed value: each reference piece is parsed and planned like any
 * other reference, sharing reads with every other variable. */
static void add_pieces(struct plan *p, struct pvar *v)
{
	struct pext *x = var_ext(v);
	struct error err;
	char reason[sizeof err.msg + 220];
	size_t i, n;

	if (template_parse(v->reftext, &x->tpl, &err) != ST_OK) {
		plan_fail_var(v, err.status, err.msg);
		return;
	}
	n = template_count(x->tpl);
	x->pieces = xcalloc(n ? n : 1, sizeof *x->pieces);
	for (i = 0; i < n; i++) {
		const struct tpiece *tp = template_piece(x->tpl, i);
		struct ppiece *pc = &x->pieces[i];

		pc->item = NO_INDEX;
		if (!tp->is_ref)
			continue;
		if (ref_parse(tp->text, &pc->ref, &err) != ST_OK) {
			snprintf(reason, sizeof reason, "${%.200s}: %s",
			         tp->text, err.msg);
			plan_fail_var(v, err.status, reason);
			return;
		}
		pc->item = ref_item(p, &pc->ref);
	}
}

static struct pvar *add_var(struct plan *p, const char *name, const char *ref,
                            unsigned line, enum msection section, int is_inline)
{
	struct pvar *v;
	struct ref r;
	struct error err;

	p->vars = xroom(p->vars, p->nvars, &ix(p)->vars_cap, sizeof *p->vars);
	v = &p->vars[p->nvars++];
	memset(v, 0, sizeof *v);
	v->name = name;
	v->reftext = ref;
	v->line = line;
	v->section = section;
	v->is_inline = is_inline != 0;
	v->item = NO_INDEX;
	if (!is_inline && section != MS_PROFILE && template_is(ref)) {
		add_pieces(p, v);
		return v;
	}
	/* The path, in the plan's arena (or ref itself), becomes the item's;
	 * the selector is found again in ref (plan_selector). */
	if (ref_parse_in(ref, !is_inline, &r, ix(p)->refs, &err) != ST_OK) {
		plan_fail_var(v, err.status, err.msg);
		return v;
	}
	v->sel = r.sel;
	/* A profile reads a whole secret, or the object a pointer names. */
	if (section == MS_PROFILE && strchr(ref, '#') == NULL) {
		v->sel = SEL_POINTER; /* "" */
	} else if (section == MS_PROFILE && r.sel != SEL_POINTER) {
		plan_fail_var(v, ST_CONFIG,
		              "from: a profile takes a whole secret or a #/pointer "
		              "into it, not a key");
		return v;
	}
	v->item = ref_item(p, &r);
	return v;
}

/* Manifest variables and profiles, in line order: the exit status is that of
 * the first failure in manifest order. */
static void add_manifest(struct plan *p, const struct manifest *m)
{
	size_t i = 0, j = 0;

	while (i < m->nvars || j < m->nprofiles) {
		if (j == m->nprofiles ||
		    (i < m->nvars && m->vars[i].line < m->profiles[j].line)) {
			const struct mvar *mv = &m->vars[i++];
			struct pvar *v = add_var(p, mv->name, mv->ref, mv->line,
			                         mv->section, 0);

			if (mv->fallback)
				var_ext(v)->fallback = mv->fallback;
		} else {
			const struct mprofile *mp = &m->profiles[j++];
			struct pext *x = var_ext(add_var(p, mp->name, mp->from,
			                                 mp->line, MS_PROFILE, 0));

			x->ptype = mp->type;
			x->pprefix = mp->prefix;
		}
	}
}

static int is_inline(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq && strncmp(eq + 1, INLINE_PREFIX, strlen(INLINE_PREFIX)) == 0;
}

/* Each [request PATH] is the item that reads PATH: written, not read.  One
 * that no variable selects from would be written for nothing: 78. */
static void add_requests(struct plan *p, const struct manifest *m)
{
	size_t i, k;

	for (k = 0; m && k < m->nrequests; k++) {
		const struct mrequest *rq = &m->requests[k];
		int used = 0;

		for (i = 0; i < p->nitems; i++) {
			struct pitem *it = &p->items[i];

			if (strcmp(it->path, rq->path) != 0)
				continue;
			used = 1;
			it->request = rq;
			if (it->version > 0)
				plan_fail_item(it, ST_CONFIG,
				               "?version= does not apply to a "
				               "[request] path: it is written, not "
				               "read from KV");
		}
		if (!used && p->problem.status == ST_OK)
			error_set(&p->problem, ST_CONFIG,
			          "%s:%u: [request %s] is not used: no variable "
			          "selects from it, and it would be written for "
			          "nothing",
			          m->file, rq->line, rq->path);
	}
}

/* Inherited variables holding "vault:" references, after the manifest's,
 * whatever their names.  A manifest entry of the same name replaces the
 * variable anyway. */
static void add_inline(struct plan *p, const struct manifest *m, char *const *env)
{
	struct map *names = NULL;
	size_t i, dummy = 0;
	char *const *e;

	for (e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *name;

		if (!is_inline(*e))
			continue;
		if (names == NULL) { /* only when there are inline references */
			names = map_new();
			for (i = 0; m && i < m->nvars; i++)
				map_get_or_put(names, m->vars[i].name,
				               strlen(m->vars[i].name), &dummy);
		}
		/* Whatever the name (DB-PASS, spring.datasource.password):
		 * execve does not care about shell syntax, and a reference
		 * passed on unresolved would reach the command as its value. */
		if (eq == *e || map_get(names, *e, (size_t)(eq - *e), &dummy))
			continue;
		name = arena_strndup(ix(p)->refs, *e, (size_t)(eq - *e));
		add_var(p, name, eq + 1 + strlen(INLINE_PREFIX), 0, MS_ENV, 1);
	}
	map_free(names);
}

int plan_build(struct plan *p, const struct manifest *m, char *const *env)
{
	struct index *x = xcalloc(1, sizeof *x);
	size_t i, mi;

	memset(p, 0, sizeof *p);
	p->index = x;
	p->file = m ? m->file : NULL;
	x->mounts = map_new();
	x->refs = arena_new();
	if (m && m->nvars + m->nprofiles > 0) {
		/* A variable per entry, an item per variable at most (pieces
		 * and inline ones apart): no copy or rehash on the way.  Room
		 * for items that share a path is reserved, not touched. */
		x->vars_cap = x->items_cap = m->nvars + m->nprofiles;
		p->vars = xreallocarray(NULL, x->vars_cap, sizeof *p->vars);
		p->items = xreallocarray(NULL, x->items_cap, sizeof *p->items);
		table_reserve(&x->items, m->nvars + m->nprofiles);
	}
	for (i = 0; m && i < m->nmounts; i++) {
		mi = plan_mount(p, m->mounts[i].mount,
		                m->mounts[i].dynamic ? 1 : m->mounts[i].version,
		                1);
		if (m->mounts[i].dynamic)
			p->mounts[mi].engine = xstrdup("dynamic");
	}
	if (m)
		add_manifest(p, m);
	add_inline(p, m, env);
	add_requests(p, m);
	/* Every reference is planned: the (path, version) index goes. */
	table_free(&x->items);
	/* Only [mounts] entries are known so far: without any, no lookup. */
	for (i = 0; p->nmounts > 0 && i < p->nitems; i++)
		if ((mi = declared_mount(p, p->items[i].path)) != NO_INDEX)
			plan_assign(p, i, mi);
	for (i = 0; i < p->nvars; i++)
		if (p->vars[i].status != ST_OK)
			return p->vars[i].status;
	for (i = 0; i < p->nitems; i++)
		if (p->items[i].status != ST_OK)
			return p->items[i].status;
	return p->problem.status;
}

/* What a variable holds beyond its plan. */
static void ext_free(struct pext *x)
{
	profile_free_exports(x->exports, x->nexports);
	free(x->missing);
	free(x->reason);
	if (x->tpl) {
		size_t j, n = template_count(x->tpl);

		for (j = 0; j < n; j++) {
			ref_free(&x->pieces[j].ref);
			secret_wipe(&x->pieces[j].value);
		}
		template_free(x->tpl);
	}
	free(x->pieces);
	free(x);
}

static void var_free(struct pvar *v)
{
	secret_wipe(&v->value);
	if (v->ext)
		ext_free(v->ext);
}

static void item_free(struct pitem *it)
{
	free(it->reason);
	json_free(it->doc);
	lease_free(it->lease);
}

void plan_free(struct plan *p)
{
	size_t i;
	struct index *x = ix(p);

	/* Most variables and items hold nothing of their own by now (a
	 * failed or unresolved run, values moved out): 100,000 of them pass
	 * without six calls each.  Every pointer var_free and item_free
	 * release is tested here. */
	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];

		if (v->value.p || v->ext)
			var_free(&p->vars[i]);
	}
	for (i = 0; i < p->nitems; i++) {
		const struct pitem *it = &p->items[i];

		if (it->reason || it->doc || it->lease)
			item_free(&p->items[i]);
	}
	for (i = 0; i < p->nmounts; i++) {
		free(p->mounts[i].path);
		free(p->mounts[i].engine);
	}
	for (i = 0; i < p->nshared; i++)
		free(p->shared[i]);
	free(p->shared);
	free(p->vars);
	free(p->items);
	free(p->mounts);
	if (x) {
		table_free(&x->items);
		table_free(&x->reads);
		map_free(x->mounts);
		arena_free(x->refs);
		free(x);
	}
	memset(p, 0, sizeof *p);
}
