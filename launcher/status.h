/* status.h - exit statuses and the error record that carries them upward.
 *
 * Modules never print and never exit: a fallible function returns one of
 * these statuses (ST_OK = 0 on success) and fills the caller's struct error
 * with a one-line message.  Only main.c prints it and picks the exit code.
 * A message never contains a secret value or a token.
 */
#ifndef VAULTRUN_STATUS_H
#define VAULTRUN_STATUS_H

enum status {
	ST_OK = 0,
	ST_USAGE = 64, /* bad command line */
	ST_DATA = 65,  /* key missing, NUL byte, value too large, bad profile */
	ST_NOINPUT = 66, /* secret path or named file does not exist */
	ST_UNAVAILABLE = 69, /* cannot connect, TLS, sealed, 5xx, redirect refused */
	ST_SOFTWARE = 70, /* internal error */
	ST_OSERR = 71,    /* a system call failed */
	ST_TEMPFAIL = 75, /* deadline passed, 429/412 persisted */
	ST_PROTOCOL = 76, /* the answer is not the Vault API */
	ST_NOPERM = 77,   /* login failed, token invalid, 403 */
	ST_CONFIG = 78,   /* manifest or settings wrong */
	ST_CANNOT_EXEC = 126,
	ST_NOT_FOUND = 127,
};

struct error {
	int status;
	char msg[512];
};

/* Record status and a printf-style message in e (which may be NULL);
 * returns status so that callers can write `return error_set(...)`. */
int error_set(struct error *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
