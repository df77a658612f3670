/* early.h - each answer's values selected as it arrives, so that at most
 * the answers in flight are held as parsed JSON, not every answer until
 * the last one is in (resolve.c calls it; select.c finishes the rest).
 *
 * Only once every item's mount is known are the merges of items final
 * (mounts_assign): until then answers are kept, and taken all at once then.
 * An item a composed value reads keeps its answer for select_values; so
 * does every item of a plan that is read again (--watch: gen.c
 * carries answers over to the next generation), which makes no early.
 */
#ifndef VAULTRUN_EARLY_H
#define VAULTRUN_EARLY_H

#include <stddef.h>

#include "plan.h"

struct early;

/* Early selection for p, which must outlive it. */
struct early *early_new(struct plan *p);
void early_free(struct early *e); /* NULL: a no-op */

/* Item i's answer has just been recorded (its doc): select the values of
 * the plain variables and profiles that read it, then free (wipe) the
 * answer; or keep it while merges may still come, or a composed value
 * reads it. */
void early_answer(struct early *e, size_t i);

/* Have item i's values been selected and its answer freed?  0 for NULL. */
int early_taken(const struct early *e, size_t i);

#endif
