/* spawn.h - one start of the supervised command: its descriptors (pipes or
 * the pseudo-terminal, for the masked streams), its process group and the
 * terminal, fork, and in the child the signal state put back and execve.
 * Internal to supervise.c. */
#ifndef VAULTRUN_SPAWN_H
#define VAULTRUN_SPAWN_H

#include "status.h"

struct supervisor;

/* What the command's 0, 1 or 2 is. */
enum spawn_fd {
	SPAWN_INHERIT = 0, /* vaultrun's own */
	SPAWN_PTY,         /* the pseudo-terminal's slave */
	SPAWN_PIPE         /* a pipe's write end, read through the masker */
};

struct spawn_routes {
	int fd[3]; /* enum spawn_fd */
	int term;  /* the pseudo-terminal is modelled on this terminal, or -1 */
	int out;   /* its master is relayed to this; -1: no pseudo-terminal */
	int input; /* vaultrun's standard input is relayed to the master */
};

/* The command's descriptors for mask (enum supervise_mask) when tty[i]
 * says whether vaultrun's i is a terminal: a pseudo-terminal when a masked
 * stream is a terminal, and then for every terminal among 0, 1 and 2 (so
 * that the command shares one as it would have shared vaultrun's); any
 * other masked stream through a pipe; the rest as vaultrun's.  Pure. */
void spawn_route(int mask, const int tty[3], struct spawn_routes *r);

/* Start the command with s->envp: ST_OK once it runs it (s->pid, s->starts
 * one more), else its status with err filled (a failed exec: s->exited, the
 * child reaped).  The first start takes the controlling terminal when
 * vaultrun is in its foreground group (s->tty, s->modes); a pseudo-terminal
 * once made (s->pty) serves every restart.  What is opened here reaches
 * the command only as its 0, 1 or 2. */
int spawn_start(struct supervisor *s, struct error *err);

#endif
