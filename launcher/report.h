/* report.h - what a resolution yielded, told: errors on stderr, --check's
 * lines on stdout.  Reads only the list of changes (changes.h). */
#ifndef VAULTRUN_REPORT_H
#define VAULTRUN_REPORT_H

#include <stddef.h>

#include "changes.h"

/* One error line per failed variable, in plan order, each shared cause
 * once before the first variable it failed; returns the first status
 * (ST_OK when none failed). */
int report_failures(const struct changes *c);

/* --check: one line per variable (a profile: one per variable it sets),
 * in plan order, on stdout: "NAME REFERENCE" as written, then the outcome
 * with the value hidden. */
void report_check(const struct changes *c);

/* The outcome part of a change's --check line, after "NAME REFERENCE":
 * " ok ******** (12 bytes, file, lease 1h, renewable)" and the like;
 * allocated, for the caller to free. */
char *report_change_text(const struct change *ch);

#endif
