/* resolve.h - turn a plan into values: mounts, reads, selectors.
 *
 * One event loop (fetch.c) carries everything: the login, one preflight per
 * unknown mount, the reads (each starting as soon as its mount is known),
 * the KV v1 fallback reads.  Then each variable's selector is applied to its
 * item's secret.  Failures are recorded on the variables; nothing is printed.
 *
 * The plan is opaque here: a caller builds one, resolves it, asks it how
 * much it holds, takes its leases and its list of changes (changes.h), and
 * frees it; only plan.c, resolve.c and their helpers see inside.
 */
#ifndef VAULTRUN_RESOLVE_H
#define VAULTRUN_RESOLVE_H

#include "auth.h"
#include "config.h"
#include "fetch.h"
#include "lease.h"
#include "manifest.h"

struct plan;

/* Plan m and the inherited environment env (plan.h's plan_build) into a
 * new *p, which is set even when the plan is bad (status returned) so that
 * its failures can be settled and reported. */
int resolve_plan(struct plan **p, const struct manifest *m, char *const *env);

/* Free *p (wiping its values) and set it to NULL; NULL is a no-op. */
void resolve_free(struct plan **p);

/* Free the answers (the secret objects) of a plan whose values have been
 * selected and that is not read again: their memory serves what follows
 * (the list of changes) instead of adding to the peak. */
void resolve_drop_answers(struct plan *p);

/* How many variables and distinct reads p has (0 for NULL). */
size_t resolve_nvars(const struct plan *p);
size_t resolve_nreads(const struct plan *p);

/* What is wrong with the manifest beyond its variables (status 0: nothing). */
const struct error *resolve_problem(const struct plan *p);

/* Add the lease of every read that has one to ls (none for NULL). */
void resolve_leases(const struct plan *p, struct leases *ls);

/* Resolve every variable of p, recording each one's value or failure on it.
 * With an http(s) or unix address, the requests run on f (authenticating
 * with a first); with file:// f and a are unused and may be NULL.  Unless
 * keep (the plan is read again: --watch), each answer is freed once its
 * values are selected, as it arrives (early.h).  Returns ST_OK, or a
 * status with err filled when resolution could not run at all (an invalid
 * file:// store, libcurl failing).  Each resolved value is registered with
 * mask.c. */
int resolve_run(struct plan *p, const struct config *c, struct auth *a,
                struct fetcher *f, int keep, struct error *err);

/* A second resolution (--watch, gen.c): the caller recorded each
 * item's answer (or failure) itself; apply the selectors as resolve_run
 * does (new values registered with mask.c) and settle.  Returns the first
 * failing variable's status. */
int resolve_select(struct plan *p);

/* Whether reads go out speculatively, in the KV v2 form of their first
 * segment before the mount is known.  Every authenticated request spends a
 * use of a use-limited token, denied or not, so never with one.  would:
 * some item would be read so; uses_known: *uses came from the login answer
 * or lookup-self (0: unlimited; anything else, limited or unknown).
 * SPECULATE_ASK: look the token up first (a handed token). */
enum speculation { SPECULATE_NO, SPECULATE_YES, SPECULATE_ASK };
enum speculation resolve_speculation(int would, int uses_known, long uses);

/* Copy each failed item's status onto the variables that read it; returns
 * the first failing variable's status. */
int resolve_settle(struct plan *p);

#endif
