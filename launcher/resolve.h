/* resolve.h - turn a plan into values: mounts, reads, selectors.
 *
 * One event loop (fetch.c) carries everything: the login, one preflight per
 * unknown mount, the reads (each starting as soon as its mount is known),
 * the KV v1 fallback reads.  Then each variable's selector is applied to its
 * item's secret.  Failures are recorded on the variables; nothing is printed.
 */
#ifndef VAULTRUN_RESOLVE_H
#define VAULTRUN_RESOLVE_H

#include "auth.h"
#include "config.h"
#include "fetch.h"
#include "plan.h"

/* Resolve every variable of p, recording each one's value or failure on it.
 * With an http(s) or unix address, the requests run on f (authenticating
 * with a first); with file:// f and a are unused and may be NULL.  Returns
 * ST_OK, or a status with err filled when resolution could not run at all
 * (an invalid file:// store, libcurl failing).  Each resolved value is
 * registered with mask.c. */
int resolve_run(struct plan *p, const struct config *c, struct auth *a,
                struct fetcher *f, struct error *err);

/* A second resolution (--watch, rotation.c): the caller recorded each
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
