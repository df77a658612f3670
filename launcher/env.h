/* env.h - the command's environment: inherited variables plus secrets.
 *
 * Secrets leave their struct secret only here, copied into the NAME=value
 * strings handed to execve.  [files] values go into sealed memfds that stay
 * open across execve, and their variables name /dev/fd/N.
 */
#ifndef VAULTRUN_ENV_H
#define VAULTRUN_ENV_H

#include <stddef.h>

#include "changes.h"
#include "secret.h"
#include "status.h"

struct env_opts {
	int ignore_env;          /* -i */
	const char *const *keep; /* --keep names */
	size_t nkeep;
	int keep_vault_env;
	const char *const *drop;    /* credential variables, NULL-terminated */
	const struct secret *token; /* minted token for VAULT_TOKEN, or NULL */
};

/* Build envp (owned by the caller, release with env_free) from the inherited
 * environment and the changes a resolution yielded, applied in order (a
 * later change of the same name replaces an earlier one).  argv is the command, for the
 * ARG_MAX check.  ST_DATA when a variable exceeds the kernel's 128 KiB limit
 * for one string or the whole exceeds ARG_MAX; ST_OSERR when a memfd cannot
 * be made. */
int env_build(char ***envp, char *const *inherited, const struct env_opts *o,
              const struct changes *c, char *const *argv, struct error *err);

/* Does NAME=value fit the kernel's limit for one string (128 KiB)? */
int env_value_fits(const char *name, size_t len);

/* Close the [files] memfds that envp names for c's file changes (a restart
 * replaces them: the next command must not inherit the old ones). */
void env_close_files(char **envp, const struct changes *c);

/* Wipe and free every string, then the array. */
void env_free(char **envp);

#endif
