/* stop.h - SIGTERM, SIGINT and SIGHUP while vaultrun resolves.
 *
 * A stop signal must not kill vaultrun with a login token minted and
 * unrevoked: stop_catch installs handlers that only record the signal and
 * wake the fetch loop (fetch_set_stop); main.c then revokes, wipes and exits
 * 128+N.  A signal the caller ignored (nohup) stays ignored.  stop_release
 * puts every disposition back as vaultrun found it, before execve.
 */
#ifndef VAULTRUN_STOP_H
#define VAULTRUN_STOP_H

#include <signal.h>

/* Install the handlers; returns ST_OK or ST_OSERR (err filled). */
struct error;
int stop_catch(struct error *err);

/* The flag the handlers set (the first signal's number) and a descriptor
 * that becomes readable when it is set; -1 before stop_catch. */
const volatile sig_atomic_t *stop_flag(void);
int stop_fd(void);

/* The signal caught so far, or 0. */
int stop_signal(void);

/* Restore the dispositions and close the descriptors (idempotent).
 * Returns the signal caught until then, or 0: one that comes later meets
 * the caller's disposition. */
int stop_release(void);

#endif
