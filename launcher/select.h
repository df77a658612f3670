/* select.h - each variable's value from the answers its references read.
 *
 * A plain reference: its selector applied to its item's secret.  A
 * composed value: each piece selected, filtered and joined (template.c).
 * A profile: its exports (profile.c).  A variable whose secret or key does
 * not exist takes its [defaults] value.  Every value is registered with
 * mask.c; failures are recorded on the variables; nothing is printed.
 */
#ifndef VAULTRUN_SELECT_H
#define VAULTRUN_SELECT_H

#include "plan.h"

struct early;

/* Select every variable whose reads succeeded, but for those early.c has
 * selected already (early may be NULL: none). */
void select_values(struct plan *p, const struct early *early);

/* Select one variable that is neither composed nor failed from its item's
 * answer it (NULL, or a failed one: nothing to do).  quiet: a default used
 * is not logged here (select_values says it, in the variables' order). */
void select_plain(struct pvar *v, const struct pitem *it, int quiet);

/* Copy each failed item's status onto the variables that read it (or give
 * them their defaults, for a 404); returns the first failing variable's
 * status. */
int select_settle(struct plan *p);

#endif
