/* spawn.h - one start of the supervised command: its descriptors (pipes or
 * the pseudo-terminal, for the masked streams), its process group and the
 * terminal, fork, and in the child the signal state put back and execve.
 * Internal to supervise.c. */
#ifndef VAULTRUN_SPAWN_H
#define VAULTRUN_SPAWN_H

#include "status.h"

struct supervisor;

/* Start the command with s->envp: ST_OK once it runs it (s->pid, s->starts
 * one more), else its status with err filled (a failed exec: s->exited, the
 * child reaped).  The first start takes the controlling terminal when
 * vaultrun is in its foreground group (s->tty, s->modes); a pseudo-terminal
 * once made (s->pty) serves every restart.  What is opened here reaches
 * the command only as its 0, 1 or 2. */
int spawn_start(struct supervisor *s, struct error *err);

#endif
