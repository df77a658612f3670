/* pty.h - a pseudo-terminal for the command, relayed to vaultrun's own.
 *
 * When a masked stream is a terminal, the command gets the slave side of a
 * new pseudo-terminal (with the terminal's settings and window size) so that
 * isatty(), colours and line editing work; vaultrun reads the master side
 * through the masker.  While the command runs, vaultrun's terminal is in raw
 * mode (the pseudo-terminal does the line discipline); pty_restore puts it
 * back, and pty_free does too.
 */
#ifndef VAULTRUN_PTY_H
#define VAULTRUN_PTY_H

#include "status.h"

struct pty;

/* A pseudo-terminal modelled on the terminal term (a descriptor of
 * vaultrun's; borrowed, not closed).  The master is close-on-exec and
 * non-blocking.  ST_OSERR when none can be had. */
int pty_new(struct pty **out, int term, struct error *err);
/* Restore the terminal (if raw) and close the master; NULL is a no-op. */
void pty_free(struct pty *p);

int pty_master(const struct pty *p);

/* In the child, after fork: a new session whose controlling terminal is the
 * slave.  Returns the slave's descriptor, or -1 with errno. */
int pty_attach(const struct pty *p);

/* vaultrun's terminal into raw mode (input then goes to the command as
 * typed), and back. */
int pty_raw(struct pty *p);
void pty_restore(struct pty *p);

/* Pass the terminal's window size on (the kernel then signals SIGWINCH to
 * the command's foreground group if it changed). */
void pty_sync_size(const struct pty *p);

#endif
