/* exec.c - PATH search and execve, after putting the process back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "util.h"

static struct rlimit saved_core;
static int core_saved;

void exec_protect(void)
{
	struct rlimit none = {0, 0};

	if (getrlimit(RLIMIT_CORE, &saved_core) == 0) {
		core_saved = 1;
		none.rlim_max = saved_core.rlim_max;
		setrlimit(RLIMIT_CORE, &none);
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The command gets the process as vaultrun found it.  vaultrun changes no
 * signal disposition or mask (libcurl runs with CURLOPT_NOSIGNAL), so what
 * its caller set, ignored signals included, passes through untouched; only
 * the core limit is put back.  The dumpable flag comes back by itself: execve
 * of a binary that is not set-id resets it. */
static void restore(void)
{
	if (core_saved)
		setrlimit(RLIMIT_CORE, &saved_core);
}

static const char *env_path(char *const *envp)
{
	size_t i;

	for (i = 0; envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			return envp[i] + 5;
	return NULL;
}

/* execve, and for a file the kernel cannot run (no #! line), /bin/sh as
 * execvp does. */
static void try_exec(const char *file, char *const *argv, char *const *envp)
{
	size_t n;
	char **sh;

	execve(file, argv, envp);
	if (errno != ENOEXEC)
		return;
	for (n = 0; argv[n]; n++)
		;
	sh = xcalloc(n + 2, sizeof *sh);
	sh[0] = (char *)"sh";
	sh[1] = (char *)file;
	memcpy(sh + 2, argv + 1, n * sizeof *sh); /* argv[1..n-1] and NULL */
	execve("/bin/sh", sh, envp);
	free(sh);
	errno = ENOEXEC;
}

/* Can the kernel be asked to run path?  0, or the errno execve would give. */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno;
	if (S_ISDIR(st.st_mode) || access(path, X_OK) != 0)
		return EACCES;
	return 0;
}

int exec_find(const char *cmd, char *const *envp, char **found, struct error *err)
{
	const char *path, *p;
	char *full;
	int saw_eacces = 0, e;

	*found = NULL;
	if (*cmd == '\0')
		return error_set(err, ST_NOT_FOUND, "empty command name");
	if (strchr(cmd, '/')) {
		if ((e = runnable(cmd)) != 0)
			return error_set(err,
			                 e == ENOENT || e == ENOTDIR ?
			                         ST_NOT_FOUND :
			                         ST_CANNOT_EXEC,
			                 "%s: %s", cmd, strerror(e));
		*found = xstrdup(cmd);
		return ST_OK;
	}
	if ((path = env_path(envp)) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);

		/* An empty element means the current directory, as in execvp. */
		full = dlen ? xasprintf("%.*s/%s", (int)dlen, p, cmd) :
		              xstrdup(cmd);
		if ((e = runnable(full)) == 0) {
			*found = full;
			return ST_OK;
		}
		free(full);
		if (e == EACCES)
			saw_eacces = 1;
		if (end == NULL)
			break;
		p = end;
	}
	if (saw_eacces)
		return error_set(err, ST_CANNOT_EXEC, "%s: %s", cmd,
		                 strerror(EACCES));
	return error_set(err, ST_NOT_FOUND, "%s: command not found", cmd);
}

int exec_command(const char *file, char *const *argv, char *const *envp,
                 struct error *err)
{
	int e;

	restore();
	try_exec(file, argv, envp);
	e = errno;
	/* The file was there a moment ago: ENOENT now means its "#!"
	 * interpreter (or its ELF loader) is missing. */
	if (e == ENOENT && access(file, F_OK) == 0)
		return error_set(err, ST_NOT_FOUND,
		                 "%s: its interpreter (#! line) was not found",
		                 argv[0]);
	return error_set(err,
	                 e == ENOENT || e == ENOTDIR ? ST_NOT_FOUND : ST_CANNOT_EXEC,
	                 "%s: %s", argv[0], strerror(e));
}
