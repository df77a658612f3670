/* supervisor.h - the supervisor's private state, shared by supervise.c (the
 * signals, the loop, restarts) and spawn.c (each start of the command).
 * Internal to the two. */
#ifndef VAULTRUN_SUPERVISOR_H
#define VAULTRUN_SUPERVISOR_H

#include <signal.h>
#include <sys/types.h>
#include <termios.h>

#include "status.h"
#include "supervise.h"

/* One state, not a flag per request: a stop signal forwarded to the
 * command (its user's: docker stop, Ctrl-C to vaultrun) is final, and
 * cancels a restart or an end under way, which can no longer be asked for
 * either.  (A restart cancelled by clearing its environment alone left
 * nothing to say that the command was stopping: the next change restarted
 * it, and the user's signal was lost.) */
enum after {
	AFTER_EXIT,    /* running: vaultrun exits with its status */
	AFTER_RESTART, /* stopping for a restart: started again */
	AFTER_END,     /* stopping for --on-change exit: end_code */
	AFTER_SIGNAL   /* stopping for a signal: exits with its status */
};

struct supervisor {
	const struct supervise_opts *o;
	sigset_t orig;    /* the mask vaultrun started with */
	int chld_ignored; /* SIGCHLD was SIG_IGN: put back in the child */
	int sfd;
	pid_t pid;
	int exited, code;
	struct relay *rl; /* the masked streams */
	struct pty *pty;
	int relay_in;         /* pty: vaultrun's stdin goes to the master */
	int tty;              /* the controlling terminal, when handed over */
	struct termios modes; /* tty's, before the first start */
	int have_modes;
	double kill_at;         /* --kill-after: when to SIGKILL; < 0 none */
	char *const *envp;      /* the command's, this start */
	enum after after;       /* what the command's exit leads to */
	char *const *next_envp; /* AFTER_RESTART: the next start's */
	int end_code;           /* AFTER_END: vaultrun's status */
	int signalled;          /* AFTER_SIGNAL: the signal forwarded */
	unsigned starts;
	struct error start_err; /* a restart that could not start */
	int start_rc;
};

#endif
