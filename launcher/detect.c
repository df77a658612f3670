/* detect.c - KV mount detection: the items whose mount is unknown are
 * grouped by first path segment, one preflight (sys/internal/ui/mounts)
 * answers for a group, and alongside it the reads go out speculatively in
 * the form most mounts need (first segment, KV v2) when the token's uses
 * allow it.  What the preflight says hands each item to resolve.c's reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "engine.h"
#include "log.h"
#include "map.h"
#include "mounts.h"
#include "resolver.h"
#include "util.h"
#include "vault.h"

static void on_preflight(void *ctx, const struct fetch_result *res);

static void preflight(struct resolver *r, size_t g)
{
	const struct group *gr = &r->groups[g];
	char *path = vault_mounts_path(r->p->items[gr->pending[0]].path);

	fetch_add(r->f, "GET", path, NULL, 0, on_preflight, rs_req_new(r, g, 0));
	free(path);
}

/* Is path the mount itself or below it? */
static int under(const char *path, const char *mount)
{
	size_t n = strlen(mount);

	return strncmp(path, mount, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void detected(struct resolver *r, struct group *g, const char *mount,
                     int kv, const char *engine)
{
	size_t mi = mounts_add(r->p, mount, engine ? 1 : kv, 0), i, n = 0,
	       left = 0;
	size_t *order = xcalloc(g->npending, sizeof *order);
	size_t *rest = xcalloc(g->npending, sizeof *rest);
	struct batch *b = rs_batch_new(r, g->npending);
	/* Speculation guessed the first segment and KV v2. */
	int valid;

	if (engine && r->p->mounts[mi].engine == NULL && !r->p->mounts[mi].declared)
		r->p->mounts[mi].engine = xstrdup(engine);
	valid = strcmp(mount, g->first) == 0 && r->p->mounts[mi].kv == 2 &&
	        !r->p->mounts[mi].engine;
	if (r->p->mounts[mi].engine)
		log_info("mount %s/: %s, not KV (detected): paths read as written",
		         mount, r->p->mounts[mi].engine);
	else
		log_info("mount %s/: KV v%d (detected)", mount,
		         r->p->mounts[mi].kv);
	/* Items read speculatively go first: where two spellings of a secret
	 * merge, the one whose read is already under way is the one kept.  The
	 * order is fixed before any of them is handled, since handling one
	 * changes its speculation state. */
	for (i = 0; i < g->npending; i++)
		if (r->spec[g->pending[i]] != SPEC_NONE)
			order[n++] = g->pending[i];
	for (i = 0; i < g->npending; i++)
		if (r->spec[g->pending[i]] == SPEC_NONE)
			order[n++] = g->pending[i];
	for (i = 0; i < n; i++) {
		size_t it = order[i];

		if (under(r->p->items[it].path, mount)) {
			if (rs_assign(r, it, mi, valid))
				rs_batch_add(b, it);
		} else if (it == g->pending[0]) /* the path asked about is under it */
			rs_fail_item(r, it, ST_PROTOCOL,
			             "mount detection named a mount that does not "
			             "hold this path");
		else
			rest[left++] = it;
	}
	free(order);
	rs_batch_send(b);
	/* The others ask again, about the first of them.  The group's first
	 * list stays: its speculative reads are made from it as they go out. */
	for (i = 0; i < left; i++)
		rs_spec_use(r, rest[i], 0);
	if (g->pending != g->all)
		free(g->pending);
	g->pending = left ? xreallocarray(rest, left, sizeof *rest) : NULL;
	g->npending = left;
	if (left == 0)
		free(rest);
}

static void on_preflight(void *ctx, const struct fetch_result *res)
{
	struct req *q = ctx;
	struct resolver *r = q->r;
	struct group *g = &r->groups[q->idx];
	char reason[600], *mount = NULL, type[64];
	struct error e;
	size_t i;
	int kv, st;

	free(q);
	g->answered = 1;
	if (res->status == 200 && vault_is_json(res) &&
	    answer_mount(res->body, res->len, &mount, &kv, &e) == ST_OK) {
		int engine = answer_mount_engine(res->body, res->len, type,
		                                 sizeof type);

		detected(r, g, mount, kv, engine ? type : NULL);
		free(mount);
		if (g->npending > 0)
			preflight(r, (size_t)(g - r->groups));
		return;
	}
	if (res->status == 403 || res->status == 404) {
		/* Vault answers 403 for no access and for no mount alike; guess the
		 * first segment and find the version by reading. */
		size_t mi = mounts_add(r->p, g->first, 0, 0);
		struct batch *b = rs_batch_new(r, g->npending);

		log_info("mount %s/: detection refused (HTTP %ld); trying KV v2, then v1",
		         g->first, res->status);
		/* The speculative v2 read is the guess's first step.  A
		 * [request] is not written to a mount nobody named. */
		for (i = 0; i < g->npending; i++) {
			if (r->p->items[g->pending[i]].request) {
				char why[300];

				st = vault_failure(res, why, sizeof why);
				snprintf(reason, sizeof reason,
				         "mount detection: %s; a [request] is "
				         "written only to a mount known not to be "
				         "KV: name it in [mounts] as dynamic",
				         why);
				rs_fail_item(r, g->pending[i], st, reason);
				continue;
			}
			if (rs_assign(r, g->pending[i], mi, 1))
				rs_batch_add(b, g->pending[i]);
		}
		rs_batch_send(b);
		g->npending = 0;
		return;
	}
	if (res->status == 200) {
		st = ST_PROTOCOL;
		snprintf(reason, sizeof reason, "mount detection: %s",
		         vault_is_json(res) ? e.msg : "the answer is not JSON");
	} else {
		char why[300];

		st = vault_failure(res, why, sizeof why);
		snprintf(reason, sizeof reason, "mount detection: %s", why);
	}
	for (i = 0; i < g->npending; i++)
		rs_fail_answer(r, g->pending[i], st, reason, res);
	g->npending = 0;
}

enum speculation resolve_speculation(int would, int uses_known, long uses)
{
	if (!would)
		return SPECULATE_NO;
	if (!uses_known)
		return SPECULATE_ASK;
	return uses == 0 ? SPECULATE_YES : SPECULATE_NO;
}

/* Would item i be read speculatively?  Paths written in the API form
 * (mount/data/...) are left to the preflight: two spellings of one secret
 * must not both be read. */
static int speculable(const struct resolver *r, const struct group *g, size_t i)
{
	const struct pitem *it = &r->p->items[i];
	const char *rest = it->path + strlen(g->first);

	/* Never a [request]: engine_action says what may go out early. */
	return *rest == '/' && strncmp(rest + 1, "data/", 5) != 0 &&
	       strcmp(rest + 1, "data") != 0 &&
	       engine_action(MK_UNKNOWN, it->request != NULL, it->version) ==
	               RA_SPECULATE;
}

/* Make group ctx's next speculative read, as it can start: read its next
 * speculable item as if its first segment were a KV v2 mount. */
static void speculate_next(void *ctx, size_t k)
{
	struct group *g = ctx;
	struct resolver *r = g->r;
	const struct pitem *it;
	struct req *q;
	size_t i;
	char *path;

	(void)k;
	while (g->spec_next < g->nall && !speculable(r, g, g->all[g->spec_next]))
		g->spec_next++;
	if (g->spec_next == g->nall)
		return;
	i = g->all[g->spec_next++];
	it = &r->p->items[i];
	q = rs_req_new(r, i, 2);
	q->speculative = 1;
	path = vault_kv_path(g->first, it->path + strlen(g->first) + 1, 2,
	                     it->version);
	fetch_add(r->f, "GET", path, NULL, 0, rs_on_read, q);
	free(path);
}

/* Read group g's speculable items speculatively (before any preflight of
 * it has answered): each is sent while its state is SPEC_SENT, but made
 * only as it can start, a thousand reads being what -j lets go at once. */
static void speculate(struct resolver *r, struct group *g)
{
	size_t i, n = 0;

	for (i = 0; i < g->nall; i++)
		if (speculable(r, g, g->all[i])) {
			r->spec[g->all[i]] = SPEC_SENT;
			n++;
		}
	fetch_add_lazily(r->f, n, speculate_next, g);
}

/* lookup-self answered: the handed token's uses decide whether the groups
 * still waiting for their preflight are read speculatively after all. */
static void on_lookup(void *ctx, const struct fetch_result *res)
{
	struct resolver *r = ctx;
	long uses = -1; /* unknown: as if limited */
	size_t g;

	if (res->status != 200 || !vault_is_json(res) ||
	    answer_int(res->body, res->len, "/data/num_uses", &uses) != 0)
		uses = -1;
	r->speculation = resolve_speculation(1, 1, uses);
	log_info("token: %s", uses == 0 ? "unlimited uses" :
	                      uses > 0  ? "limited uses: no speculative reads" :
	                                  "uses unknown: no speculative reads");
	if (r->speculation != SPECULATE_YES)
		return;
	for (g = 0; g < r->ngroups; g++)
		if (!r->groups[g].answered)
			speculate(r, &r->groups[g]);
}

/* Group the items whose mount is unknown and send one preflight per group,
 * with speculative reads when the token's uses allow them. */
void rs_detect_mounts(struct resolver *r)
{
	struct plan *p = r->p;
	struct map *byfirst = map_new();
	size_t i, g;
	long uses = 0;
	int would = 0, known;

	for (i = 0; i < p->nitems; i++) {
		const struct pitem *it = &p->items[i];
		const char *slash;
		size_t n;

		if (it->mount != NO_INDEX || it->status != ST_OK ||
		    it->alias != NO_INDEX)
			continue;
		slash = strchr(it->path, '/');
		n = slash ? (size_t)(slash - it->path) : strlen(it->path);
		g = r->ngroups;
		if (!map_get_or_put(byfirst, it->path, n, &g)) {
			r->groups = xgrow(r->groups, r->ngroups, sizeof *r->groups);
			memset(&r->groups[g], 0, sizeof r->groups[g]);
			r->groups[g].r = r;
			r->groups[g].first = xstrndup(it->path, n);
			r->ngroups++;
		}
		r->groups[g].all = xgrow(r->groups[g].all, r->groups[g].nall,
		                         sizeof(size_t));
		r->groups[g].all[r->groups[g].nall++] = i;
	}
	map_free(byfirst);
	for (g = 0; g < r->ngroups; g++) {
		r->groups[g].pending = r->groups[g].all;
		r->groups[g].npending = r->groups[g].nall;
		for (i = 0; i < r->groups[g].nall; i++)
			would |= speculable(r, &r->groups[g], r->groups[g].all[i]);
	}
	known = auth_known_uses(r->a, &uses);
	r->speculation = resolve_speculation(would, known, uses);
	if (r->speculation == SPECULATE_ASK)
		fetch_add(r->f, "GET", "auth/token/lookup-self", NULL, 0,
		          on_lookup, r);
	else if (would && r->speculation == SPECULATE_NO)
		log_info("token: limited uses: no speculative reads");
	for (g = 0; g < r->ngroups; g++) {
		preflight(r, g);
		if (r->speculation == SPECULATE_YES)
			speculate(r, &r->groups[g]);
	}
}
