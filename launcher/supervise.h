/* supervise.h - --supervise: the command as vaultrun's child.
 *
 * vaultrun forks after everything resolved and stays the parent until the
 * command exits: the child gets its own process group (the terminal's
 * foreground group when vaultrun holds the terminal), the signal mask and
 * dispositions vaultrun started with, and no descriptor of vaultrun's but
 * the standard ones and the [files] memfds.  Signals vaultrun receives are
 * forwarded once to the child's group; orphans reparented to vaultrun (a
 * child subreaper) are reaped; the masked streams go through pipes (or a
 * pseudo-terminal when they are terminals) and the stream masker.
 */
#ifndef VAULTRUN_SUPERVISE_H
#define VAULTRUN_SUPERVISE_H

#include <signal.h>

#include "status.h"

enum supervise_mask {
	SUPERVISE_MASK_ALL = 0, /* stdout and stderr */
	SUPERVISE_MASK_STDERR,
	SUPERVISE_MASK_NONE /* the command gets vaultrun's descriptors */
};

struct pollfd;
struct supervisor; /* the running supervisor, handed to an agent's run */

/* Work that shares the supervisor's event loop (renewals, re-reads): its
 * descriptors are polled with the child's streams and signals, and poll
 * never waits past its timeout.  run is called after every wake-up while
 * the command runs; it may restart or end the command through sv. */
struct supervise_agent {
	void *ctx;
	size_t (*fds)(void *ctx, struct pollfd *pf, size_t cap);
	long (*timeout)(void *ctx); /* ms until run is due; -1: none */
	void (*run)(void *ctx, struct supervisor *sv);
};

struct supervise_opts {
	const char *file;  /* what exec_find found */
	char *const *argv; /* the command */
	char *const *envp;
	int mask;                            /* enum supervise_mask */
	double kill_after;                   /* seconds; < 0: never */
	int stop_signal;                     /* stops it for a restart */
	const struct supervise_agent *agent; /* may be NULL */
	const sigset_t *sigmask; /* the command's signal mask; NULL: the
	                            caller's at the call */
};

/* Run the command to its end, masking every value of mask.c's registry.
 * ST_OK with *code the command's exit status (128+N for a signal N); or the
 * command could not be started: ST_NOT_FOUND/ST_CANNOT_EXEC (as in exec
 * mode) or ST_OSERR, with err filled.  Signals stay blocked on return. */
int supervise_run(const struct supervise_opts *o, int *code, struct error *err);

/* From an agent's run: stop the command (stop_signal to its group, SIGKILL
 * kill_after later) and, once it has exited, start it again exactly as the
 * first time (own group, terminal and its modes, masks, descriptors) with
 * envp, borrowed until the next restart or the end; the masker is rebuilt
 * from mask.c's registry, old values included.  Ignored while a stop is
 * under way.  A stop signal (TERM, INT, HUP, QUIT) forwarded to the
 * command meanwhile cancels it: the command is not started again. */
void supervise_restart(struct supervisor *sv, char *const *envp);

/* From an agent's run: stop the command the same way, then end with code
 * instead of its status (--on-change exit); a stop signal forwarded
 * meanwhile makes the command's status vaultrun's again. */
void supervise_end(struct supervisor *sv, int code);

/* The command is stopping: a restart or end asked for and not done yet,
 * or a stop signal forwarded to it. */
int supervise_stopping(const struct supervisor *sv);

/* The stop signal forwarded to the command (the first), or 0: it is
 * stopping for good, and restarts and ends are ignored until it exits. */
int supervise_signalled(const struct supervisor *sv);

/* How many times the command was started so far (1, then one more for each
 * restart that went through). */
unsigned supervise_starts(const struct supervisor *sv);

/* A signal's number from its name ("TERM", "SIGTERM", "term") or number;
 * 0 when it names no signal that can be caught. */
int supervise_signal(const char *name);

#endif
