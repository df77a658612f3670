/* resolver.h - what resolve.c (the login and the reads) and detect.c (KV
 * mount detection and speculative reads) share: one resolution's state
 * and the read steps detection hands its items to.  Internal to the two. */
#ifndef VAULTRUN_RESOLVER_H
#define VAULTRUN_RESOLVER_H

#include <stddef.h>

#include "auth.h"
#include "config.h"
#include "early.h"
#include "fetch.h"
#include "plan.h"
#include "resolve.h"
#include "secret.h"

#define NO_TOKEN                                                               \
	"no Vault token: set VAULT_TOKEN (or token_file, or write "            \
	"~/.vault-token) or a login method ([vault] auth = approle, "          \
	"kubernetes, jwt or cert)"

/* Items whose mount is unknown, grouped by their first path segment: one
 * preflight answers for the whole group in the common case. */
struct group {
	struct resolver *r;
	char *first;
	size_t *all; /* its items as grouped; pending too, until an answer */
	size_t nall;
	size_t *pending; /* those whose mount the next preflight asks about */
	size_t npending;
	size_t spec_next; /* all[spec_next ..]: the next speculative read's */
	int answered;     /* its first preflight has answered */
};

/* A speculative read of one item, and its answer while the mount is unknown. */
enum { SPEC_NONE, SPEC_SENT, SPEC_HELD, SPEC_DROP };
struct held {                    /* an answer kept for later */
	struct fetch_result res; /* strings owned */
	struct secret body;
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
	unsigned char *spec;   /* one per item: SPEC_NONE .. SPEC_DROP */
	struct held **held;    /* one per item (SPEC_HELD: its answer); NULL
	                        until an answer is held */
	struct batch *batches; /* reads not all made yet (rs_batch_send) */
	struct early *early;   /* values selected as answers arrive, or NULL */
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

struct req *rs_req_new(struct resolver *r, size_t idx, int form);
/* Read item q->idx in form q->form; its answer goes to rs_on_read. */
void rs_issue_read(struct resolver *r, struct req *q);
void rs_on_read(void *ctx, const struct fetch_result *res);
/* The mount of item i is now known: may its speculative read stand? */
int rs_spec_use(struct resolver *r, size_t i, int valid);
/* Item i is on mount mi: assign it, and take its speculative answer if
 * spec_valid.  Returns 1 when it is still to be read (rs_batch_add). */
int rs_assign(struct resolver *r, size_t i, size_t mi, int spec_valid);

/* Reads of items whose mount is known, queued as one entry and each made
 * only when the fetcher can start it (fetch_add_lazily): what waits for a
 * slot is an item number, not a request.  rs_batch_new(r, cap) has room
 * for cap items; rs_batch_send queues them in the order added (or frees
 * the batch when it has none); the batch frees itself once all are made,
 * or with the resolution. */
struct batch *rs_batch_new(struct resolver *r, size_t cap);
void rs_batch_add(struct batch *b, size_t i);
void rs_batch_send(struct batch *b);
void rs_fail_item(struct resolver *r, size_t i, int st, const char *reason);
void rs_fail_answer(struct resolver *r, size_t i, int st, const char *reason,
                    const struct fetch_result *res);

/* detect.c: group the items whose mount is unknown, one preflight per
 * group, with speculative reads when the token's uses allow them. */
void rs_detect_mounts(struct resolver *r);

#endif
