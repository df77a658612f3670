/* floor_exec.c - the start-up floor for `vaultrun -- true`: a program linked
 * exactly like vaultrun (libcurl, inih, jansson; -z relro -z now) that does
 * nothing but exec its arguments, searching PATH as vaultrun does.  What
 * vaultrun costs beyond this is its own work; this much is the price of its
 * libraries and of being a separate process at all. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: floor_exec command [argument ...]\n", stderr);
		return 64;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
