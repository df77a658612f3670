/* lease.h - the leases a run obtained, and what becomes of them.
 *
 * A lease is recorded per answer (vault.c parses it into struct lease) and
 * collected here once resolution is over.  A run that does not hand its
 * credentials to a command revokes every lease before it exits: a minted
 * token's leases go with the token (auth.c), a handed token's one by one
 * through sys/leases/revoke, queued here.  Lease ids are not secrets (Vault
 * shows them to operators); they may be logged.
 */
#ifndef VAULTRUN_LEASE_H
#define VAULTRUN_LEASE_H

#include <stddef.h>

#include "fetch.h"

struct lease {         /* one answer's lease */
	char *id;      /* "database/creds/backup/<id>"; NULL when no lease */
	long duration; /* seconds, as answered */
	int renewable;
};

void lease_clear(struct lease *l); /* frees id; l becomes empty */
/* A copy of l on the heap (its own id), or NULL when l is NULL or has no
 * id; release with lease_free (NULL is a no-op). */
struct lease *lease_dup(const struct lease *l);
void lease_free(struct lease *l);

struct leases;

struct leases *lease_list_new(void);
void lease_list_free(struct leases *ls);

/* Record a copy of l (ignored when l has no id); obtained now. */
void lease_list_add(struct leases *ls, const struct lease *l);
size_t lease_list_count(const struct leases *ls);

/* Lease i (i < count) and when it was obtained or last renewed (now_ms()). */
const struct lease *lease_list_get(const struct leases *ls, size_t i,
                                   double *since);
/* Lease i was renewed now for duration seconds. */
void lease_list_renewed(struct leases *ls, size_t i, long duration);

/* Forget lease i (the others' indices above it move down by one). */
void lease_list_remove(struct leases *ls, size_t i);

/* Queue a sync revocation of lease i alone (as lease_list_revoke). */
void lease_list_revoke_one(struct leases *ls, size_t i, struct fetcher *f);

/* Queue a sync revocation (PUT sys/leases/revoke) of every lease on f.  A
 * refusal is logged as a warning naming the lease and how long it still
 * lives; nothing is printed for a success but at -v. */
void lease_list_revoke(struct leases *ls, struct fetcher *f);

/* The leases and their remaining life, "a (59m left), b (1h left)", for a
 * message (at most cap bytes). */
const char *lease_list_describe(const struct leases *ls, char *buf, size_t cap);

/* A duration as Vault's CLI writes it: "45s", "15m", "1h", "1h30m",
 * "768h"; buf must hold 24 bytes. */
const char *lease_duration(long seconds, char *buf, size_t cap);

#endif
