/* resolve.c - login, mount detection, reads and selectors, as one flow of
 * callbacks on the fetch loop: each read starts as soon as its mount is
 * known, while other mounts are still being detected.
 *
 * Detection costs a round trip before any read, so in the common case it is
 * hidden: alongside each preflight the reads go out speculatively in the
 * form most mounts need (first segment, KV v2).  When the preflight agrees,
 * their answers are used as they are (no request added); when it does not,
 * they are dropped and read again in the right form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "engine.h"
#include "log.h"
#include "map.h"
#include "plan.h"
#include "resolve.h"
#include "select.h"
#include "store.h"
#include "util.h"
#include "vault.h"

#define NO_TOKEN                                                               \
	"no Vault token: set VAULT_TOKEN (or token_file, or write "            \
	"~/.vault-token) or a login method ([vault] auth = approle, "          \
	"kubernetes, jwt or cert)"

/* Items whose mount is unknown, grouped by their first path segment: one
 * preflight answers for the whole group in the common case. */
struct group {
	char *first;
	size_t *pending;
	size_t npending;
	int answered; /* its first preflight has answered */
};

/* A speculative read of one item, and its answer while the mount is unknown. */
enum { SPEC_NONE, SPEC_SENT, SPEC_HELD, SPEC_DROP };
struct held {                    /* an answer kept for later */
	struct fetch_result res; /* strings owned */
	struct secret body;
};

struct spec {
	int state;
	struct held *held; /* SPEC_HELD: the answer */
};

struct resolver {
	struct plan *p;
	const struct config *c;
	struct auth *a;
	struct fetcher *f;
	enum speculation speculation;
	int tokenless; /* requests go out without a token */
	struct group *groups;
	size_t ngroups;
	struct spec *spec; /* one per item */
};

struct req { /* a callback's context */
	struct resolver *r;
	size_t idx;      /* group (preflight) or item (read) */
	int form;        /* the KV form a read asks for: 1 or 2 */
	int speculative; /* sent before the mount was known */
	int v2_status;   /* fallback: the v2 form's failure ... */
	int v2_was_404;
	char *v2_reason; /* ... and its reason (heap, only then) */
};

static struct req *req_new(struct resolver *r, size_t idx, int form)
{
	struct req *q = xcalloc(1, sizeof *q);

	q->r = r;
	q->idx = idx;
	q->form = form;
	return q;
}

static void on_read(void *ctx, const struct fetch_result *res);
static void spec_forget(struct spec *s);

static void issue_read(struct resolver *r, struct req *q)
{
	const struct pitem *it = &r->p->items[q->idx];
	const struct pmount *m = &r->p->mounts[it->mount];
	const char *rest = it->rest;
	char *path;

	/* Guessing (kv 0): the v2 form drops an API-form "data/" that plan.c
	 * kept because the mount's version was unknown; the v1 form is the path
	 * exactly as written. */
	if (m->kv == 0 && q->form == 2 && strncmp(rest, "data/", 5) == 0)
		rest += 5;
	path = vault_kv_path(m->path, rest, q->form, it->version);
	fetch_add(r->f, "GET", path, NULL, 0, on_read, q);
	free(path);
}

/* The mount of item i is now known: does its speculative read stand for
 * the real one?  If valid, a held answer is replayed (or the one in flight
 * will be taken when it comes) and 1 is returned; else it is dropped. */
static int spec_use(struct resolver *r, size_t i, int valid)
{
	struct spec *s = &r->spec[i];

	if (s->state == SPEC_NONE)
		return 0;
	if (!valid) {
		if (s->state == SPEC_SENT)
			s->state = SPEC_DROP;
		else if (s->state == SPEC_HELD)
			spec_forget(s);
		return 0;
	}
	if (s->state == SPEC_HELD) {
		struct fetch_result res = s->held->res;

		s->state = SPEC_NONE;
		on_read(req_new(r, i, 2), &res);
		spec_forget(s);
	}
	return 1;
}

static void assign_and_read(struct resolver *r, size_t i, size_t mi, int spec_valid)
{
	const struct pmount *m;

	if (plan_assign(r->p, i, mi) != ST_OK || r->p->items[i].alias != NO_INDEX) {
		spec_use(r, i, 0);
		return;
	}
	m = &r->p->mounts[mi];
	if (m->engine) { /* read as written, now that the mount is known */
		spec_use(r, i, 0);
		engine_fetch(r->f, r->p, i, r->tokenless ? NO_TOKEN : NULL);
		return;
	}
	if (spec_use(r, i, spec_valid))
		return;
	issue_read(r, req_new(r, i, m->kv == 1 ? 1 : 2));
}

static void fail_item(struct resolver *r, size_t i, int st, const char *reason)
{
	if (r->spec)
		spec_use(r, i, 0);
	plan_fail_item(&r->p->items[i], st, reason);
}

/* Fail item i for the answer res (status st, reason): an address that
 * cannot be reached, or without a token a denial, is that cause, said once
 * for every variable it fails. */
static void fail_answer(struct resolver *r, size_t i, int st,
                        const char *reason, const struct fetch_result *res)
{
	char why[80], cause[700];

	if (vault_unreachable(res, cause, sizeof cause, why, sizeof why)) {
		char line[100];

		snprintf(line, sizeof line, "not read: %s", why);
		if (r->spec)
			spec_use(r, i, 0);
		plan_fail_item_shared(r->p, &r->p->items[i], st, cause, line);
		return;
	}
	if (!r->tokenless || !vault_tokenless_denial(res)) {
		fail_item(r, i, st, reason);
		return;
	}
	if (r->spec)
		spec_use(r, i, 0);
	snprintf(why, sizeof why, "not read: no Vault token (HTTP %ld)",
	         res->status);
	plan_fail_item_shared(r->p, &r->p->items[i], ST_NOPERM, NO_TOKEN, why);
}

static void read_failed(struct resolver *r, struct req *q,
                        const struct fetch_result *res)
{
	struct pitem *it = &r->p->items[q->idx];
	char reason[400];
	int st;

	if (res->status == 404 && q->form == 2) {
		switch (answer_kv404(res->body, res->len)) {
		case KV404_DELETED:
			fail_item(r, q->idx, ST_NOINPUT,
			          "version deleted (HTTP 404)");
			return;
		case KV404_DESTROYED:
			fail_item(r, q->idx, ST_NOINPUT,
			          "version destroyed (HTTP 404)");
			return;
		case KV404_INVALID_PATH:
			fail_item(r, q->idx, ST_NOINPUT,
			          "not found: not a KV v2 path (HTTP 404)");
			return;
		case KV404_MISSING:
			break;
		}
		fail_item(r, q->idx, ST_NOINPUT,
		          it->version ? "version not found (HTTP 404)" :
		                        "not found (HTTP 404)");
		return;
	}
	st = vault_failure(res, reason, sizeof reason);
	fail_answer(r, q->idx, st, reason, res);
}

static void spec_forget(struct spec *s)
{
	if (s->held) {
		free((char *)s->held->res.reason);
		free((char *)s->held->res.content_type);
		secret_wipe(&s->held->body);
		free(s->held);
	}
	memset(s, 0, sizeof *s);
}

/* Keep a speculative answer until the preflight says what it is worth. */
static void spec_hold(struct spec *s, const struct fetch_result *res)
{
	struct held *h = xcalloc(1, sizeof *h);

	s->state = SPEC_HELD;
	s->held = h;
	h->res = *res;
	h->res.method = h->res.path = NULL; /* the request's, gone after this */
	h->res.reason = res->reason ? xstrdup(res->reason) : NULL;
	h->res.content_type = res->content_type ? xstrdup(res->content_type) :
	                                          NULL;
	secret_set(&h->body, res->body, res->len);
	h->res.body = h->body.p;
}

static void on_read(void *ctx, const struct fetch_result *res)
{
	struct req *q = ctx;
	struct resolver *r = q->r;
	struct pitem *it = &r->p->items[q->idx];
	const struct pmount *m;
	struct error e;

	if (q->speculative) {
		struct spec *s = &r->spec[q->idx];
		int drop = s->state == SPEC_DROP;

		s->state = SPEC_NONE;
		if (!drop && it->mount == NO_INDEX)
			spec_hold(s, res);
		if (drop || it->mount == NO_INDEX) {
			free(q);
			return;
		}
	}
	m = &r->p->mounts[it->mount];
	if (res->status == 200) {
		if (!vault_is_json(res))
			fail_item(r, q->idx, ST_PROTOCOL,
			          "the answer is not JSON (wrong Content-Type)");
		else if (answer_secret(res->body, res->len, q->form, &it->doc,
		                       &e) != ST_OK)
			fail_item(r, q->idx, e.status, e.msg);
	} else if (m->kv == 0 && q->form == 2 && it->version == 0 &&
	           (res->status == 403 ||
	            (res->status == 404 &&
	             answer_is_bare_404(res->body, res->len)))) {
		/* Guessing: the v2 form was denied or absent; try the v1 form,
		 * remembering this answer to report if that fails too. */
		struct req *v1 = req_new(r, q->idx, 1);
		char why[256];

		v1->v2_was_404 = res->status == 404;
		v1->v2_status = vault_failure(res, why, sizeof why);
		v1->v2_reason = xstrdup(why);
		log_debug("%s: not readable as KV v2 (HTTP %ld); trying KV v1",
		          it->path, res->status);
		issue_read(r, v1);
	} else if (m->kv == 0 && q->form == 1) {
		if (res->status == 404 || q->v2_was_404)
			fail_item(r, q->idx, ST_NOINPUT, "not found (HTTP 404)");
		else
			fail_answer(r, q->idx, q->v2_status, q->v2_reason, res);
	} else {
		read_failed(r, q, res);
	}
	free(q->v2_reason);
	free(q);
}

static void on_preflight(void *ctx, const struct fetch_result *res);

static void preflight(struct resolver *r, size_t g)
{
	const struct group *gr = &r->groups[g];
	char *path = vault_mounts_path(r->p->items[gr->pending[0]].path);

	fetch_add(r->f, "GET", path, NULL, 0, on_preflight, req_new(r, g, 0));
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
	size_t mi = plan_mount(r->p, mount, engine ? 1 : kv, 0), i, n = 0,
	       left = 0;
	size_t *order = xcalloc(g->npending, sizeof *order);
	size_t *rest = xcalloc(g->npending, sizeof *rest);
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
		if (r->spec[g->pending[i]].state != SPEC_NONE)
			order[n++] = g->pending[i];
	for (i = 0; i < g->npending; i++)
		if (r->spec[g->pending[i]].state == SPEC_NONE)
			order[n++] = g->pending[i];
	for (i = 0; i < n; i++) {
		size_t it = order[i];

		if (under(r->p->items[it].path, mount))
			assign_and_read(r, it, mi, valid);
		else if (it == g->pending[0]) /* the path asked about is under it */
			fail_item(r, it, ST_PROTOCOL,
			          "mount detection named a mount that does not "
			          "hold this path");
		else
			rest[left++] = it;
	}
	free(order);
	/* The others ask again, about the first of them. */
	for (i = 0; i < left; i++)
		spec_use(r, rest[i], 0);
	memcpy(g->pending, rest, left * sizeof *rest);
	g->npending = left;
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
		size_t mi = plan_mount(r->p, g->first, 0, 0);

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
				fail_item(r, g->pending[i], st, reason);
				continue;
			}
			assign_and_read(r, g->pending[i], mi, 1);
		}
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
		fail_answer(r, g->pending[i], st, reason, res);
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

/* Read item i as if its first segment were a KV v2 mount. */
static void speculate(struct resolver *r, const struct group *g, size_t i)
{
	const struct pitem *it = &r->p->items[i];
	const char *rest = it->path + strlen(g->first);
	struct req *q;
	char *path;

	if (!speculable(r, g, i))
		return;
	q = req_new(r, i, 2);
	q->speculative = 1;
	r->spec[i].state = SPEC_SENT;
	path = vault_kv_path(g->first, rest + 1, 2, it->version);
	fetch_add(r->f, "GET", path, NULL, 0, on_read, q);
	free(path);
}

/* lookup-self answered: the handed token's uses decide whether the groups
 * still waiting for their preflight are read speculatively after all. */
static void on_lookup(void *ctx, const struct fetch_result *res)
{
	struct resolver *r = ctx;
	long uses = -1; /* unknown: as if limited */
	size_t g, i;

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
		for (i = 0; !r->groups[g].answered && i < r->groups[g].npending;
		     i++)
			speculate(r, &r->groups[g], r->groups[g].pending[i]);
}

/* Group the items whose mount is unknown and send one preflight per group,
 * with speculative reads when the token's uses allow them. */
static void detect_mounts(struct resolver *r)
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
			r->groups[g].first = xstrndup(it->path, n);
			r->ngroups++;
		}
		r->groups[g].pending = xgrow(r->groups[g].pending,
		                             r->groups[g].npending,
		                             sizeof(size_t));
		r->groups[g].pending[r->groups[g].npending++] = i;
	}
	map_free(byfirst);
	for (g = 0; g < r->ngroups; g++)
		for (i = 0; i < r->groups[g].npending; i++)
			would |= speculable(r, &r->groups[g],
			                    r->groups[g].pending[i]);
	known = auth_known_uses(r->a, &uses);
	r->speculation = resolve_speculation(would, known, uses);
	if (r->speculation == SPECULATE_ASK)
		fetch_add(r->f, "GET", "auth/token/lookup-self", NULL, 0,
		          on_lookup, r);
	else if (would && r->speculation == SPECULATE_NO)
		log_info("token: limited uses: no speculative reads");
	for (g = 0; g < r->ngroups; g++) {
		preflight(r, g);
		for (i = 0;
		     r->speculation == SPECULATE_YES && i < r->groups[g].npending;
		     i++)
			speculate(r, &r->groups[g], r->groups[g].pending[i]);
	}
}

static void on_auth(void *ctx, int status, const char *reason)
{
	struct resolver *r = ctx;
	size_t i;

	if (status != ST_OK) { /* one cause for every variable: said once */
		for (i = 0; i < r->p->nitems; i++)
			plan_fail_item_shared(r->p, &r->p->items[i], status,
			                      reason,
			                      "not read: the login failed");
		return;
	}
	r->tokenless = !auth_has_token(r->a);
	/* Mounts from [mounts] need no detection: their reads go out now. */
	for (i = 0; i < r->p->nitems; i++) {
		const struct pitem *it = &r->p->items[i];

		if (it->mount == NO_INDEX || it->status != ST_OK ||
		    it->alias != NO_INDEX)
			continue;
		if (r->p->mounts[it->mount].engine)
			engine_fetch(r->f, r->p, i, r->tokenless ? NO_TOKEN : NULL);
		else
			issue_read(r, req_new(r, i, r->p->mounts[it->mount].kv));
	}
	detect_mounts(r);
}

static int resolve_http(struct plan *p, const struct config *c, struct auth *a,
                        struct fetcher *f, struct error *err)
{
	struct resolver r;
	unsigned requests, peak;
	double t0 = now_ms();
	size_t i;
	int rc;

	memset(&r, 0, sizeof r);
	r.p = p;
	r.c = c;
	r.a = a;
	r.f = f;
	r.spec = xcalloc(p->nitems, sizeof *r.spec);
	auth_start(a, f, on_auth, &r);
	fetch_preconnect(f, p->nitems); /* a login first: its reads' handshakes */
	rc = fetch_run(f, err);
	fetch_stats(f, &requests, &peak);
	log_info("%u requests, at most %u in flight, %.0f ms", requests, peak,
	         now_ms() - t0);
	for (i = 0; i < r.ngroups; i++) {
		free(r.groups[i].first);
		free(r.groups[i].pending);
	}
	free(r.groups);
	for (i = 0; i < p->nitems; i++)
		spec_forget(&r.spec[i]);
	free(r.spec);
	return rc;
}

int resolve_settle(struct plan *p)
{
	return select_settle(p);
}

int resolve_run(struct plan *p, const struct config *c, struct auth *a,
                struct fetcher *f, struct error *err)
{
	int rc = ST_OK;

	if (p->nitems > 0 && c->backend == BACKEND_HTTP)
		rc = resolve_http(p, c, a, f, err);
	else if (p->nitems > 0)
		rc = store_resolve(p, c->store_path, err);
	if (rc != ST_OK)
		return rc;
	select_values(p);
	resolve_settle(p);
	return ST_OK;
}

int resolve_plan(struct plan **p, const struct manifest *m, char *const *env)
{
	*p = xcalloc(1, sizeof **p);
	return plan_build(*p, m, env);
}

void resolve_free(struct plan **p)
{
	if (*p == NULL)
		return;
	plan_free(*p);
	free(*p);
	*p = NULL;
}

void resolve_drop_answers(struct plan *p)
{
	size_t i;

	for (i = 0; p && i < p->nitems; i++) {
		json_free(p->items[i].doc);
		p->items[i].doc = NULL;
	}
}

size_t resolve_nvars(const struct plan *p)
{
	return p ? p->nvars : 0;
}

size_t resolve_nreads(const struct plan *p)
{
	return p ? p->nitems : 0;
}

const struct error *resolve_problem(const struct plan *p)
{
	return &p->problem;
}

void resolve_leases(const struct plan *p, struct leases *ls)
{
	size_t i;

	for (i = 0; p && i < p->nitems; i++)
		lease_list_add(ls, &p->items[i].lease);
}

int resolve_select(struct plan *p)
{
	select_values(p);
	return resolve_settle(p);
}
