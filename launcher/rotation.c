/* rotation.c - --watch: when to re-read, the comparisons, restarts (see
 * rotation.h).
 *
 * The command's generation (gen.h) is cur (what it runs with, or is being
 * restarted with); pending, newer values waiting out the debounce;
 * reading, a re-read under way.  rotate.c decides the times; this file
 * keeps the three generations, the leases they leave behind, and acts
 * through the supervisor.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lease.h"
#include "log.h"
#include "plan.h"
#include "policy.h"
#include "rotate.h"
#include "rotation.h"
#include "status.h"
#include "supervise.h"
#include "util.h"

#define EXIT_CHANGED 75 /* --on-change exit */

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

		if (l && !gen_has_lease(keep, l->id))
			retire(r, l);
	}
}

struct due_ctx {
	const struct rotation *r;
	double now;
};

/* gen_start's question: is lease id due to be read afresh at now? */
static int due(void *ctx, const char *id)
{
	const struct due_ctx *d = ctx;

	if (id == NULL)
		return 0;
	return rotate_lease_due(&d->r->sched, d->now,
	                        renewer_replace_at(d->r->o.renewer, id) / 1000.0);
}

/* Start a re-read: the KV items (replace 0) or the leases due (1). */
static struct gen *start_read(struct rotation *r, int replace, double now)
{
	struct due_ctx d = {r, now};

	return gen_start(&r->o, r->pending ? r->pending : r->cur, replace, due,
	                 &d);
}

/* A re-read answered: keep it as pending when it changes something. */
static void finish_read(struct rotation *r, struct gen *g, double now)
{
	const struct gen *base = r->pending ? r->pending : r->cur;
	char names[300];
	size_t i;
	int changed;

	if (gen_settle(g, r->o.f == NULL) != 0)
		goto drop;
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

		if (l && !gen_has_lease(base, l->id))
			renewer_add_lease(r->o.renewer, l);
	}
	if (g->replace)
		rotate_urgent(&r->sched, now);
	log_info("re-read: %s changed",
	         changes_differ(g->c, r->cur->c, names, sizeof names));
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

	changes_differ(r->pending->c, r->cur->c, names, sizeof names);
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

		if (id && !gen_has_lease(r->pending, id)) {
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
	         changes_differ(r->pending->c, r->cur->c, names, sizeof names),
	         sig);
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
	if (r->ended)
		return -1;
	if (r->awaiting && r->sv && supervise_starts(r->sv) >= r->awaiting)
		return 0;
	return rotate_wake_at(&r->sched, r->reading != NULL,
	                      r->reading ? -1 : replace_due(r),
	                      r->pending != NULL);
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
		int kind = rotate_read_due(&r->sched, now, replace_due(r));

		if (kind == ROTATE_REPLACE) {
			r->reading = start_read(r, 1, now);
			rotate_replacing(&r->sched, now);
		} else if (kind == ROTATE_KV) {
			r->reading = start_read(r, 0, now);
			if (r->reading == NULL)
				rotate_read(&r->sched, now, 0, 0,
				            rng_next(&r->rng));
		}
	}
	if (r->o.f && fetch_step(r->o.f, &err) != ST_OK)
		log_warn("renewals and re-reads: %s", err.msg);
	if (r->reading && gen_done(r->reading)) {
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
	r->cur = gen_new(plan, changes);
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
