/* relay.h - the command's masked streams, through vaultrun.
 *
 * A masked stream is a descriptor of vaultrun's (a pipe's read end, or the
 * pseudo-terminal's master) whose bytes go through a stream masker to
 * vaultrun's own 1 or 2; with a pseudo-terminal, vaultrun's standard input
 * goes the other way, unmasked.  The masker knows every value of mask.c's
 * registry as it was at relay_new or the last relay_reset.
 */
#ifndef VAULTRUN_RELAY_H
#define VAULTRUN_RELAY_H

#include <stddef.h>

#define RELAY_FDS 4 /* the descriptors relay_fds fills in at most */

struct pollfd;
struct relay;

struct relay *relay_new(void);
/* Closes the streams it owns; NULL is a no-op. */
void relay_free(struct relay *rl);

/* A stream from `from` (non-blocking) to `to`, both borrowed; own: `from`
 * is closed at the stream's end (a pseudo-terminal's master is not:
 * closing it would hang up the command's terminal).  At most 3. */
void relay_add(struct relay *rl, int from, int to, int own);

/* vaultrun's standard input to `to` (the master), while it has input. */
void relay_input(struct relay *rl, int to);

/* SIGINT or SIGQUIT when input relayed since the last call held the
 * terminal's interrupt or quit character (the pseudo-terminal's own
 * c_cc[VINTR] and c_cc[VQUIT], with ISIG on: its line discipline signals
 * the command for it, as a terminal does without vaultrun), else 0. */
int relay_typed(struct relay *rl);

/* The descriptors to poll now, in pf (room for RELAY_FDS); relay_pump
 * then handles their revents (the same n entries). */
size_t relay_fds(struct relay *rl, struct pollfd *pf);
void relay_pump(struct relay *rl, const struct pollfd *pf, size_t n);

/* The command is gone: what it wrote is in the pipes already.  Take that
 * (not what orphans may still write), flush the masker, end the streams. */
void relay_drain(struct relay *rl);

/* For the next start: drained, no stream left, no input relayed, and the
 * masker rebuilt from the registry (the old values and the new). */
void relay_reset(struct relay *rl);

#endif
