/* gen.c - --watch's generations: re-reads planned, replayed, fetched or
 * carried over, and settled into changes (see gen.h). */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "changes.h"
#include "engine.h"
#include "gen.h"
#include "json.h"
#include "lease.h"
#include "log.h"
#include "mounts.h"
#include "resolve.h"
#include "status.h"
#include "util.h"
#include "vault.h"

struct kvread {
	const struct rotation_opts *o;
	struct gen *g;
	size_t i;
	int form;
};

struct gen *gen_new(struct plan *plan, struct changes *changes)
{
	struct gen *g = xcalloc(1, sizeof *g);

	g->p = *plan;
	memset(plan, 0, sizeof *plan);
	g->c = changes;
	return g;
}

void gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	plan_free(&g->p);
	changes_free(g->c);
	free(g->fetched);
	free(g);
}

/* The item that holds item i's answer in p. */
static const struct pitem *canon(const struct plan *p, size_t i)
{
	while (p->items[i].alias != NO_INDEX)
		i = p->items[i].alias;
	return &p->items[i];
}

int gen_has_lease(const struct gen *g, const char *id)
{
	size_t i;

	for (i = 0; g && i < g->p.nitems; i++)
		if (g->p.items[i].lease && strcmp(g->p.items[i].lease->id, id) == 0)
			return 1;
	return 0;
}

static void on_kv(void *ctx, const struct fetch_result *res);

static void kv_read(const struct rotation_opts *o, struct gen *g, size_t i, int form)
{
	const struct pitem *it = &g->p.items[i];
	const struct pmount *m = &g->p.mounts[it->mount];
	const char *rest = plan_rest(it);
	struct kvread *q = xcalloc(1, sizeof *q);
	char *path;

	/* as resolve.c reads a mount whose version is guessed */
	if (m->kv == 0 && form == 2 && strncmp(rest, "data/", 5) == 0)
		rest += 5;
	q->o = o;
	q->g = g;
	q->i = i;
	q->form = form;
	path = vault_kv_path(m->path, rest, form, it->version);
	fetch_set_deadline(o->f, now_ms() + o->timeout_ms);
	fetch_add(o->f, "GET", path, NULL, 0, on_kv, q);
	free(path);
}

static void on_kv(void *ctx, const struct fetch_result *res)
{
	struct kvread *q = ctx;
	struct pitem *it = &q->g->p.items[q->i];
	const struct pmount *m = &q->g->p.mounts[it->mount];
	char reason[400];
	struct error e;

	if (res->status == 200 && !vault_is_json(res)) {
		plan_fail_item(it, ST_PROTOCOL,
		               "the answer is not JSON (wrong Content-Type)");
	} else if (res->status == 200) {
		if (answer_secret(res->body, res->len, q->form, &it->doc, &e) !=
		    ST_OK)
			plan_fail_item(it, e.status, e.msg);
	} else if (m->kv == 0 && q->form == 2 && it->version == 0 &&
	           (res->status == 403 || res->status == 404)) {
		kv_read(q->o, q->g, q->i, 1);
	} else {
		plan_fail_item(it, vault_failure(res, reason, sizeof reason),
		               reason);
	}
	free(q);
}

/* Replay base's mounts and merges on g's fresh plan; 0 when the plans do
 * not match (they always should: the same manifest and environment). */
static int replay(struct gen *g, const struct gen *base)
{
	size_t i;

	if (g->p.nitems != base->p.nitems)
		return 0;
	for (i = 0; i < g->p.nitems; i++) {
		const struct pitem *b = &base->p.items[i];
		const struct pmount *bm;
		size_t mi;

		if (g->p.items[i].mount != NO_INDEX || b->mount == NO_INDEX)
			continue;
		bm = &base->p.mounts[b->mount];
		mi = mounts_add(&g->p, bm->path, bm->engine ? 1 : bm->kv, 0);
		if (bm->engine && g->p.mounts[mi].engine == NULL)
			g->p.mounts[mi].engine = xstrdup(bm->engine);
		if (mounts_assign(&g->p, i, mi) != ST_OK)
			return 0;
	}
	for (i = 0; i < g->p.nitems; i++)
		if (g->p.items[i].alias == NO_INDEX &&
		    (g->p.items[i].status != ST_OK ||
		     g->p.items[i].mount == NO_INDEX))
			return 0;
	return 1;
}

struct gen *gen_start(const struct rotation_opts *o, const struct gen *base,
                      int replace, int (*due)(void *ctx, const char *id),
                      void *ctx)
{
	struct gen *g = xcalloc(1, sizeof *g);
	struct error err;
	size_t i;

	g->replace = replace;
	plan_build(&g->p, o->m, o->environ);
	g->fetched = xcalloc(g->p.nitems + 1, 1);
	if (o->f == NULL) { /* file://: the store read again, at once */
		if (g->p.nitems > 0 &&
		    resolve_run(&g->p, o->cfg, NULL, NULL, 1, &err) != ST_OK)
			plan_fail_item(&g->p.items[0], err.status, err.msg);
		return g;
	}
	if (!replay(g, base)) {
		log_warn("re-read: the plan differs from the first one; the "
		         "command keeps its values");
		gen_free(g);
		return NULL;
	}
	for (i = 0; i < g->p.nitems; i++) {
		struct pitem *it = &g->p.items[i];
		const struct pitem *b = canon(&base->p, i);
		int engine = g->p.mounts[it->mount].engine != NULL;

		if (it->alias != NO_INDEX)
			continue;
		if ((!engine && !replace) ||
		    (engine && replace && due(ctx, plan_lease_id(b)))) {
			g->fetched[i] = 1;
			if (engine)
				engine_fetch(o->f, &g->p, i, NULL);
			else
				kv_read(o, g, i,
				        g->p.mounts[it->mount].kv == 1 ? 1 : 2);
			continue;
		}
		it->doc = b->doc ? json_ref(b->doc) : NULL;
		it->lease = lease_dup(b->lease);
	}
	if (replace)
		fetch_set_deadline(o->f, now_ms() + o->timeout_ms);
	return g;
}

int gen_done(const struct gen *g)
{
	size_t i;

	for (i = 0; i < g->p.nitems; i++)
		if (g->fetched[i] && g->p.items[i].doc == NULL &&
		    g->p.items[i].status == ST_OK)
			return 0;
	return 1;
}

int gen_settle(struct gen *g, int file)
{
	char where[300];
	size_t i;

	for (i = 0; i < g->p.nitems; i++) {
		const struct pitem *it = &g->p.items[i];

		if (it->alias == NO_INDEX && it->status != ST_OK) {
			log_warn("re-read of %s failed (%s); the command keeps "
			         "its values",
			         it->path, it->reason ? it->reason : "?");
			return -1;
		}
	}
	/* (file://: resolve_run has applied the selectors already) */
	if ((file ? resolve_settle(&g->p) : resolve_select(&g->p)) != ST_OK) {
		for (i = 0; i < g->p.nvars; i++)
			if (g->p.vars[i].status != ST_OK)
				break;
		if (i < g->p.nvars)
			log_warn("re-read: %s: %s: %s; the command keeps its "
			         "values",
			         plan_where(&g->p, &g->p.vars[i], where,
			                    sizeof where),
			         g->p.vars[i].name,
			         plan_var_reason(&g->p.vars[i]));
		return -1;
	}
	g->c = changes_from_plan(&g->p);
	return 0;
}
