/* exec.h - the last step: restore what vaultrun changed, then execve.
 *
 * exec_protect runs first thing: the process becomes non-dumpable and its
 * core limit 0 while secrets are in memory.  exec_command restores the core
 * limit and the signal state, searches PATH as execvp does, and execve's.
 */
#ifndef VAULTRUN_EXEC_H
#define VAULTRUN_EXEC_H

#include "status.h"

void exec_protect(void);

/* Search the command's PATH (from envp, else the system default) for
 * argv[0] unless it holds a '/', and execve it.  Returns only on failure:
 * ST_NOT_FOUND (127) or ST_CANNOT_EXEC (126) with a message. */
int exec_command(char *const *argv, char *const *envp, struct error *err);

#endif
