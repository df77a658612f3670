/* test_spawn.c - what the supervised command's 0, 1 and 2 are, for each
 * --mask and each set of vaultrun's descriptors that are terminals.  (The
 * start itself runs end to end: tests/e2e/test_supervise.py.) */
#include <stdio.h>

#include "spawn.h"
#include "supervise.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum { I = SPAWN_INHERIT, T = SPAWN_PTY, P = SPAWN_PIPE };

TEST(spawn_route_table)
{
	static const struct {
		int mask, tty[3];
		int fd[3], term, out, input;
	} cases[] = {
		/* no terminal: the masked streams through pipes */
		{SUPERVISE_MASK_ALL, {0, 0, 0}, {I, P, P}, -1, -1, 0},
		{SUPERVISE_MASK_STDERR, {0, 0, 0}, {I, I, P}, -1, -1, 0},
		{SUPERVISE_MASK_NONE, {0, 0, 0}, {I, I, I}, -1, -1, 0},
		/* an interactive shell's: one pseudo-terminal for all three,
		 * modelled on stdin, relayed to stdout, stdin relayed in */
		{SUPERVISE_MASK_ALL, {1, 1, 1}, {T, T, T}, 0, 1, 1},
		{SUPERVISE_MASK_STDERR, {1, 1, 1}, {T, T, T}, 0, 2, 1},
		{SUPERVISE_MASK_NONE, {1, 1, 1}, {I, I, I}, 0, -1, 0},
		/* output to a file (cmd > out): stdout a pipe, the terminals
		 * the pseudo-terminal's */
		{SUPERVISE_MASK_ALL, {1, 0, 1}, {T, P, T}, 0, 2, 1},
		/* --mask stderr with stderr redirected: no pseudo-terminal,
		 * stdout and stdin stay vaultrun's terminal */
		{SUPERVISE_MASK_STDERR, {1, 1, 0}, {I, I, P}, 0, -1, 0},
		/* stdin not a terminal (a pipe into vaultrun): nothing relayed
		 * in; the model is the first terminal */
		{SUPERVISE_MASK_ALL, {0, 1, 1}, {I, T, T}, 1, 1, 0},
		{SUPERVISE_MASK_ALL, {0, 0, 1}, {I, P, T}, 2, 2, 0},
		/* stdin alone a terminal: not a masked stream, no pty */
		{SUPERVISE_MASK_ALL, {1, 0, 0}, {I, P, P}, 0, -1, 0},
		/* an unmasked terminal shares the pseudo-terminal */
		{SUPERVISE_MASK_STDERR, {0, 1, 1}, {I, T, T}, 1, 2, 0},
	};
	size_t i;
	int fd;

	for (i = 0; i < N(cases); i++) {
		struct spawn_routes r;
		int ok;

		spawn_route(cases[i].mask, cases[i].tty, &r);
		ok = r.term == cases[i].term && r.out == cases[i].out &&
		     r.input == cases[i].input;
		for (fd = 0; fd < 3; fd++)
			ok = ok && r.fd[fd] == cases[i].fd[fd];
		CHECK(ok);
		if (!ok)
			fprintf(stderr,
			        "  case %zu: fd %d %d %d term %d out %d input %d\n",
			        i, r.fd[0], r.fd[1], r.fd[2], r.term, r.out,
			        r.input);
	}
}
