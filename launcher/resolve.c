/* resolve.c - login, reads and selectors, as one flow of callbacks on the
 * fetch loop: each read starts as soon as its mount is known, while other
 * mounts are still being detected (detect.c, which also sends the
 * speculative reads whose answers this file takes or drops). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "engine.h"
#include "log.h"
#include "map.h"
#include "mounts.h"
#include "plan.h"
#include "resolve.h"
#include "resolver.h"
#include "select.h"
#include "store.h"
#include "util.h"
#include "vault.h"

struct req *rs_req_new(struct resolver *r, size_t idx, int form)
{
	struct req *q = xcalloc(1, sizeof *q);

	q->r = r;
	q->idx = idx;
	q->form = form;
	return q;
}

static void spec_forget(struct resolver *r, size_t i);

void rs_issue_read(struct resolver *r, struct req *q)
{
	const struct pitem *it = &r->p->items[q->idx];
	const struct pmount *m = &r->p->mounts[it->mount];
	const char *rest = plan_rest(it);
	char *path;

	/* Guessing (kv 0): the v2 form drops an API-form "data/" that mounts.c
	 * kept because the mount's version was unknown; the v1 form is the path
	 * exactly as written. */
	if (m->kv == 0 && q->form == 2 && strncmp(rest, "data/", 5) == 0)
		rest += 5;
	path = vault_kv_path(m->path, rest, q->form, it->version);
	fetch_add(r->f, "GET", path, NULL, 0, rs_on_read, q);
	free(path);
}

/* The mount of item i is now known: does its speculative read stand for
 * the real one?  If valid, a held answer is replayed (or the one in flight
 * will be taken when it comes) and 1 is returned; else it is dropped. */
int rs_spec_use(struct resolver *r, size_t i, int valid)
{
	unsigned char *s = &r->spec[i];

	if (*s == SPEC_NONE)
		return 0;
	if (!valid) {
		if (*s == SPEC_SENT)
			*s = SPEC_DROP;
		else if (*s == SPEC_HELD)
			spec_forget(r, i);
		return 0;
	}
	if (*s == SPEC_HELD) {
		struct fetch_result res = r->held[i]->res;

		*s = SPEC_NONE;
		rs_on_read(rs_req_new(r, i, 2), &res);
		spec_forget(r, i);
	}
	return 1;
}

int rs_assign(struct resolver *r, size_t i, size_t mi, int spec_valid)
{
	if (mounts_assign(r->p, i, mi) != ST_OK ||
	    r->p->items[i].alias != NO_INDEX) {
		rs_spec_use(r, i, 0);
		return 0;
	}
	if (r->p->mounts[mi].engine) { /* read as written, now it is known */
		rs_spec_use(r, i, 0);
		return 1;
	}
	return !rs_spec_use(r, i, spec_valid);
}

struct batch {
	struct batch *next; /* the resolver's list */
	struct resolver *r;
	size_t n, made;
	size_t items[];
};

struct batch *rs_batch_new(struct resolver *r, size_t cap)
{
	struct batch *b = xcalloc(1, sizeof *b + cap * sizeof b->items[0]);

	b->r = r;
	return b;
}

void rs_batch_add(struct batch *b, size_t i)
{
	b->items[b->n++] = i;
}

static void batch_free(struct batch *b)
{
	struct batch **pp = &b->r->batches;

	while (*pp && *pp != b)
		pp = &(*pp)->next;
	if (*pp)
		*pp = b->next;
	free(b);
}

/* Make the batch's next read: its item's mount is known. */
static void batch_next(void *ctx, size_t k)
{
	struct batch *b = ctx;
	struct resolver *r = b->r;
	size_t i = b->items[k];
	const struct pmount *m = &r->p->mounts[r->p->items[i].mount];

	if (m->engine)
		engine_fetch(r->f, r->p, i, r->tokenless ? NO_TOKEN : NULL);
	else
		rs_issue_read(r, rs_req_new(r, i, m->kv == 1 ? 1 : 2));
	if (k + 1 == b->n)
		batch_free(b);
}

void rs_batch_send(struct batch *b)
{
	if (b->n == 0) {
		free(b);
		return;
	}
	b->next = b->r->batches;
	b->r->batches = b;
	fetch_add_lazily(b->r->f, b->n, batch_next, b);
}

void rs_fail_item(struct resolver *r, size_t i, int st, const char *reason)
{
	if (r->spec)
		rs_spec_use(r, i, 0);
	plan_fail_item(&r->p->items[i], st, reason);
}

/* Fail item i for the answer res (status st, reason): an address that
 * cannot be reached, or without a token a denial, is that cause, said once
 * for every variable it fails. */
void rs_fail_answer(struct resolver *r, size_t i, int st, const char *reason,
                    const struct fetch_result *res)
{
	char why[80], cause[700];

	if (vault_unreachable(res, cause, sizeof cause, why, sizeof why)) {
		char line[100];

		snprintf(line, sizeof line, "not read: %s", why);
		if (r->spec)
			rs_spec_use(r, i, 0);
		plan_fail_item_shared(r->p, &r->p->items[i], st, cause, line);
		return;
	}
	if (!r->tokenless || !vault_tokenless_denial(res)) {
		rs_fail_item(r, i, st, reason);
		return;
	}
	if (r->spec)
		rs_spec_use(r, i, 0);
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
			rs_fail_item(r, q->idx, ST_NOINPUT,
			             "version deleted (HTTP 404)");
			return;
		case KV404_DESTROYED:
			rs_fail_item(r, q->idx, ST_NOINPUT,
			             "version destroyed (HTTP 404)");
			return;
		case KV404_INVALID_PATH:
			rs_fail_item(r, q->idx, ST_NOINPUT,
			             "not found: not a KV v2 path (HTTP 404)");
			return;
		case KV404_MISSING:
			break;
		}
		rs_fail_item(r, q->idx, ST_NOINPUT,
		             it->version ? "version not found (HTTP 404)" :
		                           "not found (HTTP 404)");
		return;
	}
	st = vault_failure(res, reason, sizeof reason);
	rs_fail_answer(r, q->idx, st, reason, res);
}

static void spec_forget(struct resolver *r, size_t i)
{
	struct held *h = r->held ? r->held[i] : NULL;

	if (h) {
		free((char *)h->res.reason);
		free((char *)h->res.content_type);
		secret_wipe(&h->body);
		free(h);
		r->held[i] = NULL;
	}
	r->spec[i] = SPEC_NONE;
}

/* Keep item i's speculative answer until the preflight says what it is
 * worth. */
static void spec_hold(struct resolver *r, size_t i, const struct fetch_result *res)
{
	struct held *h = xcalloc(1, sizeof *h);

	if (r->held == NULL)
		r->held = xcalloc(r->p->nitems, sizeof *r->held);
	r->spec[i] = SPEC_HELD;
	r->held[i] = h;
	h->res = *res;
	h->res.method = h->res.path = NULL; /* the request's, gone after this */
	h->res.reason = res->reason ? xstrdup(res->reason) : NULL;
	h->res.content_type = res->content_type ? xstrdup(res->content_type) :
	                                          NULL;
	secret_set(&h->body, res->body, res->len);
	h->res.body = h->body.p;
}

void rs_on_read(void *ctx, const struct fetch_result *res)
{
	struct req *q = ctx;
	struct resolver *r = q->r;
	struct pitem *it = &r->p->items[q->idx];
	const struct pmount *m;
	struct error e;

	if (q->speculative) {
		int drop = r->spec[q->idx] == SPEC_DROP;

		r->spec[q->idx] = SPEC_NONE;
		if (!drop && it->mount == NO_INDEX)
			spec_hold(r, q->idx, res);
		if (drop || it->mount == NO_INDEX) {
			free(q);
			return;
		}
	}
	m = &r->p->mounts[it->mount];
	if (res->status == 200) {
		if (!vault_is_json(res))
			rs_fail_item(r, q->idx, ST_PROTOCOL,
			             "the answer is not JSON (wrong Content-Type)");
		else if (answer_secret(res->body, res->len, q->form, &it->doc,
		                       &e) != ST_OK)
			rs_fail_item(r, q->idx, e.status, e.msg);
		else
			early_answer(r->early, q->idx);
	} else if (m->kv == 0 && q->form == 2 && it->version == 0 &&
	           (res->status == 403 ||
	            (res->status == 404 &&
	             answer_is_bare_404(res->body, res->len)))) {
		/* Guessing: the v2 form was denied or absent; try the v1 form,
		 * remembering this answer to report if that fails too. */
		struct req *v1 = rs_req_new(r, q->idx, 1);
		char why[256];

		v1->v2_was_404 = res->status == 404;
		v1->v2_status = vault_failure(res, why, sizeof why);
		v1->v2_reason = xstrdup(why);
		log_debug("%s: not readable as KV v2 (HTTP %ld); trying KV v1",
		          it->path, res->status);
		rs_issue_read(r, v1);
	} else if (m->kv == 0 && q->form == 1) {
		if (res->status == 404 || q->v2_was_404)
			rs_fail_item(r, q->idx, ST_NOINPUT, "not found (HTTP 404)");
		else
			rs_fail_answer(r, q->idx, q->v2_status, q->v2_reason, res);
	} else {
		read_failed(r, q, res);
	}
	free(q->v2_reason);
	free(q);
}

static void on_auth(void *ctx, int status, const char *reason)
{
	struct resolver *r = ctx;
	struct batch *b;
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
	b = rs_batch_new(r, r->p->nitems);
	for (i = 0; i < r->p->nitems; i++) {
		const struct pitem *it = &r->p->items[i];

		if (it->mount != NO_INDEX && it->status == ST_OK &&
		    it->alias == NO_INDEX)
			rs_batch_add(b, i);
	}
	rs_batch_send(b);
	rs_detect_mounts(r);
}

static int resolve_http(struct plan *p, const struct config *c, struct auth *a,
                        struct fetcher *f, struct early *early, struct error *err)
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
	r.early = early;
	r.spec = xcalloc(p->nitems + 1, 1);
	auth_start(a, f, on_auth, &r);
	fetch_preconnect(f, p->nitems); /* a login first: its reads' handshakes */
	rc = fetch_run(f, err);
	fetch_stats(f, &requests, &peak);
	log_info("%u requests, at most %u in flight, %.0f ms", requests, peak,
	         now_ms() - t0);
	for (i = 0; i < r.ngroups; i++) {
		free(r.groups[i].first);
		if (r.groups[i].pending != r.groups[i].all)
			free(r.groups[i].pending);
		free(r.groups[i].all);
	}
	free(r.groups);
	while (r.batches) /* fetch_run failed: reads never made */
		batch_free(r.batches);
	for (i = 0; i < p->nitems; i++)
		spec_forget(&r, i);
	free(r.spec);
	free(r.held);
	return rc;
}

int resolve_settle(struct plan *p)
{
	return select_settle(p);
}

int resolve_run(struct plan *p, const struct config *c, struct auth *a,
                struct fetcher *f, int keep, struct error *err)
{
	struct early *early = NULL;
	int rc = ST_OK;

	if (p->nitems > 0 && c->backend == BACKEND_HTTP) {
		early = keep ? NULL : early_new(p);
		rc = resolve_http(p, c, a, f, early, err);
	} else if (p->nitems > 0) {
		rc = store_resolve(p, c->store_path, err);
	}
	if (rc == ST_OK) {
		select_values(p, early);
		resolve_settle(p);
	}
	early_free(early);
	return rc;
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
		if (p->items[i].lease)
			lease_list_add(ls, p->items[i].lease);
}

int resolve_select(struct plan *p)
{
	select_values(p, NULL);
	return resolve_settle(p);
}
