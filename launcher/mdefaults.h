/* mdefaults.h - [defaults] NAME = value, given to their variables once the
 * whole manifest is read (a variable may be defined further down).
 */
#ifndef VAULTRUN_MDEFAULTS_H
#define VAULTRUN_MDEFAULTS_H

#include "manifest.h"
#include "nameset.h"

struct mdefaults;

struct mdefaults *mdefaults_new(void);
/* Keep a copy of name = value from line; returns 0, or the line of an
 * earlier default for the same name. */
unsigned mdefaults_add(struct mdefaults *d, const char *name, const char *value,
                       unsigned line);
/* Give each default to the variable of m that vars (name -> line) names:
 * 1, or 0 with *name and *line the first default that has none (valid
 * until mdefaults_free). */
int mdefaults_apply(struct mdefaults *d, struct manifest *m,
                    const struct nameset *vars, const char **name, unsigned *line);
void mdefaults_free(struct mdefaults *d);

#endif
