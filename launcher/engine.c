/* engine.c - reads and writes on secrets engines other than KV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "engine.h"
#include "log.h"
#include "util.h"
#include "vault.h"

enum read_action engine_action(enum mount_kind k, int is_request,
                               unsigned long version)
{
	switch (k) {
	case MK_UNKNOWN:
		/* A write is never speculative; a read only in the KV form. */
		return is_request ? RA_WAIT : RA_SPECULATE;
	case MK_GUESS:
		return is_request ? RA_BLIND : RA_GUESS;
	case MK_KV1:
		return is_request ? RA_BAD_REQUEST :
		       version    ? RA_BAD_VERSION :
		                    RA_KV1;
	case MK_KV2:
		return is_request ? RA_BAD_REQUEST : RA_KV2;
	case MK_ENGINE:
		return version    ? RA_BAD_VERSION :
		       is_request ? RA_ENGINE_POST :
		                    RA_ENGINE_GET;
	}
	return RA_WAIT;
}

struct call {
	struct plan *p;
	size_t i;
	const char *no_token;
};

static void on_answer(void *ctx, const struct fetch_result *res)
{
	struct call *c = ctx;
	struct plan *p = c->p;
	struct pitem *it = &p->items[c->i];
	const char *no_token = c->no_token;
	char reason[400], d[24], cause[700], why[80];
	struct error e;
	int st;

	free(c);
	if (res->attempts > 1)
		/* An attempt that failed after reaching Vault may have minted
		 * a credential whose answer never arrived. */
		log_info("%s: %s after %u attempts: an earlier attempt may have "
		         "created a credential too; it is revoked with the token "
		         "or expires with its TTL",
		         it->path, it->request ? "written" : "read",
		         res->attempts);
	if (res->status == 200 && !vault_is_json(res)) {
		plan_fail_item(it, ST_PROTOCOL,
		               "the answer is not JSON (wrong Content-Type)");
	} else if (res->status == 204 || (res->status == 200 && res->len == 0)) {
		plan_fail_item(it, ST_PROTOCOL,
		               "unexpected response shape: the answer has no "
		               "'data' object (it is empty)");
	} else if (res->status == 200) {
		struct lease l;

		if (answer_engine(res->body, res->len, &it->doc, &l, &e) != ST_OK)
			plan_fail_item(it, e.status, e.msg);
		else if (l.id)
			log_info("%s: lease %s, %s", it->path,
			         lease_duration(l.duration, d, sizeof d),
			         l.renewable ? "renewable" : "not renewable");
		it->lease = lease_dup(&l);
		lease_clear(&l);
	} else if (no_token && vault_tokenless_denial(res)) {
		snprintf(reason, sizeof reason,
		         "not %s: no Vault token (HTTP %ld)",
		         it->request ? "written" : "read", res->status);
		plan_fail_item_shared(p, it, ST_NOPERM, no_token, reason);
	} else if (vault_unreachable(res, cause, sizeof cause, why, sizeof why)) {
		snprintf(reason, sizeof reason, "not %s: %s",
		         it->request ? "written" : "read", why);
		plan_fail_item_shared(p, it, ST_UNAVAILABLE, cause, reason);
	} else {
		st = vault_failure(res, reason, sizeof reason);
		if (res->status == 405 && it->request == NULL) {
			size_t n = strlen(reason);

			snprintf(reason + n, sizeof reason - n,
			         "; this path is written, not read: declare it "
			         "as [request %.100s]",
			         it->path);
		}
		plan_fail_item(it, st, reason);
	}
}

void engine_fetch(struct fetcher *f, struct plan *p, size_t i, const char *no_token)
{
	const struct pitem *it = &p->items[i];
	struct call *c = xcalloc(1, sizeof *c);
	char *path = vault_encode_path(it->path);

	c->p = p;
	c->i = i;
	c->no_token = no_token;
	if (it->request) {
		struct secret body = {NULL, 0};

		/* The body may carry what its writer considers private. */
		json_encode_object((const char *const *)it->request->pairs,
		                   it->request->npairs, &body);
		fetch_add(f, "POST", path, &body, 0, on_answer, c);
		secret_wipe(&body);
	} else {
		fetch_add(f, "GET", path, NULL, 0, on_answer, c);
	}
	free(path);
}
