/* main.c - the story of a run: options, manifest, plan, configuration,
 * authentication, resolution, report, environment, execve.  The one place
 * that prints an error and picks the exit status. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "changes.h"
#include "cli.h"
#include "config.h"
#include "env.h"
#include "exec.h"
#include "export.h"
#include "json.h"
#include "lease.h"
#include "log.h"
#include "manifest.h"
#include "mask.h"
#include "outfile.h"
#include "renewer.h"
#include "report.h"
#include "resolve.h"
#include "rotation.h"
#include "status.h"
#include "stop.h"
#include "supervise.h"
#include "transport.h"
#include "util.h"

/* The command's inherited environment: inline references (plan.c) and
 * what the command gets (env.c).  Settings come from config.c only. */
extern char **environ;

#define REVOKE_BUDGET_MS 2000.0

struct run {
	struct cli cli;
	struct manifest *m;
	struct plan *plan; /* resolve.h: opaque */
	struct config cfg;
	struct auth *auth;
	struct fetcher *f;
	struct changes *changes; /* what resolution yielded */
	struct leases *leases;   /* collected from the plan after resolution */
	struct renewer *renewer; /* --supervise: keeps token and leases alive */
	struct rotation *rotation; /* --watch: re-reads and restarts */
	double deadline; /* of the resolution, on the now_ms() clock */
	char **envp;
};

static void collect_leases(struct run *r)
{
	if (r->leases)
		return;
	r->leases = lease_list_new();
	resolve_leases(r->plan, r->leases);
}

/* The last requests.  A run that hands its credentials to the command
 * (handover) keeps a minted token that leases depend on, since Vault
 * revokes a token's leases with it; else the token is revoked unless
 * --keep-vault-env hands it over.  Any other run revokes every lease: with
 * the token it minted, else one by one.  The revocation has a budget of its
 * own: 2 s, and never more than 2 s beyond the resolution's deadline. */
static void finish_auth(struct run *r, int handover)
{
	struct error err;
	size_t nleases;
	int keep;

	collect_leases(r);
	nleases = lease_list_count(r->leases);
	keep = handover && (r->cli.keep_vault_env || nleases > 0);
	if (r->f == NULL)
		return;
	fetch_set_stop(r->f, NULL, -1); /* a stop signal ends all but this */
	if (r->auth) {
		double end = now_ms() + REVOKE_BUDGET_MS;

		if (end > r->deadline + REVOKE_BUDGET_MS)
			end = r->deadline + REVOKE_BUDGET_MS;
		fetch_set_deadline(r->f, end);
		if (handover && nleases > 0)
			log_info("%zu lease%s %s%s; %s expire with their TTLs",
			         nleases, nleases > 1 ? "s" : "",
			         r->cli.export ? "exported" :
			                         "handed to the command",
			         auth_revokes(r->auth) && !r->cli.keep_vault_env ?
			                 ": not revoking the login token, whose "
			                 "revocation would revoke them" :
			                 "",
			         auth_revokes(r->auth) ? "it and they" : "they");
		auth_finish(r->auth, r->f, keep);
		if (!handover && nleases > 0 && !auth_revokes(r->auth))
			lease_list_revoke(r->leases, r->f);
		if (fetch_run(r->f, &err) != ST_OK)
			log_warn("%s", err.msg);
		if (!handover && nleases > 0 && auth_revoke_refused(r->auth)) {
			char list[400];

			/* The token's revocation was refused: so were its
			 * leases'. */
			log_warn("the leases obtained live on until their TTLs "
			         "end: %s",
			         lease_list_describe(r->leases, list, sizeof list));
		}
	}
	fetch_free(r->f); /* closes every connection before execve */
	r->f = NULL;
}

/* Wipe and free everything a run holds; the one exit for failures. */
static int leave(struct run *r, int status)
{
	finish_auth(r, 0);
	rotation_free(r->rotation); /* after their last answers came */
	renewer_free(r->renewer);
	lease_list_free(r->leases);
	changes_free(r->changes);
	stop_release();
	env_free(r->envp);
	auth_free(r->auth);
	config_free(&r->cfg);
	resolve_free(&r->plan);
	manifest_free(r->m);
	cli_free(&r->cli);
	mask_clear();
	return status;
}

/* SIGTERM, SIGINT or SIGHUP came while resolving: nothing runs; leave()
 * revokes a minted token and wipes. */
static int interrupted(struct run *r, int sig)
{
	log_err("stopped by signal %d (%s): nothing was run", sig,
	        sig == SIGTERM ? "SIGTERM" :
	        sig == SIGINT  ? "SIGINT" :
	                         "SIGHUP");
	return leave(r, 128 + sig);
}

static int fail(struct run *r, const struct error *err)
{
	log_err("%s", err->msg);
	return leave(r, err->status);
}

/* Hand over: the last requests, the values wiped (envp is their last home
 * and goes with the process image), execve.  Returns only if that fails. */
static int run_command(struct run *r, char *file)
{
	struct error err;
	int rc = ST_SOFTWARE, sig;

	finish_auth(r, 1);
	resolve_free(&r->plan);
	if ((sig = stop_release()) == 0) {
		rc = exec_command(file, r->cli.command, r->envp, &err);
		log_err("%s", err.msg);
	}
	free(file);
	/* The command did not run: a token and leases kept for it are revoked
	 * after all, on a fresh connection (the old ones were closed for it). */
	if ((r->cli.keep_vault_env && auth_minted(r->auth)) ||
	    lease_list_count(r->leases) > 0) {
		struct fetch_opts o;

		config_fetch_opts(&r->cfg, &o);
		r->f = fetch_new(&o, &err);
	}
	return sig ? interrupted(r, sig) : leave(r, rc);
}

/* --export: the variables written out instead of a command run.  Once
 * written, the leases (and a minted token they depend on) are kept as for a
 * command, since the credentials must outlive vaultrun; not written, they
 * are revoked as for any failed run. */
static int write_export(struct run *r)
{
	struct error err;
	int sig;

	if ((sig = stop_signal()) != 0)
		return interrupted(r, sig);
	if (export_changes(r->changes, r->cli.export, r->cli.output, &err) != ST_OK)
		return fail(r, &err);
	finish_auth(r, 1);
	return leave(r, ST_OK);
}

/* --watch: the rotation takes the plan and the first changes, and drives
 * the renewer with its re-reads on the same fetcher. */
static void start_rotation(struct run *r, const struct env_opts *eo,
                           struct supervise_agent *agent)
{
	struct rotation_opts ro;

	memset(&ro, 0, sizeof ro);
	ro.interval = r->cli.watch;
	ro.exit_on_change = r->cli.on_change == CLI_EXIT;
	ro.m = r->m;
	ro.environ = environ;
	ro.cfg = &r->cfg;
	ro.f = r->f;
	ro.renewer = r->renewer;
	ro.eo = *eo;
	ro.argv = r->cli.command;
	ro.envp = &r->envp;
	ro.timeout_ms = r->cfg.timeout * 1000.0;
	r->rotation = rotation_new(&ro, r->plan, r->changes);
	r->changes = NULL;
	rotation_agent(r->rotation, agent);
}

/* --supervise: the command as a child.  With something to renew (or to
 * re-read) the fetcher lives on in the supervisor's loop (its sockets are
 * close-on-exec); else it goes before the fork and a fresh one revokes the
 * minted token and the leases after the command ended, on the revocation's
 * own 2 s. */
static int supervise(struct run *r, char *file, const struct env_opts *eo)
{
	struct supervise_opts so;
	struct supervise_agent agent;
	struct fetch_opts o;
	struct error err;
	int code, rc, sig, watch = r->cli.watch > 0;
	sigset_t all, orig;

	/* Blocked from here on: a stop signal that comes before the supervisor
	 * reads them waits for it (which forwards it, then revokes), rather
	 * than meeting the disposition stop_release puts back and ending
	 * vaultrun with the token and the leases unrevoked. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &orig);
	if ((sig = stop_release()) != 0) {
		sigprocmask(SIG_SETMASK, &orig, NULL);
		free(file);
		return interrupted(r, sig);
	}
	collect_leases(r); /* before the plan that holds them goes */
	if (r->f) {
		fetch_set_stop(r->f, NULL, -1); /* the supervisor forwards them */
		r->renewer = (watch ? renewer_watch :
		                      renewer_new)(r->f, r->auth, r->leases,
		                                   r->cfg.timeout * 1000.0);
	}
	if (r->renewer == NULL) {
		fetch_free(r->f);
		r->f = NULL;
	}
	memset(&so, 0, sizeof so);
	if (watch)
		start_rotation(r, eo, &agent);
	else
		resolve_free(&r->plan);
	so.file = file;
	so.argv = r->cli.command;
	so.envp = r->envp;
	so.mask = r->cli.mask < 0 ? SUPERVISE_MASK_ALL : r->cli.mask;
	so.kill_after = r->cli.kill_after;
	so.stop_signal = r->cli.stop_signal ? r->cli.stop_signal : SIGTERM;
	so.sigmask = &orig;
	if (r->renewer && !watch)
		renewer_agent(r->renewer, &agent);
	if (r->renewer || watch)
		so.agent = &agent;
	if ((rc = supervise_run(&so, &code, &err)) != ST_OK) {
		log_err("%s", err.msg);
		code = rc;
	}
	free(file);
	if (r->renewer)
		log_info("%u renewal%s while the command ran",
		         renewer_count(r->renewer),
		         renewer_count(r->renewer) == 1 ? "" : "s");
	if (watch)
		log_info("%u restart%s for changed secrets",
		         rotation_restarts(r->rotation),
		         rotation_restarts(r->rotation) == 1 ? "" : "s");
	r->deadline = now_ms();
	if (r->f == NULL &&
	    (auth_minted(r->auth) || lease_list_count(r->leases) > 0)) {
		config_fetch_opts(&r->cfg, &o);
		if ((r->f = fetch_new(&o, &err)) == NULL)
			log_warn("%s", err.msg);
	}
	leave(r, code); /* a failure there never changes the status */
	return code;
}

int main(int argc, char **argv)
{
	struct run r;
	struct error err = {0, ""};
	struct env_opts eo;
	const char *path;
	char *file = NULL;
	int rc, replans; /* --watch: rotation plans again, from the answers */

	exec_protect();
	json_init();
	memset(&r, 0, sizeof r);
	if ((rc = cli_parse(argc, argv, &r.cli, &err)) != ST_OK)
		return fail(&r, &err);
	if (r.cli.help) {
		fputs(cli_usage(), stdout);
		return leave(&r, ST_OK);
	}
	if (r.cli.version) {
		char text[512];

		transport_version(text, sizeof text);
		fputs(text, stdout);
		return leave(&r, ST_OK);
	}
	log_set_level(r.cli.quiet ? LOG_ERR : LOG_WARN + r.cli.verbose);
	if (r.cli.export && outfile_check(r.cli.output, &err) != ST_OK)
		return fail(&r, &err); /* before anything is obtained for it */

	if ((path = config_manifest_path(&r.cli)) &&
	    (rc = manifest_load(path, &r.m, &err)) != ST_OK)
		return fail(&r, &err);
	replans = r.cli.supervise && r.cli.watch > 0;
	if ((rc = resolve_plan(&r.plan, r.m, environ)) != ST_OK) {
		resolve_settle(r.plan);
		if (resolve_problem(r.plan)->status != ST_OK)
			log_err("%s", resolve_problem(r.plan)->msg);
		r.changes = changes_from_plan(r.plan);
		if ((rc = report_failures(r.changes)) == ST_OK)
			rc = resolve_problem(r.plan)->status;
		if (r.cli.check)
			report_check(r.changes);
		return leave(&r, rc);
	}
	if (!replans)
		manifest_drop_vars(r.m);
	if (path == NULL && resolve_nvars(r.plan) == 0)
		log_warn("no manifest (no -f, VAULTRUN_FILE or ./vaultrun.ini) and "
		         "no vault: reference in the environment: %s without "
		         "secrets",
		         r.cli.check  ? "nothing to check," :
		         r.cli.export ? "nothing to export," :
		                        "running the command");
	log_debug("%zu variables, %zu distinct reads", resolve_nvars(r.plan),
	          resolve_nreads(r.plan));
	if ((rc = config_load(&r.cfg, &r.cli, r.m, resolve_nreads(r.plan) > 0,
	                      &err)) != ST_OK)
		return fail(&r, &err);
	if (r.cfg.address && strcmp(r.cfg.address_from, "manifest") == 0)
		log_info("address: %s (from the manifest, %s:%u)",
		         r.cfg.address_shown, r.m->file, r.cfg.address_line);
	else if (r.cfg.address)
		log_info("address: %s (from %s)", r.cfg.address_shown,
		         r.cfg.address_from);
	if (r.cfg.fetch.skip_verify)
		log_warn("TLS verification is off (VAULT_SKIP_VERIFY or skip_verify): "
		         "anyone on the path can read the secrets");
	if (r.cfg.srv_lookup)
		log_warn("%s is not supported: ignoring it (the address is "
		         "used as given)",
		         r.cfg.srv_lookup_from);
	if (resolve_nreads(r.plan) > 0 && r.cfg.backend == BACKEND_HTTP) {
		struct fetch_opts o;

		if ((rc = auth_new(&r.auth, &r.cfg, &err)) != ST_OK)
			return fail(&r, &err);
		config_fetch_opts(&r.cfg, &o);
		r.deadline = o.deadline;
		if ((rc = stop_catch(&err)) != ST_OK ||
		    (r.f = fetch_new(&o, &err)) == NULL)
			return fail(&r, &err);
		fetch_set_stop(r.f, stop_flag(), stop_fd());
	}
	rc = resolve_run(r.plan, &r.cfg, r.auth, r.f, replans, &err);
	if (stop_signal())
		return interrupted(&r, stop_signal());
	if (rc != ST_OK)
		return fail(&r, &err);
	if (r.f)
		fetch_trim(r.f);
	/* The plan's work is done: what the command gets is the list of
	 * changes (and the leases behind them); the report reads it too.
	 * Rotation reads the answers again; otherwise they go first. */
	if (!replans)
		resolve_drop_answers(r.plan);
	r.changes = changes_from_plan(r.plan);
	rc = report_failures(r.changes);
	if (r.cli.check) {
		report_check(r.changes);
		return leave(&r, rc);
	}
	if (rc != ST_OK)
		return leave(&r, rc);
	collect_leases(&r);
	if (!replans)
		resolve_free(&r.plan);
	if (r.cli.export)
		return write_export(&r);

	memset(&eo, 0, sizeof eo);
	eo.ignore_env = r.cli.ignore_env;
	eo.keep = r.cli.keep;
	eo.nkeep = r.cli.nkeep;
	eo.keep_vault_env = r.cli.keep_vault_env;
	eo.drop = auth_credential_vars(r.auth);
	eo.token = auth_minted(r.auth);
	if ((rc = env_build(&r.envp, environ, &eo, r.changes, r.cli.command,
	                    &err)) != ST_OK ||
	    (rc = exec_find(r.cli.command[0], r.envp, &file, &err)) != ST_OK)
		return fail(&r, &err);
	if (r.cli.supervise)
		return supervise(&r, file, &eo);
	return run_command(&r, file);
}
