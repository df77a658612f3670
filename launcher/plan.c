/* plan.c - variables, references and distinct reads, before any traffic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "map.h"
#include "mounts.h"
#include "plan.h"
#include "planix.h"
#include "util.h"

#define INLINE_PREFIX "vault:"

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
	struct planix *x = ix(p);
	struct pitem *it;
	size_t i = itable_find_or_add(p, &x->items, item_hash(r), same_ref, r,
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
	struct planix *x = xcalloc(1, sizeof *x);
	size_t i;

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
		itable_reserve(&x->items, m->nvars + m->nprofiles);
	}
	mounts_declare(p, m);
	if (m)
		add_manifest(p, m);
	add_inline(p, m, env);
	add_requests(p, m);
	/* Every reference is planned: the (path, version) index goes. */
	itable_free(&x->items);
	mounts_assign_declared(p);
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
	struct planix *x = ix(p);

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
		itable_free(&x->items);
		itable_free(&x->reads);
		map_free(x->mounts);
		arena_free(x->refs);
		free(x);
	}
	memset(p, 0, sizeof *p);
}
