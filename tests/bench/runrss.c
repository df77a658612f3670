/* runrss.c - run a command, report its peak RSS.
 *
 *     runrss RESULT-FILE command [argument ...]
 *
 * forks (from this small process, so the child does not start out with a
 * big parent's page-table footprint: Linux keeps the larger of the old and
 * new image's peak across execve, and a vfork'd child of a Python process
 * would report Python's), execs the command with the same stdio, waits for
 * it with wait4 and writes "EXIT-CODE MAXRSS-KIB" to RESULT-FILE.  The
 * child's ru_maxrss covers the command and whatever it exec'd. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int status, rc;

	if (argc < 3) {
		fputs("usage: runrss RESULT-FILE command [argument ...]\n", stderr);
		return 64;
	}
	pid = fork();
	if (pid < 0) {
		perror("runrss: fork");
		return 71;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("runrss: wait4");
		return 71;
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 71;
	}
	fprintf(out, "%d %ld\n", rc, ru.ru_maxrss);
	fclose(out);
	return rc;
}
