/* renewer.h - keeps a minted token and the leases alive while a supervised
 * command runs: each on renew.c's schedule, as requests on a fetcher that
 * the supervisor's event loop drives (fetch_fds/fetch_timeout/fetch_step).
 *
 * A renewable minted token is renewed with auth/token/renew-self, every
 * renewable lease with sys/leases/renew.  A failed renewal is retried with
 * renew.c's backoff; a renewal that no longer extends is the last, with one
 * warning saying how long is left.  A handed token is never renewed.
 */
#ifndef VAULTRUN_RENEWER_H
#define VAULTRUN_RENEWER_H

#include "auth.h"
#include "fetch.h"
#include "lease.h"

struct renewer;

/* Everything of a and ls that can be renewed, renewed on f (all borrowed,
 * and must outlive the renewer and every request it queued); timeout_ms:
 * how long one renewal may take (-t).  NULL when nothing is renewable. */
struct renewer *renewer_new(struct fetcher *f, struct auth *a,
                            struct leases *ls, double timeout_ms);
void renewer_free(struct renewer *r);

/* For --watch: the same, never NULL, and every lease with a life is known,
 * the ones that cannot be renewed included (for renewer_replace_at). */
struct renewer *renewer_watch(struct fetcher *f, struct auth *a,
                              struct leases *ls, double timeout_ms);

/* A lease obtained now (rotation replaced one): recorded in the lease list
 * and renewed like the others. */
void renewer_add_lease(struct renewer *r, const struct lease *l);

/* A lease replaced and revoked: no more renewals, out of the lease list. */
void renewer_remove_lease(struct renewer *r, const char *id);

/* When the lease must be read afresh (now_ms() clock): a tenth of its last
 * granted life before its end once renewals no longer extend it (or it is
 * not renewable); -1 while they do, or when the lease is unknown. */
double renewer_replace_at(const struct renewer *r, const char *id);

/* When the next renewal is due (now_ms() clock), or -1 when none is. */
double renewer_due(const struct renewer *r);

/* Queue every renewal that is due by now. */
void renewer_run(struct renewer *r, double now);

/* The renewer as work of the supervisor's loop: its fetcher's descriptors,
 * the nearer of the fetcher's and the next renewal's deadline, and a run
 * that queues what is due and steps the fetcher.  r must not be NULL. */
struct supervise_agent;
void renewer_agent(struct renewer *r, struct supervise_agent *out);

/* Renewals answered with a new lease so far (for the log). */
unsigned renewer_count(const struct renewer *r);

#endif
