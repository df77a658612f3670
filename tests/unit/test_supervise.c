/* test_supervise.c - supervise mode's options on the command line and the
 * signal names --stop-signal takes.  (The supervisor itself runs end to end:
 * tests/e2e/test_supervise.py.) */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "supervise.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int parse(const char *const *args, struct cli *c, struct error *err)
{
	char *argv[12];
	int argc = 0;

	argv[argc++] = (char *)"vaultrun";
	while (*args && argc < 11)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return cli_parse(argc, argv, c, err);
}

TEST(supervise_options)
{
	static const struct {
		const char *argv[8];
		int supervise, mask;
		double kill_after;
		int stop_signal;
	} ok[] = {
		{{"env", NULL}, 0, -1, -1, 0},
		{{"-s", "env", NULL}, 1, -1, -1, 0},
		{{"--supervise", "env", NULL}, 1, -1, -1, 0},
		{{"-s", "--mask", "all", "env", NULL}, 1, SUPERVISE_MASK_ALL, -1, 0},
		{{"-s", "--mask=stderr", "env", NULL}, 1, SUPERVISE_MASK_STDERR, -1, 0},
		{{"-s", "--mask", "none", "env", NULL}, 1, SUPERVISE_MASK_NONE, -1, 0},
		{{"-s", "--kill-after", "2.5", "env", NULL}, 1, -1, 2.5, 0},
		{{"-s", "--kill-after", "0", "env", NULL}, 1, -1, 0, 0},
		{{"-s", "--stop-signal", "INT", "env", NULL}, 1, -1, -1, SIGINT},
		{{"-s", "--stop-signal=sigusr2", "env", NULL}, 1, -1, -1, SIGUSR2},
		/* options after the command are the command's */
		{{"env", "-s", "--mask", "x", NULL}, 0, -1, -1, 0},
	};
	static const struct {
		const char *argv[8];
		const char *msg;
	} bad[] = {
		{{"--mask", "all", "env", NULL}, "--mask: only makes sense with -s"},
		{{"--kill-after", "1", "env", NULL},
	         "--kill-after: only makes sense with -s"},
		{{"--stop-signal", "TERM", "env", NULL},
	         "--stop-signal: only makes sense with -s"},
		{{"-s", "--mask", "stdout", "env", NULL},
	         "--mask: expected all, stderr or none"},
		{{"-s", "--mask", "ALL", "env", NULL},
	         "--mask: expected all, stderr or none"},
		{{"-s", "--kill-after", "-1", "env", NULL},
	         "--kill-after: expected a number of seconds"},
		{{"-s", "--kill-after", "1e9", "env", NULL},
	         "--kill-after: expected a number of seconds"},
		{{"-s", "--stop-signal", "KILL", "env", NULL},
	         "--stop-signal: expected a signal name that can be caught"},
		{{"-s", "--stop-signal", "", "env", NULL},
	         "--stop-signal: expected a signal name that can be caught"},
		{{"-s", "-n", NULL}, "--supervise: cannot be combined with --check"},
		{{"-s", NULL}, "no command given"},
	};
	struct cli c;
	struct error err;
	size_t i;

	for (i = 0; i < N(ok); i++) {
		REQUIRE(parse(ok[i].argv, &c, &err) == ST_OK);
		CHECK(c.supervise == ok[i].supervise);
		CHECK(c.mask == ok[i].mask);
		CHECK(c.kill_after == ok[i].kill_after);
		CHECK(c.stop_signal == ok[i].stop_signal);
		cli_free(&c);
	}
	for (i = 0; i < N(bad); i++) {
		CHECK(parse(bad[i].argv, &c, &err) == ST_USAGE);
		CHECK(strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fprintf(stderr, "  got \"%s\"\n", err.msg);
		cli_free(&c);
	}
}

TEST(supervise_signal_names)
{
	static const struct {
		const char *name;
		int sig;
	} cases[] = {
		{"TERM", SIGTERM},
		{"SIGTERM", SIGTERM},
		{"term", SIGTERM},
		{"SigHup", SIGHUP},
		{"15", SIGTERM},
		{"1", SIGHUP},
		{"WINCH", SIGWINCH},
		{"USR1", SIGUSR1},
		{"SYS", SIGSYS},
		{"CHLD", SIGCHLD},
		{"31", 31},
		/* not catchable, or no signal */
		{"KILL", 0},
		{"SIGSTOP", 0},
		{"9", 0},
		{"19", 0},
		{"0", 0},
		{"32", 0},
		{"-1", 0},
		{"", 0},
		{"SIG", 0},
		{"TERMX", 0},
		{"SIGSIGTERM", 0},
		{" TERM", 0},
		{"15 ", 0},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		CHECK(supervise_signal(cases[i].name) == cases[i].sig);
		if (supervise_signal(cases[i].name) != cases[i].sig)
			fprintf(stderr, "  \"%s\"\n", cases[i].name);
	}
}
