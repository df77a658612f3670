/* cli.h - the command line. */
#ifndef VAULTRUN_CLI_H
#define VAULTRUN_CLI_H

#include <stddef.h>

#include "status.h"

enum { CLI_RESTART = 0, CLI_EXIT = 1 }; /* --on-change */

struct cli {
	const char *file;  /* -f; NULL when not given */
	int check;         /* -n */
	int verbose;       /* count of -v */
	int quiet;         /* -q */
	double timeout;    /* -t in seconds; < 0 when not given */
	long concurrency;  /* -j; 0 when not given */
	int ignore_env;    /* -i */
	const char **keep; /* --keep names, borrowed from argv (array owned) */
	size_t nkeep;
	int keep_vault_env;
	int supervise;     /* -s */
	int mask;          /* --mask: enum supervise_mask; -1 when not given */
	double kill_after; /* --kill-after in seconds; < 0 when not given */
	int stop_signal;   /* --stop-signal; 0 when not given */
	double watch;      /* --watch in seconds; 0 when not given */
	int on_change; /* --on-change: CLI_RESTART or CLI_EXIT; -1 when not given */
	int export;         /* --export: enum export_format; 0 when not given */
	const char *output; /* -o; NULL when not given */
	int help, version;
	char **command; /* borrowed from argv; NULL when none */
};

/* Parse argv into c.  ST_USAGE with a message on a bad option or value, a
 * missing command without --check or --export, or a command with them.
 * Release with cli_free. */
int cli_parse(int argc, char **argv, struct cli *c, struct error *err);
void cli_free(struct cli *c);

/* The --help text. */
const char *cli_usage(void);

#endif
