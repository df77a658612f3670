/* lease.c - the leases of a run: kept, described, revoked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lease.h"
#include "log.h"
#include "util.h"
#include "vault.h"

struct held {
	struct lease l;
	double obtained; /* now_ms() when recorded */
};

struct leases {
	struct held *v;
	size_t n;
};

struct revoke_ctx {
	struct leases *ls;
	size_t i;
};

void lease_clear(struct lease *l)
{
	free(l->id);
	memset(l, 0, sizeof *l);
}

struct lease *lease_dup(const struct lease *l)
{
	struct lease *c;

	if (l == NULL || l->id == NULL)
		return NULL;
	c = xmalloc(sizeof *c);
	*c = *l;
	c->id = xstrdup(l->id);
	return c;
}

void lease_free(struct lease *l)
{
	if (l == NULL)
		return;
	lease_clear(l);
	free(l);
}

struct leases *lease_list_new(void)
{
	return xcalloc(1, sizeof(struct leases));
}

void lease_list_free(struct leases *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		lease_clear(&ls->v[i].l);
	free(ls->v);
	free(ls);
}

void lease_list_add(struct leases *ls, const struct lease *l)
{
	struct held *h;

	if (l->id == NULL)
		return;
	ls->v = xgrow(ls->v, ls->n, sizeof *ls->v);
	h = &ls->v[ls->n++];
	h->l = *l;
	h->l.id = xstrdup(l->id);
	h->obtained = now_ms();
}

size_t lease_list_count(const struct leases *ls)
{
	return ls ? ls->n : 0;
}

const struct lease *lease_list_get(const struct leases *ls, size_t i, double *since)
{
	*since = ls->v[i].obtained;
	return &ls->v[i].l;
}

void lease_list_renewed(struct leases *ls, size_t i, long duration)
{
	ls->v[i].l.duration = duration;
	ls->v[i].obtained = now_ms();
}

const char *lease_duration(long seconds, char *buf, size_t cap)
{
	long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
	size_t n = 0;

	buf[0] = '\0';
	if (seconds <= 0) {
		snprintf(buf, cap, "0s");
		return buf;
	}
	if (h)
		n += (size_t)snprintf(buf + n, cap - n, "%ldh", h);
	if (m && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "%ldm", m);
	if (s && n < cap)
		snprintf(buf + n, cap - n, "%lds", s);
	return buf;
}

static long left(const struct held *h)
{
	long gone = (long)((now_ms() - h->obtained) / 1000.0);

	return h->l.duration > gone ? h->l.duration - gone : 0;
}

const char *lease_list_describe(const struct leases *ls, char *buf, size_t cap)
{
	size_t i, n = 0;
	char d[24];

	buf[0] = '\0';
	for (i = 0; ls && i < ls->n && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s (%s left)",
		                      i ? ", " : "", ls->v[i].l.id,
		                      lease_duration(left(&ls->v[i]), d, sizeof d));
	return buf;
}

static void on_revoke(void *ctx, const struct fetch_result *res)
{
	struct revoke_ctx *c = ctx;
	const struct held *h = &c->ls->v[c->i];
	char why[300], d[24];

	if (res->status == 200 || res->status == 204) {
		log_info("lease %s: revoked", h->l.id);
	} else {
		vault_failure(res, why, sizeof why);
		log_warn("could not revoke lease %s (it lives %s more, until its "
		         "TTL ends): %s",
		         h->l.id, lease_duration(left(h), d, sizeof d), why);
	}
	free(c);
}

void lease_list_remove(struct leases *ls, size_t i)
{
	if (i >= ls->n)
		return;
	lease_clear(&ls->v[i].l);
	memmove(&ls->v[i], &ls->v[i + 1], (ls->n - i - 1) * sizeof *ls->v);
	ls->n--;
}

void lease_list_revoke_one(struct leases *ls, size_t i, struct fetcher *f)
{
	const char *pairs[2] = {"lease_id", ls->v[i].l.id};
	struct secret obj = {NULL, 0}, body = {NULL, 0};
	struct revoke_ctx *c = xcalloc(1, sizeof *c);
	char *text;

	c->ls = ls;
	c->i = i;
	/* sync (a JSON true): the lease is gone when Vault answers, not only
	 * queued.  {"lease_id":"..."} loses its '}' for it. */
	json_encode_object(pairs, 1, &obj);
	text = xasprintf("%.*s,\"sync\":true}", (int)(obj.len - 1), obj.p);
	secret_set(&body, text, strlen(text));
	fetch_add(f, "PUT", "sys/leases/revoke", &body, 0, on_revoke, c);
	free(text);
	secret_wipe(&obj);
	secret_wipe(&body);
}

void lease_list_revoke(struct leases *ls, struct fetcher *f)
{
	size_t i;

	for (i = 0; ls && i < ls->n; i++)
		lease_list_revoke_one(ls, i, f);
}
