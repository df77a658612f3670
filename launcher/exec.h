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

/* Find the file to run for cmd: itself when it holds a '/', else the first
 * executable match in the command's PATH (from envp, else the system
 * default), as execvp searches.  *found is a heap string.  ST_NOT_FOUND
 * (127) or ST_CANNOT_EXEC (126) with a message when there is none, so that
 * this is known before the last requests (a token handed to a command that
 * cannot run would be stranded). */
int exec_find(const char *cmd, char *const *envp, char **found, struct error *err);

/* Restore the core limit and execve file (with /bin/sh for a script without
 * "#!", as execvp does).  Returns only on failure: 127 or 126. */
int exec_command(const char *file, char *const *argv, char *const *envp,
                 struct error *err);

#endif
