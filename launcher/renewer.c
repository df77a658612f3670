/* renewer.c - renewals of the token and the leases (see renewer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "renew.h"
#include "renewer.h"
#include "rotate.h"
#include "supervise.h"
#include "util.h"
#include "vault.h"

/* One token or lease.  Items never move (callbacks hold them) and live as
 * long as the renewer; a lease that rotation replaced is dropped (id NULL,
 * nothing more sent). */
struct item {
	struct renewer *owner;
	int token;
	char *id; /* the lease's; NULL for the token or once dropped */
	struct renew sched;
	double next; /* seconds; < 0: nothing more to send */
	int inflight;
};

struct renewer {
	struct fetcher *f;
	struct leases *ls;
	double timeout_ms;
	struct item **v;
	size_t n;
	unsigned renewals;
	int watch; /* renewer_watch's: rotation replaces what ends */
	unsigned long long rng;
};

static void add(struct renewer *r, const char *id, double since_ms, long ttl,
                int renewable)
{
	struct item *it = xcalloc(1, sizeof *it);

	r->v = xgrow(r->v, r->n, sizeof *r->v);
	r->v[r->n++] = it;
	it->owner = r;
	it->token = id == NULL;
	it->id = id ? xstrdup(id) : NULL;
	renew_init(&it->sched, since_ms / 1000.0, (double)ttl);
	it->sched.final |= !renewable; /* its end is its end */
	it->next = renew_next(&it->sched, now_s(), rng_next(&r->rng));
}

/* The lease list's index of a lease, or (size_t)-1. */
static size_t find(const struct leases *ls, const char *id)
{
	size_t i;
	double since;

	for (i = 0; id && i < lease_list_count(ls); i++)
		if (strcmp(lease_list_get(ls, i, &since)->id, id) == 0)
			return i;
	return (size_t)-1;
}

/* Every lease with a life: the renewable ones renewed; with all, the others
 * known too (rotation replaces what cannot be renewed). */
static struct renewer *make(struct fetcher *f, struct auth *a,
                            struct leases *ls, double timeout_ms, int all)
{
	struct renewer *r = xcalloc(1, sizeof *r);
	long ttl;
	size_t i;

	r->f = f;
	r->ls = ls;
	r->timeout_ms = timeout_ms;
	r->watch = all;
	rng_seed(&r->rng);
	if (auth_renewable(a, &ttl))
		add(r, NULL, now_ms(), ttl, 1);
	for (i = 0; i < lease_list_count(ls); i++) {
		double since;
		const struct lease *l = lease_list_get(ls, i, &since);

		if ((l->renewable || all) && l->duration > 0)
			add(r, l->id, since, l->duration, l->renewable);
	}
	if (r->n == 0 && !all) {
		renewer_free(r);
		return NULL;
	}
	return r;
}

struct renewer *renewer_new(struct fetcher *f, struct auth *a,
                            struct leases *ls, double timeout_ms)
{
	return make(f, a, ls, timeout_ms, 0);
}

struct renewer *renewer_watch(struct fetcher *f, struct auth *a,
                              struct leases *ls, double timeout_ms)
{
	return make(f, a, ls, timeout_ms, 1);
}

void renewer_free(struct renewer *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i]->id);
		free(r->v[i]);
	}
	free(r->v);
	free(r);
}

void renewer_add_lease(struct renewer *r, const struct lease *l)
{
	if (l->id == NULL)
		return;
	lease_list_add(r->ls, l);
	if (l->duration > 0)
		add(r, l->id, now_ms(), l->duration, l->renewable);
}

void renewer_remove_lease(struct renewer *r, const char *id)
{
	size_t i, k = find(r->ls, id);

	for (i = 0; i < r->n; i++)
		if (r->v[i]->id && strcmp(r->v[i]->id, id) == 0) {
			free(r->v[i]->id);
			r->v[i]->id = NULL;
			r->v[i]->next = -1;
		}
	if (k != (size_t)-1)
		lease_list_remove(r->ls, k);
}

double renewer_replace_at(const struct renewer *r, const char *id)
{
	size_t i;

	for (i = 0; r && i < r->n; i++)
		if (r->v[i]->id && strcmp(r->v[i]->id, id) == 0)
			return r->v[i]->sched.final ?
			               rotate_replace_at(&r->v[i]->sched) * 1000.0 :
			               -1;
	return -1;
}

unsigned renewer_count(const struct renewer *r)
{
	return r ? r->renewals : 0;
}

double renewer_due(const struct renewer *r)
{
	double due = -1;
	size_t i;

	for (i = 0; r && i < r->n; i++)
		if (!r->v[i]->inflight && r->v[i]->next >= 0 &&
		    (due < 0 || r->v[i]->next < due))
			due = r->v[i]->next;
	return due < 0 ? -1 : due * 1000.0;
}

static const char *what(const struct item *it, char *buf, size_t cap)
{
	if (it->token)
		snprintf(buf, cap, "the login token");
	else
		snprintf(buf, cap, "lease %s", it->id);
	return buf;
}

static void on_renewed(void *ctx, const struct fetch_result *res)
{
	struct item *it = ctx;
	struct renewer *r = it->owner;
	double now = now_s();
	long dur = -1;
	size_t k;
	char name[300], why[300], d[24];

	it->inflight = 0;
	if (!it->token && it->id == NULL)
		return; /* replaced by rotation meanwhile */
	if (res->status == 200 && vault_is_json(res) &&
	    answer_int(res->body, res->len,
	               it->token ? "/auth/lease_duration" : "/lease_duration",
	               &dur) == 0 &&
	    dur >= 0) {
		r->renewals++;
		if (!it->token && (k = find(r->ls, it->id)) != (size_t)-1)
			lease_list_renewed(r->ls, k, dur);
		if (renew_granted(&it->sched, now, (double)dur)) {
			it->next = renew_next(&it->sched, now, rng_next(&r->rng));
			log_info("%s: renewed for %lds; next renewal in %.1fs",
			         what(it, name, sizeof name), dur, it->next - now);
			return;
		}
		it->next = -1;
		log_warn("%s cannot be renewed past its maximum TTL: it ends in "
		         "%s; %s",
		         what(it, name, sizeof name),
		         lease_duration((long)(it->sched.expires - now + 0.5),
		                        d, sizeof d),
		         it->token || !r->watch ?
		                 "the command goes on" :
		                 "it is read afresh when a tenth of its life "
		                 "is left (--watch)");
		return;
	}
	if (res->status == 200)
		snprintf(why, sizeof why, "the answer has no lease duration");
	else
		vault_failure(res, why, sizeof why);
	it->next = renew_failed(&it->sched, now);
	if (it->next < 0)
		log_warn("%s: renewal failed (%s) and it has expired",
		         what(it, name, sizeof name), why);
	else
		log_warn("%s: renewal failed (%s); retrying in %.0fs, %s left",
		         what(it, name, sizeof name), why, it->next - now,
		         lease_duration((long)(it->sched.expires - now), d,
		                        sizeof d));
}

void renewer_run(struct renewer *r, double now)
{
	size_t i;

	for (i = 0; r && i < r->n; i++) {
		struct item *it = r->v[i];

		if (it->inflight || it->next < 0 || it->next * 1000.0 > now)
			continue;
		it->inflight = 1;
		fetch_set_deadline(r->f, now_ms() + r->timeout_ms);
		if (it->token) {
			fetch_add(r->f, "POST", "auth/token/renew-self", NULL,
			          0, on_renewed, it);
		} else {
			const char *pairs[2] = {"lease_id", it->id};
			struct secret body = {NULL, 0};

			json_encode_object(pairs, 1, &body);
			fetch_add(r->f, "PUT", "sys/leases/renew", &body, 0,
			          on_renewed, it);
			secret_wipe(&body);
		}
	}
}

static size_t agent_fds(void *ctx, struct pollfd *pf, size_t cap)
{
	struct renewer *r = ctx;

	return fetch_fds(r->f, pf, cap);
}

static long agent_timeout(void *ctx)
{
	struct renewer *r = ctx;
	long ms = fetch_timeout(r->f);
	double due = renewer_due(r);

	return due >= 0 ? policy_poll_ms(due, now_ms(), ms) : ms;
}

static void agent_run(void *ctx, struct supervisor *sv)
{
	struct renewer *r = ctx;
	struct error err;

	(void)sv;
	renewer_run(r, now_ms());
	if (fetch_step(r->f, &err) != ST_OK)
		log_warn("renewals: %s", err.msg);
}

void renewer_agent(struct renewer *r, struct supervise_agent *out)
{
	memset(out, 0, sizeof *out);
	out->ctx = r;
	out->fds = agent_fds;
	out->timeout = agent_timeout;
	out->run = agent_run;
}
