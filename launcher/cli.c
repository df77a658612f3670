/* cli.c - options, in getopt_long's way, with our own messages. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "supervise.h"
#include "util.h"

enum { OPT_KEEP = 256, OPT_KEEP_VAULT_ENV };
/* supervise mode's options */
enum {
	OPT_MASK = 300,
	OPT_KILL_AFTER,
	OPT_STOP_SIGNAL,
	OPT_WATCH,
	OPT_ON_CHANGE
};
enum { OPT_EXPORT = 400 }; /* export mode's */

static const struct option longopts[] = {
	{"file", required_argument, NULL, 'f'},
	{"check", no_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"timeout", required_argument, NULL, 't'},
	{"concurrency", required_argument, NULL, 'j'},
	{"ignore-environment", no_argument, NULL, 'i'},
	{"keep", required_argument, NULL, OPT_KEEP},
	{"keep-vault-env", no_argument, NULL, OPT_KEEP_VAULT_ENV},
	{"supervise", no_argument, NULL, 's'},
	{"mask", required_argument, NULL, OPT_MASK},
	{"kill-after", required_argument, NULL, OPT_KILL_AFTER},
	{"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
	{"watch", required_argument, NULL, OPT_WATCH},
	{"on-change", required_argument, NULL, OPT_ON_CHANGE},
	{"export", required_argument, NULL, OPT_EXPORT},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

const char *cli_usage(void)
{
	return "usage: vaultrun [options] [--] command [argument ...]\n"
	       "       vaultrun --supervise [options] [--] command [argument ...]\n"
	       "       vaultrun --check [options]\n"
	       "       vaultrun --export FORMAT [-o FILE] [options]\n"
	       "\n"
	       "  -f, --file PATH           manifest (default $VAULTRUN_FILE, else ./vaultrun.ini)\n"
	       "  -n, --check               resolve everything, print a masked report, run nothing\n"
	       "  -v, --verbose             log each step to stderr (repeat for more)\n"
	       "  -q, --quiet               only errors on stderr\n"
	       "  -t, --timeout SECONDS     deadline for the whole resolution (default 30)\n"
	       "  -j, --concurrency N       most requests in flight at once (default: 32 over\n"
	       "                            HTTP/1.1; over HTTP/2 up to the server's stream limit)\n"
	       "  -i, --ignore-environment  start the command with only the secrets and kept variables\n"
	       "      --keep NAME           with -i: keep this inherited variable (repeatable)\n"
	       "      --keep-vault-env      pass Vault credentials through to the command\n"
	       "  -s, --supervise           run the command as a child: mask its output, forward signals,\n"
	       "                            reap orphans, renew and revoke the token and leases\n"
	       "      --mask WHAT           with -s: all (default), stderr or none\n"
	       "      --kill-after SECONDS  with -s: SIGKILL the command this long after a stop signal\n"
	       "      --stop-signal NAME    with -s: the signal that stops the command (default TERM)\n"
	       "      --watch SECONDS       with -s: re-read the secrets this often, act on a change\n"
	       "      --on-change WHAT      with --watch: restart (default) or exit (status 75)\n"
	       "      --export FORMAT       write the variables instead of running a command:\n"
	       "                            shell, dotenv, docker, github or json\n"
	       "  -o, --output FILE         with --export: write there (mode 0600, replaced\n"
	       "                            atomically) instead of standard output\n"
	       "  -h, --help                this text\n"
	       "  -V, --version             the version, and libcurl's, TLS and HTTP/2 in use\n";
}

void cli_free(struct cli *c)
{
	free(c->keep);
	memset(c, 0, sizeof *c);
}

/* --mask's words, in enum supervise_mask's order; -1 for another. */
static int mask_word(const char *s)
{
	static const char *const words[] = {"all", "stderr", "none"};
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

static int bad(struct error *err, const char *opt, const char *why)
{
	return error_set(err, ST_USAGE, "%s: %s (see vaultrun --help)", opt, why);
}

int cli_parse(int argc, char **argv, struct cli *c, struct error *err)
{
	int ch;
	unsigned long n;

	memset(c, 0, sizeof *c);
	c->timeout = -1;
	c->mask = -1;
	c->kill_after = -1;
	c->on_change = -1;
	opterr = 0;
	optind = 0; /* glibc's full reset, mid-cluster state included */
	/* '+': stop at the first operand, so the command's own options stay its. */
	while ((ch = getopt_long(argc, argv, "+:f:nvqt:j:iso:hV", longopts,
	                         NULL)) != -1) {
		switch (ch) {
		case 'f':
			c->file = optarg;
			break;
		case 'n':
			c->check = 1;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 't':
			if (parse_seconds(optarg, &c->timeout) != 0 ||
			    c->timeout <= 0)
				return bad(err, "--timeout",
				           "expected a positive number of seconds");
			break;
		case 'j':
			if (parse_ulong(optarg, 1, 1024, &n) != 0)
				return bad(err, "--concurrency",
				           "expected an integer from 1 to 1024");
			c->concurrency = (long)n;
			break;
		case 'i':
			c->ignore_env = 1;
			break;
		case OPT_KEEP:
			if (!valid_env_name(optarg))
				return bad(err, "--keep", "not a variable name");
			c->keep = xreallocarray(c->keep, c->nkeep + 1,
			                        sizeof *c->keep);
			c->keep[c->nkeep++] = optarg;
			break;
		case OPT_KEEP_VAULT_ENV:
			c->keep_vault_env = 1;
			break;
		case 's':
			c->supervise = 1;
			break;
		case OPT_MASK:
			if ((c->mask = mask_word(optarg)) < 0)
				return bad(err, "--mask",
				           "expected all, stderr or none");
			break;
		case OPT_KILL_AFTER:
			if (parse_seconds(optarg, &c->kill_after) != 0 ||
			    c->kill_after > 86400.0 * 365)
				return bad(err, "--kill-after",
				           "expected a number of seconds");
			break;
		case OPT_STOP_SIGNAL:
			if ((c->stop_signal = supervise_signal(optarg)) == 0)
				return bad(err, "--stop-signal",
				           "expected a signal name that can be caught");
			break;
		case OPT_WATCH:
			if (parse_seconds(optarg, &c->watch) != 0 ||
			    c->watch <= 0 || c->watch > 86400.0 * 365)
				return bad(err, "--watch",
				           "expected a positive number of seconds");
			break;
		case OPT_ON_CHANGE:
			c->on_change = strcmp(optarg, "restart") == 0 ?
			                       CLI_RESTART :
			               strcmp(optarg, "exit") == 0 ? CLI_EXIT :
			                                             -1;
			if (c->on_change < 0)
				return bad(err, "--on-change",
				           "expected restart or exit");
			break;
		case OPT_EXPORT:
			if ((c->export = export_format(optarg)) == EXPORT_NONE)
				return error_set(err, ST_USAGE,
				                 "--export: unknown format '%.40s' "
				                 "(expected shell, dotenv, docker, "
				                 "github or json)",
				                 optarg);
			break;
		case 'o':
			if (*optarg == '\0')
				return bad(err, "--output", "expected a file name");
			c->output = optarg;
			break;
		case 'h':
			c->help = 1;
			return ST_OK;
		case 'V':
			c->version = 1;
			return ST_OK;
		case ':':
			return error_set(err, ST_USAGE, "%s: option needs a value",
			                 argv[optind - 1]);
		default:
			/* A long option is named as given: "--check=yes" is a
			 * flag given a value, "--chek" is unknown. */
			if (strncmp(argv[optind - 1], "--", 2) == 0 &&
			    strchr(argv[optind - 1], '='))
				return error_set(err, ST_USAGE,
				                 "%.40s: this option takes no value",
				                 argv[optind - 1]);
			if (strncmp(argv[optind - 1], "--", 2) != 0 &&
			    optopt > 0 && optopt < 128)
				return error_set(err, ST_USAGE,
				                 "unknown option -%c", optopt);
			return error_set(err, ST_USAGE, "unknown option %.40s",
			                 argv[optind - 1]);
		}
	}
	if (c->nkeep > 0 && !c->ignore_env)
		return bad(err, "--keep", "only makes sense with -i");
	if (!c->supervise && (c->mask >= 0 || c->kill_after >= 0 ||
	                      c->stop_signal != 0 || c->watch > 0))
		return bad(err,
		           c->mask >= 0       ? "--mask" :
		           c->kill_after >= 0 ? "--kill-after" :
		           c->watch > 0       ? "--watch" :
		                                "--stop-signal",
		           "only makes sense with -s");
	if (c->on_change >= 0 && c->watch <= 0)
		return bad(err, "--on-change", "only makes sense with --watch");
	if (c->watch > 0 && c->kill_after < 0)
		c->kill_after = 10; /* a restart must not wait forever */
	if (c->supervise && c->check)
		return bad(err, "--supervise", "cannot be combined with --check");
	if (c->export && (c->supervise || c->check))
		return bad(err, c->supervise ? "--supervise" : "--check",
		           "cannot be combined with --export");
	if (c->export && (c->ignore_env || c->keep_vault_env))
		return bad(err,
		           c->ignore_env ? "--ignore-environment" :
		                           "--keep-vault-env",
		           "only makes sense with a command, not with --export");
	if (c->output && !c->export)
		return bad(err, "--output", "only makes sense with --export");
	if (c->quiet && c->verbose)
		return bad(err, "--quiet", "cannot be combined with --verbose");
	if (optind < argc)
		c->command = argv + optind;
	if (c->check && c->command != NULL)
		return bad(err, "--check", "takes no command");
	if (c->export && c->command != NULL)
		return bad(err, "--export", "takes no command");
	if (!c->check && !c->export && c->command == NULL)
		return error_set(err, ST_USAGE,
		                 "no command given (see vaultrun --help)");
	return ST_OK;
}
