/* renewer.c - renewals of the token and the leases (see renewer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "answer.h"
#include "json.h"
#include "log.h"
#include "renew.h"
#include "renewer.h"
#include "supervise.h"
#include "util.h"
#include "vault.h"

#define TOKEN ((size_t)-1) /* item.lease for the token */

struct item {
	struct renewer *owner;
	size_t lease; /* index in the lease list, or TOKEN */
	struct renew sched;
	double next; /* seconds; < 0: nothing more to send */
	int inflight;
};

struct renewer {
	struct fetcher *f;
	struct leases *ls;
	double timeout_ms;
	struct item *v;
	size_t n;
	unsigned renewals;
	unsigned long long rng;
};

static double rnd(struct renewer *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (double)((r->rng * 2685821657736338717ULL) >> 11) /
	       (double)(1ULL << 53);
}

static double now_s(void)
{
	return now_ms() / 1000.0;
}

static void add(struct renewer *r, size_t lease, double since_ms, long ttl)
{
	struct item *it;
	double now = now_s();

	r->v = xgrow(r->v, r->n, sizeof *r->v);
	it = &r->v[r->n++];
	memset(it, 0, sizeof *it);
	it->lease = lease;
	renew_init(&it->sched, since_ms / 1000.0, (double)ttl);
	it->next = renew_next(&it->sched, now, rnd(r));
}

struct renewer *renewer_new(struct fetcher *f, struct auth *a,
                            struct leases *ls, double timeout_ms)
{
	struct renewer *r = xcalloc(1, sizeof *r);
	long ttl;
	size_t i;

	r->f = f;
	r->ls = ls;
	r->timeout_ms = timeout_ms;
	if (getrandom(&r->rng, sizeof r->rng, 0) != (ssize_t)sizeof r->rng ||
	    r->rng == 0)
		r->rng = (unsigned long long)now_ms() | 1;
	if (auth_renewable(a, &ttl))
		add(r, TOKEN, now_ms(), ttl);
	for (i = 0; i < lease_list_count(ls); i++) {
		double since;
		const struct lease *l = lease_list_get(ls, i, &since);

		if (l->renewable && l->duration > 0)
			add(r, i, since, l->duration);
	}
	for (i = 0; i < r->n; i++)
		r->v[i].owner = r;
	if (r->n == 0) {
		renewer_free(r);
		return NULL;
	}
	return r;
}

void renewer_free(struct renewer *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r);
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
		if (!r->v[i].inflight && r->v[i].next >= 0 &&
		    (due < 0 || r->v[i].next < due))
			due = r->v[i].next;
	return due < 0 ? -1 : due * 1000.0;
}

static const char *what(const struct item *it, char *buf, size_t cap)
{
	double since;

	if (it->lease == TOKEN)
		snprintf(buf, cap, "the login token");
	else
		snprintf(buf, cap, "lease %s",
		         lease_list_get(it->owner->ls, it->lease, &since)->id);
	return buf;
}

static void on_renewed(void *ctx, const struct fetch_result *res)
{
	struct item *it = ctx;
	struct renewer *r = it->owner;
	double now = now_s();
	long dur = -1;
	char name[300], why[300], d[24];

	it->inflight = 0;
	if (res->status == 200 && vault_is_json(res) &&
	    answer_int(res->body, res->len,
	               it->lease == TOKEN ? "/auth/lease_duration" : "/lease_duration",
	               &dur) == 0 &&
	    dur >= 0) {
		r->renewals++;
		if (it->lease != TOKEN)
			lease_list_renewed(r->ls, it->lease, dur);
		if (renew_granted(&it->sched, now, (double)dur)) {
			it->next = renew_next(&it->sched, now, rnd(r));
			log_info("%s: renewed for %lds; next renewal in %.1fs",
			         what(it, name, sizeof name), dur, it->next - now);
			return;
		}
		it->next = -1;
		log_warn("%s cannot be renewed past its maximum TTL: it ends in "
		         "%s; the command goes on",
		         what(it, name, sizeof name),
		         lease_duration((long)(it->sched.expires - now + 0.5),
		                        d, sizeof d));
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
		struct item *it = &r->v[i];

		if (it->inflight || it->next < 0 || it->next * 1000.0 > now)
			continue;
		it->inflight = 1;
		fetch_set_deadline(r->f, now_ms() + r->timeout_ms);
		if (it->lease == TOKEN) {
			fetch_add(r->f, "POST", "auth/token/renew-self", NULL,
			          0, on_renewed, it);
		} else {
			double since;
			const char *pairs[2] =
				{"lease_id",
			         lease_list_get(r->ls, it->lease, &since)->id};
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

	if (due >= 0) {
		double left = due - now_ms();
		long t = left <= 0 ? 0 : (long)left + 1;

		if (ms < 0 || t < ms)
			ms = t;
	}
	return ms;
}

static void agent_run(void *ctx)
{
	struct renewer *r = ctx;
	struct error err;

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
