/* engine.h - secrets engines other than KV: what may be sent, and sending it.
 *
 * A read of database/creds/backup mints a credential, a write of
 * pki/issue/backup a certificate: each costs something and leaves a lease.
 * So such a path is requested exactly once, at the path as written, and
 * only once Vault (or [mounts]) has said that its mount is not KV; the
 * speculative reads that hide the preflight's round trip only ever use the
 * KV v2 form (a GET of database/data/creds/backup is a harmless 404).
 */
#ifndef VAULTRUN_ENGINE_H
#define VAULTRUN_ENGINE_H

#include "fetch.h"
#include "plan.h"

enum mount_kind {
	MK_UNKNOWN, /* the preflight has not answered yet */
	MK_GUESS,   /* the preflight was refused: KV v2, then v1, is guessed */
	MK_KV1,
	MK_KV2,
	MK_ENGINE, /* a type other than kv/generic, or [mounts] NAME = dynamic */
};

enum read_action {
	RA_WAIT,        /* send nothing before the preflight answers */
	RA_SPECULATE,   /* the KV v2 form may go out beside the preflight */
	RA_GUESS,       /* KV v2 form, then v1 on a 403 or bare 404 */
	RA_KV1,         /* read <mount>/<rest> */
	RA_KV2,         /* read <mount>/data/<rest> */
	RA_ENGINE_GET,  /* GET the path as written */
	RA_ENGINE_POST, /* POST the [request]'s body to the path as written */
	RA_BAD_VERSION, /* ?version= where the mount has no versions: 78 */
	RA_BAD_REQUEST, /* a [request] on a KV mount: 78 */
	RA_BLIND,       /* a [request] whose mount nobody named: not written */
};

/* The decision, a pure function: what to do with an item on a mount of
 * kind k, a [request] or not, pinning version (0: none). */
enum read_action engine_action(enum mount_kind k, int is_request,
                               unsigned long version);

/* Send item i of p (its mount an engine) on f: GET, or POST of its
 * [request]'s body.  The answer's data becomes the item's doc and its lease
 * the item's lease; a failure is recorded on the item.  no_token: when the
 * requests go out without a token, the cause a denial is then reported as
 * (once, for every item it fails); NULL otherwise.  Borrowed: it must
 * outlive the fetch loop. */
void engine_fetch(struct fetcher *f, struct plan *p, size_t i,
                  const char *no_token);

#endif
