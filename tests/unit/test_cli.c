/* test_cli.c - the command line, table-driven: each case is an argv and
 * either the parsed options, summarised in one line, or the error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One line for everything cli_parse filled in. */
static void summary(const struct cli *c, char *buf, size_t cap)
{
	size_t n, i;

	n = (size_t)snprintf(buf, cap, "f=%s n=%d v=%d q=%d t=%g j=%ld i=%d",
	                     c->file ? c->file : "-", c->check, c->verbose,
	                     c->quiet, c->timeout, c->concurrency, c->ignore_env);
	for (i = 0; i < c->nkeep && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, " keep=%s", c->keep[i]);
	if (c->keep_vault_env && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " kve");
	if (c->export && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " export=%d", c->export);
	if (c->output && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " o=%s", c->output);
	if (c->help && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " help");
	if (c->version && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " version");
	if (c->command && n < cap) {
		n += (size_t)snprintf(buf + n, cap - n, " cmd=");
		for (i = 0; c->command[i] && n < cap; i++)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s",
			                      i ? "|" : "", c->command[i]);
	}
}

#define DEFAULTS "n=0 v=0 q=0 t=-1 j=0 i=0"

struct ccase {
	const char *argv[12]; /* after "vaultrun"; NULL-terminated */
	int status;
	const char *want; /* the summary, or the error message */
};

/* clang-format off */
static const struct ccase good[] = {
	{{"env", NULL}, ST_OK, "f=- " DEFAULTS " cmd=env"},
	/* every option, long and short */
	{{"-f", "m.ini", "env", NULL}, ST_OK, "f=m.ini " DEFAULTS " cmd=env"},
	{{"-fm.ini", "env", NULL}, ST_OK, "f=m.ini " DEFAULTS " cmd=env"},
	{{"--file", "m.ini", "env", NULL}, ST_OK, "f=m.ini " DEFAULTS " cmd=env"},
	{{"--file=m.ini", "env", NULL}, ST_OK, "f=m.ini " DEFAULTS " cmd=env"},
	{{"-f", "-", "env", NULL}, ST_OK, "f=- " DEFAULTS " cmd=env"},
	{{"-n", NULL}, ST_OK, "f=- n=1 v=0 q=0 t=-1 j=0 i=0"},
	{{"--check", NULL}, ST_OK, "f=- n=1 v=0 q=0 t=-1 j=0 i=0"},
	{{"-v", "env", NULL}, ST_OK, "f=- n=0 v=1 q=0 t=-1 j=0 i=0 cmd=env"},
	{{"--verbose", "env", NULL}, ST_OK, "f=- n=0 v=1 q=0 t=-1 j=0 i=0 cmd=env"},
	{{"-q", "env", NULL}, ST_OK, "f=- n=0 v=0 q=1 t=-1 j=0 i=0 cmd=env"},
	{{"--quiet", "env", NULL}, ST_OK, "f=- n=0 v=0 q=1 t=-1 j=0 i=0 cmd=env"},
	{{"-t", "5", "env", NULL}, ST_OK, "f=- n=0 v=0 q=0 t=5 j=0 i=0 cmd=env"},
	{{"-t0.25", "env", NULL}, ST_OK, "f=- n=0 v=0 q=0 t=0.25 j=0 i=0 cmd=env"},
	{{"--timeout", "1.5", "env", NULL}, ST_OK,
	 "f=- n=0 v=0 q=0 t=1.5 j=0 i=0 cmd=env"},
	{{"--timeout=90", "env", NULL}, ST_OK, "f=- n=0 v=0 q=0 t=90 j=0 i=0 cmd=env"},
	{{"-j", "4", "env", NULL}, ST_OK, "f=- n=0 v=0 q=0 t=-1 j=4 i=0 cmd=env"},
	{{"-j1024", "env", NULL}, ST_OK, "f=- n=0 v=0 q=0 t=-1 j=1024 i=0 cmd=env"},
	{{"--concurrency", "1", "env", NULL}, ST_OK,
	 "f=- n=0 v=0 q=0 t=-1 j=1 i=0 cmd=env"},
	{{"--concurrency=64", "env", NULL}, ST_OK,
	 "f=- n=0 v=0 q=0 t=-1 j=64 i=0 cmd=env"},
	{{"-i", "env", NULL}, ST_OK, "f=- n=0 v=0 q=0 t=-1 j=0 i=1 cmd=env"},
	{{"--ignore-environment", "env", NULL}, ST_OK,
	 "f=- n=0 v=0 q=0 t=-1 j=0 i=1 cmd=env"},
	{{"-i", "--keep", "PGHOST", "--keep=_X1", "env", NULL}, ST_OK,
	 "f=- n=0 v=0 q=0 t=-1 j=0 i=1 keep=PGHOST keep=_X1 cmd=env"},
	{{"--keep", "A", "-i", "env", NULL}, ST_OK, /* order does not matter */
	 "f=- n=0 v=0 q=0 t=-1 j=0 i=1 keep=A cmd=env"},
	{{"--keep-vault-env", "env", NULL}, ST_OK, "f=- " DEFAULTS " kve cmd=env"},
	{{"-h", NULL}, ST_OK, "f=- " DEFAULTS " help"},
	{{"--help", NULL}, ST_OK, "f=- " DEFAULTS " help"},
	{{"-V", NULL}, ST_OK, "f=- " DEFAULTS " version"},
	{{"--version", NULL}, ST_OK, "f=- " DEFAULTS " version"},
	/* -h and -V win over what a run would need, and what follows */
	{{"-n", "-h", "cmd", NULL}, ST_OK, "f=- n=1 v=0 q=0 t=-1 j=0 i=0 help"},
	{{"-V", "--bogus", NULL}, ST_OK, "f=- " DEFAULTS " version"},
	/* unambiguous abbreviations, as getopt_long allows */
	{{"--conc=3", "--ign", "env", NULL}, ST_OK,
	 "f=- n=0 v=0 q=0 t=-1 j=3 i=1 cmd=env"},
	/* -v counts */
	{{"-vvv", "env", NULL}, ST_OK, "f=- n=0 v=3 q=0 t=-1 j=0 i=0 cmd=env"},
	{{"-v", "--verbose", "-v", "env", NULL}, ST_OK,
	 "f=- n=0 v=3 q=0 t=-1 j=0 i=0 cmd=env"},
	/* clustered short options, the last taking a value */
	{{"-ivj8", "env", NULL}, ST_OK, "f=- n=0 v=1 q=0 t=-1 j=8 i=1 cmd=env"},
	{{"-nf", "x.ini", NULL}, ST_OK, "f=x.ini n=1 v=0 q=0 t=-1 j=0 i=0"},
	/* '+': the first operand ends the options; the command keeps its own */
	{{"env", "-i", NULL}, ST_OK, "f=- " DEFAULTS " cmd=env|-i"},
	{{"-v", "env", "-i", "--keep", "X", "-v", NULL}, ST_OK,
	 "f=- n=0 v=1 q=0 t=-1 j=0 i=0 cmd=env|-i|--keep|X|-v"},
	{{"sh", "-c", "echo --check", NULL}, ST_OK,
	 "f=- " DEFAULTS " cmd=sh|-c|echo --check"},
	/* "--" ends the options; only the first one is consumed */
	{{"--", "env", NULL}, ST_OK, "f=- " DEFAULTS " cmd=env"},
	{{"-v", "--", "-i", NULL}, ST_OK, "f=- n=0 v=1 q=0 t=-1 j=0 i=0 cmd=-i"},
	{{"--", "--", "x", NULL}, ST_OK, "f=- " DEFAULTS " cmd=--|x"},
	{{"env", "--", "-i", NULL}, ST_OK, "f=- " DEFAULTS " cmd=env|--|-i"},
	{{"-n", "--", NULL}, ST_OK, "f=- n=1 v=0 q=0 t=-1 j=0 i=0"},
	/* an option's value may look like an option */
	{{"-f", "--", "env", NULL}, ST_OK, "f=-- " DEFAULTS " cmd=env"},
	{{"-f", "-v", "env", NULL}, ST_OK, "f=-v " DEFAULTS " cmd=env"},
	/* a lone "-" is an operand */
	{{"-", NULL}, ST_OK, "f=- " DEFAULTS " cmd=-"},
	/* --export: every format, no command; -o with it */
	{{"--export", "shell", NULL}, ST_OK, "f=- " DEFAULTS " export=1"},
	{{"--export=dotenv", NULL}, ST_OK, "f=- " DEFAULTS " export=2"},
	{{"--export", "docker", "-f", "m.ini", NULL}, ST_OK,
	 "f=m.ini " DEFAULTS " export=3"},
	{{"--export", "github", "-o", "out.env", NULL}, ST_OK,
	 "f=- " DEFAULTS " export=4 o=out.env"},
	{{"--export", "json", "--output=x.json", NULL}, ST_OK,
	 "f=- " DEFAULTS " export=5 o=x.json"},
	{{"-oout", "--export", "json", "-v", NULL}, ST_OK,
	 "f=- n=0 v=1 q=0 t=-1 j=0 i=0 export=5 o=out"},
	{{"--export", "shell", "--", NULL}, ST_OK, "f=- " DEFAULTS " export=1"},
	{{"--exp", "shell", "--out", "-", NULL}, ST_OK, /* "-": standard output */
	 "f=- " DEFAULTS " export=1 o=-"},
};

static const struct ccase bad[] = {
	/* unknown options */
	{{"-Z", "env", NULL}, ST_USAGE, "unknown option -Z"},
	{{"--bogus", "env", NULL}, ST_USAGE, "unknown option --bogus"},
	{{"-vZ", "env", NULL}, ST_USAGE, "unknown option -Z"},
	{{"--ver", NULL}, ST_USAGE, "unknown option --ver"}, /* ambiguous */
	/* missing values */
	{{"-f", NULL}, ST_USAGE, "-f: option needs a value"},
	{{"--file", NULL}, ST_USAGE, "--file: option needs a value"},
	{{"-t", NULL}, ST_USAGE, "-t: option needs a value"},
	{{"--timeout", NULL}, ST_USAGE, "--timeout: option needs a value"},
	{{"-j", NULL}, ST_USAGE, "-j: option needs a value"},
	{{"--concurrency", NULL}, ST_USAGE, "--concurrency: option needs a value"},
	{{"-i", "--keep", NULL}, ST_USAGE, "--keep: option needs a value"},
	/* bad --timeout */
	{{"-t", "0", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"-t", "0.0", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"-t", "-1", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"--timeout", "abc", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"--timeout=1.2.3", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"--timeout=", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"-t", "1e3", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"-t", " 5", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	{{"-t", "5s", "env", NULL}, ST_USAGE,
	 "--timeout: expected a positive number of seconds (see vaultrun --help)"},
	/* bad -j */
	{{"-j", "0", "env", NULL}, ST_USAGE,
	 "--concurrency: expected an integer from 1 to 1024 (see vaultrun --help)"},
	{{"-j", "1025", "env", NULL}, ST_USAGE,
	 "--concurrency: expected an integer from 1 to 1024 (see vaultrun --help)"},
	{{"-j", "x", "env", NULL}, ST_USAGE,
	 "--concurrency: expected an integer from 1 to 1024 (see vaultrun --help)"},
	{{"--concurrency=-4", "env", NULL}, ST_USAGE,
	 "--concurrency: expected an integer from 1 to 1024 (see vaultrun --help)"},
	{{"-j", "4.0", "env", NULL}, ST_USAGE,
	 "--concurrency: expected an integer from 1 to 1024 (see vaultrun --help)"},
	{{"-j", "99999999999999999999999", "env", NULL}, ST_USAGE,
	 "--concurrency: expected an integer from 1 to 1024 (see vaultrun --help)"},
	/* --keep */
	{{"--keep", "A", "env", NULL}, ST_USAGE,
	 "--keep: only makes sense with -i (see vaultrun --help)"},
	{{"-i", "--keep", "1A", "env", NULL}, ST_USAGE,
	 "--keep: not a variable name (see vaultrun --help)"},
	{{"-i", "--keep", "A=B", "env", NULL}, ST_USAGE,
	 "--keep: not a variable name (see vaultrun --help)"},
	{{"-i", "--keep=", "env", NULL}, ST_USAGE,
	 "--keep: not a variable name (see vaultrun --help)"},
	/* combinations */
	{{"-q", "-v", "env", NULL}, ST_USAGE,
	 "--quiet: cannot be combined with --verbose (see vaultrun --help)"},
	{{"--verbose", "--quiet", "env", NULL}, ST_USAGE,
	 "--quiet: cannot be combined with --verbose (see vaultrun --help)"},
	{{"--check", "env", NULL}, ST_USAGE,
	 "--check: takes no command (see vaultrun --help)"},
	{{"-n", "--", "env", NULL}, ST_USAGE,
	 "--check: takes no command (see vaultrun --help)"},
	/* --export */
	{{"--export", "xml", NULL}, ST_USAGE,
	 "--export: unknown format 'xml' (expected shell, dotenv, docker, github or json)"},
	{{"--export", "Shell", NULL}, ST_USAGE,
	 "--export: unknown format 'Shell' (expected shell, dotenv, docker, github or json)"},
	{{"--export=", NULL}, ST_USAGE,
	 "--export: unknown format '' (expected shell, dotenv, docker, github or json)"},
	{{"--export", NULL}, ST_USAGE, "--export: option needs a value"},
	{{"--export", "shell", "env", NULL}, ST_USAGE,
	 "--export: takes no command (see vaultrun --help)"},
	{{"--export", "json", "--", "env", NULL}, ST_USAGE,
	 "--export: takes no command (see vaultrun --help)"},
	{{"-o", "f", "env", NULL}, ST_USAGE,
	 "--output: only makes sense with --export (see vaultrun --help)"},
	{{"-n", "--output", "f", NULL}, ST_USAGE,
	 "--output: only makes sense with --export (see vaultrun --help)"},
	{{"-o", NULL}, ST_USAGE, "-o: option needs a value"},
	{{"--export", "shell", "-o", "", NULL}, ST_USAGE,
	 "--output: expected a file name (see vaultrun --help)"},
	{{"--export", "shell", "-s", NULL}, ST_USAGE,
	 "--supervise: cannot be combined with --export (see vaultrun --help)"},
	{{"-n", "--export", "shell", NULL}, ST_USAGE,
	 "--check: cannot be combined with --export (see vaultrun --help)"},
	{{"--export", "shell", "-i", NULL}, ST_USAGE,
	 "--ignore-environment: only makes sense with a command, not with --export (see vaultrun --help)"},
	{{"--export", "shell", "--keep-vault-env", NULL}, ST_USAGE,
	 "--keep-vault-env: only makes sense with a command, not with --export (see vaultrun --help)"},
	{{"--export", "shell", "--mask", "none", NULL}, ST_USAGE,
	 "--mask: only makes sense with -s (see vaultrun --help)"},
	{{NULL}, ST_USAGE, "no command given (see vaultrun --help)"},
	{{"-v", NULL}, ST_USAGE, "no command given (see vaultrun --help)"},
	{{"--", NULL}, ST_USAGE, "no command given (see vaultrun --help)"},
};
/* clang-format on */

/* Parse "vaultrun" + c->argv; returns the status, fills got. */
static int run(const struct ccase *c, struct cli *cli, struct error *err,
               char *got, size_t cap)
{
	char *argv[16];
	int argc = 0, rc;

	argv[argc++] = (char *)"vaultrun";
	while (c->argv[argc - 1])
		argv[argc] = (char *)c->argv[argc - 1], argc++;
	argv[argc] = NULL;
	memset(err, 0, sizeof *err);
	rc = cli_parse(argc, argv, cli, err);
	if (rc == ST_OK)
		summary(cli, got, cap);
	else
		snprintf(got, cap, "%s", err->msg);
	return rc;
}

static void table(const struct ccase *cases, size_t n)
{
	struct cli c;
	struct error err;
	char got[512];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = run(&cases[i], &c, &err, got, sizeof got);
		if (rc != cases[i].status || strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "  case %zu: vaultrun %s ...: %d\n", i,
			        cases[i].argv[0] ? cases[i].argv[0] : "", rc);
		CHECK(rc == cases[i].status);
		if (rc != ST_OK)
			CHECK(err.status == rc);
		CHECK_STR(got, cases[i].want);
		cli_free(&c);
	}
}

TEST(cli_good)
{
	table(good, N(good));
}

TEST(cli_bad)
{
	table(bad, N(bad));
}

/* The command is argv itself, not a copy. */
TEST(cli_command_borrowed)
{
	char *argv[] = {(char *)"vaultrun", (char *)"-v", (char *)"pg_dump",
	                (char *)"-Fc", NULL};
	struct cli c;
	struct error err;

	REQUIRE(cli_parse(4, argv, &c, &err) == ST_OK);
	CHECK(c.command == argv + 2);
	CHECK(c.command[2] == NULL);
	cli_free(&c);
	CHECK(c.command == NULL && c.keep == NULL && c.nkeep == 0);
}

/* Many --keep: the array grows and is freed by cli_free (ASan). */
TEST(cli_keep_many)
{
	static char names[200][16];
	char *argv[2 * 200 + 4];
	struct cli c;
	struct error err;
	int argc = 0, i;

	argv[argc++] = (char *)"vaultrun";
	argv[argc++] = (char *)"-i";
	for (i = 0; i < 200; i++) {
		snprintf(names[i], sizeof names[i], "K%d", i);
		argv[argc++] = (char *)"--keep";
		argv[argc++] = names[i];
	}
	argv[argc++] = (char *)"env";
	argv[argc] = NULL;
	REQUIRE(cli_parse(argc, argv, &c, &err) == ST_OK);
	CHECK(c.nkeep == 200);
	CHECK_STR(c.keep[0], "K0");
	CHECK_STR(c.keep[199], "K199");
	cli_free(&c);
	/* a failure after some --keep leaves them to cli_free too */
	argv[argc - 1] = (char *)"--bogus";
	CHECK(cli_parse(argc, argv, &c, &err) == ST_USAGE);
	cli_free(&c);
}

/* cli_parse may be called more than once in a process (it resets getopt):
 * a parse that stopped inside a cluster of short options ("-hv": -h returns
 * at once; "-Zv": the unknown -Z) must not leak its leftover "v" into the
 * next parse. */
TEST(cli_reparse)
{
	static const char *const first[][3] = {
		{"vaultrun", "-hv", NULL},
		{"vaultrun", "-Vq", NULL},
		{"vaultrun", "-Zv", NULL},
		{"vaultrun", "-Zq", NULL},
	};
	char a0[] = "vaultrun", a1[] = "-n";
	char *second[] = {a0, a1, NULL};
	struct cli c;
	struct error err;
	size_t i;
	int rc;

	for (i = 0; i < N(first); i++) {
		char *argv[3];

		memcpy(argv, first[i], sizeof argv);
		cli_parse(2, argv, &c, &err);
		cli_free(&c);
		rc = cli_parse(2, second, &c, &err);
		if (rc != ST_OK || c.verbose || c.quiet)
			fprintf(stderr,
			        "  after \"%s\": -n parsed as %d v=%d q=%d\n",
			        first[i][1], rc, c.verbose, c.quiet);
		CHECK(rc == ST_OK);
		CHECK(c.check == 1 && c.verbose == 0 && c.quiet == 0);
		cli_free(&c);
	}
}

TEST(cli_usage_text)
{
	const char *u = cli_usage();

	CHECK(strncmp(u, "usage: vaultrun ", 16) == 0);
	CHECK(strstr(u, "--keep-vault-env") != NULL);
	CHECK(strstr(u, "--ignore-environment") != NULL);
	CHECK(strstr(u, "--export FORMAT") != NULL);
	CHECK(strstr(u, "-o, --output FILE") != NULL);
	CHECK(u[strlen(u) - 1] == '\n');
}

/* A long option that takes no value, given one: the message names the
 * option as typed.  (getopt_long reports these with optopt set to the
 * option's val, which is not always a printable short option:
 * --keep-vault-env's is 257.) */
TEST(cli_long_option_with_value)
{
	static const struct {
		const char *arg, *name;
	} cases[] = {
		{"--check=yes", "--check"},
		{"--verbose=2", "--verbose"},
		{"--help=x", "--help"},
		{"--keep-vault-env=1", "--keep-vault-env"},
	};
	struct cli c;
	struct error err;
	size_t i;
	int rc;

	for (i = 0; i < N(cases); i++) {
		char *argv[] = {(char *)"vaultrun", (char *)cases[i].arg,
		                (char *)"env", NULL};

		memset(&err, 0, sizeof err);
		rc = cli_parse(3, argv, &c, &err);
		CHECK(rc == ST_USAGE);
		if (strstr(err.msg, cases[i].name) == NULL)
			fprintf(stderr, "  %s: \"%s\"\n", cases[i].arg, err.msg);
		CHECK(strstr(err.msg, cases[i].name) != NULL);
		cli_free(&c);
	}
}

/* --watch and --on-change: with -s only, positive seconds, two words;
 * --watch makes --kill-after default to 10 s. */
TEST(cli_watch)
{
	/* clang-format off */
	static const struct {
		const char *argv[8];
		int status;
		double watch, kill_after;
		int on_change;
	} cases[] = {
		{{"-s", "--watch", "30", "env", NULL}, ST_OK, 30, 10, -1},
		{{"-s", "--watch=0.5", "env", NULL}, ST_OK, 0.5, 10, -1},
		{{"-s", "--watch", "5", "--kill-after", "2", "env", NULL}, ST_OK, 5, 2, -1},
		{{"-s", "--watch", "5", "--on-change", "exit", "env", NULL}, ST_OK, 5, 10, CLI_EXIT},
		{{"-s", "--watch", "5", "--on-change", "restart", "env", NULL}, ST_OK, 5, 10, CLI_RESTART},
		{{"-s", "env", NULL}, ST_OK, 0, -1, -1},
		{{"--watch", "5", "env", NULL}, ST_USAGE, 0, 0, 0},
		{{"-s", "--watch", "0", "env", NULL}, ST_USAGE, 0, 0, 0},
		{{"-s", "--watch", "-5", "env", NULL}, ST_USAGE, 0, 0, 0},
		{{"-s", "--watch", "soon", "env", NULL}, ST_USAGE, 0, 0, 0},
		{{"-s", "--on-change", "exit", "env", NULL}, ST_USAGE, 0, 0, 0},
		{{"-s", "--watch", "5", "--on-change", "reload", "env", NULL}, ST_USAGE, 0, 0, 0},
		{{"-s", "--watch", "5", "--stop-signal", "NOPE", "env", NULL}, ST_USAGE, 0, 0, 0},
	};
	/* clang-format on */
	size_t i, n;

	for (i = 0; i < N(cases); i++) {
		char *argv[10] = {"vaultrun"};
		struct cli c;
		struct error err;
		int rc;

		for (n = 0; cases[i].argv[n]; n++)
			argv[n + 1] = (char *)cases[i].argv[n];
		rc = cli_parse((int)n + 1, argv, &c, &err);
		CHECK(rc == cases[i].status);
		if (rc == ST_OK) {
			CHECK(c.watch == cases[i].watch);
			CHECK(c.kill_after == cases[i].kill_after);
			CHECK(c.on_change == cases[i].on_change);
		}
		cli_free(&c);
	}
}
