/* rotation.c - --watch: re-reads, comparisons, restarts (see rotation.h).
 *
 * A generation is a plan and the changes it yields.  cur is what the
 * command runs with (or is being restarted with); pending, newer values
 * waiting out the debounce; reading, a re-read under way.  A re-read is
 * planned again from the manifest and the environment, its mounts and
 * merges replayed from the generation before it, and each item either
 * fetched or carried over (json_ref) from that generation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "engine.h"
#include "json.h"
#include "lease.h"
#include "log.h"
#include "mounts.h"
#include "plan.h"
#include "policy.h"
#include "resolve.h"
#include "rotate.h"
#include "rotation.h"
#include "status.h"
#include "supervise.h"
#include "util.h"
#include "vault.h"

#define EXIT_CHANGED 75 /* --on-change exit */

struct gen {
	struct plan p;
	struct changes *c;
	unsigned char *fetched; /* per item: this re-read fetches it */
	int replace;            /* replaces leases (else: the KV reads) */
};

struct rotation {
	struct rotation_opts o;
	struct gen *cur, *pending, *reading;
	struct rotate sched;
	struct supervisor *sv;
	unsigned awaiting; /* revoke `doomed` once this many starts */
	char **doomed;     /* lease ids of the generation a restart left */
	size_t ndoomed;
	struct leases *retired; /* revoked leases (their callbacks' list) */
	unsigned restarts;
	int ended; /* no change acted on any more: --on-change exit asked
	            * for, or one declined as the command stops for a signal */
	unsigned long long rng;
};

struct kvread {
	struct rotation *r;
	struct gen *g;
	size_t i;
	int form;
};

static void gen_free(struct gen *g)
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

static int has_lease(const struct gen *g, const char *id)
{
	size_t i;

	for (i = 0; g && i < g->p.nitems; i++)
		if (g->p.items[i].lease && strcmp(g->p.items[i].lease->id, id) == 0)
			return 1;
	return 0;
}

static void retire(struct rotation *r, const struct lease *l)
{
	log_info("lease %s: replaced; revoking it", l->id);
	if (r->o.renewer)
		renewer_remove_lease(r->o.renewer, l->id);
	lease_list_add(r->retired, l);
	if (r->o.f)
		lease_list_revoke_one(r->retired,
		                      lease_list_count(r->retired) - 1, r->o.f);
}

/* The leases of old that keep does not hold are revoked. */
static void retire_missing(struct rotation *r, const struct gen *old,
                           const struct gen *keep)
{
	size_t i;

	for (i = 0; i < old->p.nitems; i++) {
		const struct lease *l = old->p.items[i].lease;

		if (l && !has_lease(keep, l->id))
			retire(r, l);
	}
}

static void on_kv(void *ctx, const struct fetch_result *res);

static void kv_read(struct rotation *r, struct gen *g, size_t i, int form)
{
	const struct pitem *it = &g->p.items[i];
	const struct pmount *m = &g->p.mounts[it->mount];
	const char *rest = plan_rest(it);
	struct kvread *q = xcalloc(1, sizeof *q);
	char *path;

	/* as resolve.c reads a mount whose version is guessed */
	if (m->kv == 0 && form == 2 && strncmp(rest, "data/", 5) == 0)
		rest += 5;
	q->r = r;
	q->g = g;
	q->i = i;
	q->form = form;
	path = vault_kv_path(m->path, rest, form, it->version);
	fetch_set_deadline(r->o.f, now_ms() + r->o.timeout_ms);
	fetch_add(r->o.f, "GET", path, NULL, 0, on_kv, q);
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
		kv_read(q->r, q->g, q->i, 1);
	} else {
		plan_fail_item(it, vault_failure(res, reason, sizeof reason),
		               reason);
	}
	free(q);
}

/* Is lease id due to be read afresh at now? */
static int due(const struct rotation *r, const char *id, double now)
{
	double at = rotate_replace_due(&r->sched,
	                               renewer_replace_at(r->o.renewer, id) /
	                                       1000.0);

	return id && renewer_replace_at(r->o.renewer, id) >= 0 && now >= at;
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

/* Start a re-read: the KV items (replace 0) or the leases due (1). */
static struct gen *start_read(struct rotation *r, int replace, double now)
{
	const struct gen *base = r->pending ? r->pending : r->cur;
	struct gen *g = xcalloc(1, sizeof *g);
	struct error err;
	size_t i;

	g->replace = replace;
	plan_build(&g->p, r->o.m, r->o.environ);
	g->fetched = xcalloc(g->p.nitems + 1, 1);
	if (r->o.f == NULL) { /* file://: the store read again, at once */
		if (g->p.nitems > 0 &&
		    resolve_run(&g->p, r->o.cfg, NULL, NULL, 1, &err) != ST_OK)
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
		    (engine && replace && due(r, plan_lease_id(b), now))) {
			g->fetched[i] = 1;
			if (engine)
				engine_fetch(r->o.f, &g->p, i, NULL);
			else
				kv_read(r, g, i,
				        g->p.mounts[it->mount].kv == 1 ? 1 : 2);
			continue;
		}
		it->doc = b->doc ? json_ref(b->doc) : NULL;
		it->lease = lease_dup(b->lease);
	}
	if (replace)
		fetch_set_deadline(r->o.f, now_ms() + r->o.timeout_ms);
	return g;
}

static int read_done(const struct gen *g)
{
	size_t i;

	for (i = 0; i < g->p.nitems; i++)
		if (g->fetched[i] && g->p.items[i].doc == NULL &&
		    g->p.items[i].status == ST_OK)
			return 0;
	return 1;
}

/* The variables whose values differ, for the log ("A, B"). */
static const char *differ(const struct changes *a, const struct changes *b,
                          char *buf, size_t cap)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (changes_count(a) != changes_count(b)) {
		snprintf(buf, cap, "the variables");
		return buf;
	}
	for (i = 0; i < changes_count(a) && n + 1 < cap; i++) {
		const struct change *x = changes_get(a, i), *y = changes_get(b, i);

		if (strcmp(x->name, y->name) != 0 || x->is_file != y->is_file ||
		    x->value.len != y->value.len ||
		    memcmp(x->value.p, y->value.p, x->value.len) != 0)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s",
			                      n ? ", " : "", x->name);
	}
	return buf;
}

/* A re-read answered: keep it as pending when it changes something. */
static void finish_read(struct rotation *r, struct gen *g, double now)
{
	const struct gen *base = r->pending ? r->pending : r->cur;
	char where[300], names[300];
	size_t i;
	int changed;

	for (i = 0; i < g->p.nitems; i++) {
		const struct pitem *it = &g->p.items[i];

		if (it->alias == NO_INDEX && it->status != ST_OK) {
			log_warn("re-read of %s failed (%s); the command keeps "
			         "its values",
			         it->path, it->reason ? it->reason : "?");
			goto drop;
		}
	}
	/* (file://: resolve_run has applied the selectors already) */
	if ((r->o.f ? resolve_select(&g->p) : resolve_settle(&g->p)) != ST_OK) {
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
		goto drop;
	}
	g->c = changes_from_plan(&g->p);
	changed = !changes_equal(g->c, r->cur->c);
	if (changed && r->pending && changes_equal(g->c, r->pending->c)) {
		/* The change already waiting, seen again: no news, and the
		 * debounce is not moved on (ok 0: only the next read). */
		if (!g->replace)
			rotate_read(&r->sched, now, 0, 0, rng_next(&r->rng));
		retire_missing(r, g, r->pending);
		gen_free(g);
		return;
	}
	if (!g->replace)
		rotate_read(&r->sched, now, 1, changed, rng_next(&r->rng));
	if (!changed) {
		/* The command's own values (again): nothing waits. */
		log_debug("re-read: no change");
		retire_missing(r, g, r->cur);
		if (r->pending) {
			retire_missing(r, r->pending, r->cur);
			gen_free(r->pending);
			r->pending = NULL;
		}
		gen_free(g);
		return;
	}
	for (i = 0; i < g->p.nitems; i++) {
		const struct lease *l = g->p.items[i].lease;

		if (l && !has_lease(base, l->id))
			renewer_add_lease(r->o.renewer, l);
	}
	if (g->replace)
		rotate_urgent(&r->sched, now);
	log_info("re-read: %s changed",
	         differ(g->c, r->cur->c, names, sizeof names));
	if (r->pending) {
		retire_missing(r, r->pending, g);
		gen_free(r->pending);
	}
	r->pending = g;
	return;
drop:
	if (!g->replace)
		rotate_read(&r->sched, now, 0, 0, rng_next(&r->rng));
	retire_missing(r, g, base); /* a credential minted for nothing */
	gen_free(g);
}

/* The change's time has come: restart the command, or end it (exit). */
static void act(struct rotation *r, double now)
{
	struct error err;
	char names[300];
	char **envp = NULL;
	size_t i;

	differ(r->pending->c, r->cur->c, names, sizeof names);
	rotate_restarted(&r->sched, now);
	if (r->o.exit_on_change) {
		log_warn("the secrets changed (%s): stopping the command "
		         "(--on-change exit: status 75)",
		         names);
		r->ended = 1;
		supervise_end(r->sv, EXIT_CHANGED);
		return;
	}
	if (env_build(&envp, r->o.environ, &r->o.eo, r->pending->c, r->o.argv,
	              &err) != ST_OK) {
		log_warn("the secrets changed (%s) but the command cannot get "
		         "them (%s); it keeps its values",
		         names, err.msg);
		retire_missing(r, r->pending, r->cur);
		gen_free(r->pending);
		r->pending = NULL;
		return;
	}
	log_warn("the secrets changed (%s): restarting the command", names);
	/* The old [files] memfds go before the next command is forked. */
	env_close_files(*r->o.envp, r->cur->c);
	supervise_restart(r->sv, envp);
	env_free(*r->o.envp);
	*r->o.envp = envp;
	r->restarts++;
	/* The leases the old values came with go once the new command runs. */
	for (i = 0; i < r->cur->p.nitems; i++) {
		const char *id = plan_lease_id(&r->cur->p.items[i]);

		if (id && !has_lease(r->pending, id)) {
			r->doomed = xgrow(r->doomed, r->ndoomed, sizeof *r->doomed);
			r->doomed[r->ndoomed++] = xstrdup(id);
		}
	}
	r->awaiting = supervise_starts(r->sv) + 1;
	gen_free(r->cur);
	r->cur = r->pending;
	r->pending = NULL;
}

/* A change waits while the command stops for good (its user's signal was
 * forwarded): it is not started again, nor ended with 75; the change is
 * dropped, and nothing is read again (the command is ending). */
static void decline(struct rotation *r, int sig)
{
	char names[300];

	log_warn("the secrets changed (%s) but the command is stopping for "
	         "signal %d: it is not started again",
	         differ(r->pending->c, r->cur->c, names, sizeof names), sig);
	retire_missing(r, r->pending, r->cur);
	gen_free(r->pending);
	r->pending = NULL;
	r->ended = 1;
}

/* The restarted command runs: revoke the leases it no longer uses. */
static void revoke_doomed(struct rotation *r)
{
	struct lease l;
	size_t i;

	for (i = 0; i < r->ndoomed; i++) {
		memset(&l, 0, sizeof l);
		l.id = r->doomed[i];
		retire(r, &l);
		free(r->doomed[i]);
	}
	r->ndoomed = 0;
	r->awaiting = 0;
}

/* The soonest replacement read due, from the newest generation; -1 none. */
static double replace_due(const struct rotation *r)
{
	const struct gen *g = r->pending ? r->pending : r->cur;
	double soonest = -1;
	size_t i;

	for (i = 0; r->o.renewer && i < g->p.nitems; i++) {
		const char *id = plan_lease_id(&g->p.items[i]);
		double at;

		if (id == NULL || renewer_replace_at(r->o.renewer, id) < 0)
			continue;
		at = rotate_replace_due(&r->sched,
		                        renewer_replace_at(r->o.renewer, id) /
		                                1000.0);
		if (soonest < 0 || at < soonest)
			soonest = at;
	}
	return soonest;
}

/* When run is next due (seconds), or -1. */
static double next_due(const struct rotation *r)
{
	double t = -1, x;

	if (r->ended)
		return -1;
	if (r->awaiting && r->sv && supervise_starts(r->sv) >= r->awaiting)
		return 0;
	if (r->reading == NULL) {
		t = r->sched.next_read;
		if ((x = replace_due(r)) >= 0 && x < t)
			t = x;
	}
	if (r->pending && (x = rotate_restart_at(&r->sched)) >= 0 &&
	    (t < 0 || x < t))
		t = x;
	return t;
}

static size_t agent_fds(void *ctx, struct pollfd *pf, size_t cap)
{
	struct rotation *r = ctx;

	return r->o.f ? fetch_fds(r->o.f, pf, cap) : 0;
}

static long agent_timeout(void *ctx)
{
	struct rotation *r = ctx;
	long ms = r->o.f ? fetch_timeout(r->o.f) : -1;
	double at[2];
	int i;

	at[0] = next_due(r) >= 0 ? next_due(r) * 1000.0 : -1;
	at[1] = renewer_due(r->o.renewer);
	for (i = 0; i < 2; i++)
		if (at[i] >= 0)
			ms = policy_poll_ms(at[i], now_ms(), ms);
	return ms;
}

static void agent_run(void *ctx, struct supervisor *sv)
{
	struct rotation *r = ctx;
	struct error err;
	double now = now_s();

	r->sv = sv;
	if (r->o.renewer)
		renewer_run(r->o.renewer, now_ms());
	if (r->reading == NULL && !r->ended) {
		double x = replace_due(r);

		if (x >= 0 && now >= x) {
			r->reading = start_read(r, 1, now);
			rotate_replacing(&r->sched, now);
		} else if (now >= r->sched.next_read) {
			r->reading = start_read(r, 0, now);
			if (r->reading == NULL)
				rotate_read(&r->sched, now, 0, 0,
				            rng_next(&r->rng));
		}
	}
	if (r->o.f && fetch_step(r->o.f, &err) != ST_OK)
		log_warn("renewals and re-reads: %s", err.msg);
	if (r->reading && read_done(r->reading)) {
		struct gen *g = r->reading;

		r->reading = NULL;
		finish_read(r, g, now_s());
	}
	now = now_s();
	if (r->pending && !r->ended && supervise_signalled(sv))
		decline(r, supervise_signalled(sv)); /* no need to wait */
	else if (r->pending && !r->ended && !supervise_stopping(sv) &&
	         rotate_restart_at(&r->sched) >= 0 &&
	         now >= rotate_restart_at(&r->sched))
		act(r, now);
	if (r->awaiting && supervise_starts(sv) >= r->awaiting) {
		revoke_doomed(r);
		if (r->o.f && fetch_step(r->o.f, &err) != ST_OK)
			log_warn("revocations: %s", err.msg);
	}
}

void rotation_agent(struct rotation *r, struct supervise_agent *out)
{
	memset(out, 0, sizeof *out);
	out->ctx = r;
	out->fds = agent_fds;
	out->timeout = agent_timeout;
	out->run = agent_run;
}

struct rotation *rotation_new(const struct rotation_opts *o, struct plan *plan,
                              struct changes *changes)
{
	struct rotation *r = xcalloc(1, sizeof *r);

	r->o = *o;
	r->cur = xcalloc(1, sizeof *r->cur);
	r->cur->p = *plan;
	memset(plan, 0, sizeof *plan);
	r->cur->c = changes;
	r->retired = lease_list_new();
	rng_seed(&r->rng);
	rotate_init(&r->sched, now_s(), o->interval, rng_next(&r->rng));
	return r;
}

void rotation_free(struct rotation *r)
{
	size_t i;

	if (r == NULL)
		return;
	gen_free(r->cur);
	gen_free(r->pending);
	gen_free(r->reading);
	for (i = 0; i < r->ndoomed; i++)
		free(r->doomed[i]);
	free(r->doomed);
	lease_list_free(r->retired);
	free(r);
}

unsigned rotation_restarts(const struct rotation *r)
{
	return r ? r->restarts : 0;
}
