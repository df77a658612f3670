/* main.c - the story of a run: options, manifest, plan, configuration,
 * authentication, resolution, report, environment, execve.  The one place
 * that prints an error and picks the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "config.h"
#include "env.h"
#include "exec.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "mask.h"
#include "plan.h"
#include "resolve.h"
#include "status.h"
#include "transport.h"
#include "util.h"

extern char **environ;

#define REVOKE_BUDGET_MS 2000.0

struct run {
	struct cli cli;
	struct manifest *m;
	struct plan plan;
	struct config cfg;
	struct auth *auth;
	struct fetcher *f;
	double deadline; /* of the resolution, on the now_ms() clock */
	char **envp;
};

/* The last requests: revoke a token vaultrun minted, unless keep hands it to
 * the command.  The revocation has a budget of its own: 2 s, and never more
 * than 2 s beyond the resolution's deadline. */
static void finish_auth(struct run *r, int keep)
{
	struct error err;

	if (r->f == NULL)
		return;
	if (r->auth) {
		double end = now_ms() + REVOKE_BUDGET_MS;

		if (end > r->deadline + REVOKE_BUDGET_MS)
			end = r->deadline + REVOKE_BUDGET_MS;
		fetch_set_deadline(r->f, end);
		auth_finish(r->auth, r->f, keep);
		if (fetch_run(r->f, &err) != ST_OK)
			log_warn("%s", err.msg);
	}
	fetch_free(r->f); /* closes every connection before execve */
	r->f = NULL;
}

/* Wipe and free everything a run holds; the one exit for failures. */
static int leave(struct run *r, int status)
{
	finish_auth(r, 0);
	env_free(r->envp);
	auth_free(r->auth);
	config_free(&r->cfg);
	plan_free(&r->plan);
	manifest_free(r->m);
	cli_free(&r->cli);
	mask_clear();
	return status;
}

static int fail(struct run *r, const struct error *err)
{
	log_err("%s", err->msg);
	return leave(r, err->status);
}

/* One line per failed variable, in plan order; returns the first status. */
static int report_failures(const struct plan *p)
{
	char where[300];
	size_t i;
	int first = ST_OK;

	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];

		if (v->status == ST_OK)
			continue;
		/* A reference is shown whole unless it is absurdly long (inline
		 * references have no line limit): the reason must survive. */
		log_err("%s: %s: %.200s%s: %s",
		        plan_where(v, where, sizeof where), v->name, v->reftext,
		        strlen(v->reftext) > 200 ? "..." : "", v->reason);
		if (first == ST_OK)
			first = v->status;
	}
	return first;
}

static void print_check(const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];
		size_t j;

		if (v->superseded)
			continue;
		/* Names and references are configuration, shown as written;
		 * only the rest of the line is redacted. */
		if (v->status != ST_OK)
			out_config_line(v->name, v->reftext, 200, " error: %s",
			                v->reason);
		else if (v->section != MS_PROFILE)
			out_config_line(v->name, v->reftext, 0,
			                " ok ******** (%zu bytes%s)", v->value.len,
			                v->section == MS_FILES ? ", file" : "");
		for (j = 0; v->status == ST_OK && j < v->nexports; j++)
			out_config_line(v->exports[j].name, v->reftext, 0,
			                " (profile %s) ok ******** (%zu bytes%s)",
			                v->name, v->exports[j].value.len,
			                v->exports[j].is_file ? ", file" : "");
	}
}

/* Hand over: the last requests, the values wiped (envp is their last home
 * and goes with the process image), execve.  Returns only if that fails. */
static int run_command(struct run *r, char *file)
{
	struct error err;
	int rc;

	finish_auth(r, r->cli.keep_vault_env);
	plan_free(&r->plan);
	rc = exec_command(file, r->cli.command, r->envp, &err);
	free(file);
	log_err("%s", err.msg);
	/* The command did not run: a token kept for it is revoked after all,
	 * on a fresh connection (the old ones were closed for it). */
	if (r->cli.keep_vault_env && auth_minted(r->auth)) {
		struct fetch_opts o;

		config_fetch_opts(&r->cfg, &o);
		r->f = fetch_new(&o, &err);
	}
	return leave(r, rc);
}

int main(int argc, char **argv)
{
	struct run r;
	struct error err = {0, ""};
	struct env_opts eo;
	const char *path;
	char *file = NULL;
	int rc;

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

	if ((path = config_manifest_path(&r.cli)) &&
	    (rc = manifest_load(path, &r.m, &err)) != ST_OK)
		return fail(&r, &err);
	if ((rc = plan_build(&r.plan, r.m, environ)) != ST_OK) {
		resolve_settle(&r.plan);
		rc = report_failures(&r.plan);
		if (r.cli.check)
			print_check(&r.plan);
		return leave(&r, rc);
	}
	if (path == NULL && r.plan.nvars == 0)
		log_warn("no manifest (no -f, VAULTRUN_FILE or ./vaultrun.ini) and "
		         "no vault: reference in the environment: %s without "
		         "secrets",
		         r.cli.check ? "nothing to check," : "running the command");
	log_debug("%zu variables, %zu distinct reads", r.plan.nvars, r.plan.nitems);
	if ((rc = config_load(&r.cfg, &r.cli, r.m, r.plan.nitems > 0, &err)) !=
	    ST_OK)
		return fail(&r, &err);
	if (r.cfg.address && strcmp(r.cfg.address_from, "manifest") == 0)
		log_info("address: %s (from the manifest, %s:%u)",
		         r.cfg.address, r.m->file, r.m->vault_line[VK_ADDRESS]);
	else if (r.cfg.address)
		log_info("address: %s (from %s)", r.cfg.address,
		         r.cfg.address_from);
	if (r.cfg.skip_verify)
		log_warn("TLS verification is off (VAULT_SKIP_VERIFY or skip_verify): "
		         "anyone on the path can read the secrets");
	if (r.cfg.srv_lookup)
		log_warn("%s is not supported: ignoring it (the address is "
		         "used as given)",
		         config_vault_env_name("VAULT_SRV_LOOKUP"));
	if (r.plan.nitems > 0 && r.cfg.backend == BACKEND_HTTP) {
		struct fetch_opts o;

		if ((rc = auth_new(&r.auth, &r.cfg, &err)) != ST_OK)
			return fail(&r, &err);
		config_fetch_opts(&r.cfg, &o);
		r.deadline = o.deadline;
		if ((r.f = fetch_new(&o, &err)) == NULL)
			return fail(&r, &err);
	}
	if ((rc = resolve_run(&r.plan, &r.cfg, r.auth, r.f, &err)) != ST_OK)
		return fail(&r, &err);
	rc = report_failures(&r.plan);
	if (r.cli.check) {
		print_check(&r.plan);
		return leave(&r, rc);
	}
	if (rc != ST_OK)
		return leave(&r, rc);

	memset(&eo, 0, sizeof eo);
	eo.ignore_env = r.cli.ignore_env;
	eo.keep = r.cli.keep;
	eo.nkeep = r.cli.nkeep;
	eo.keep_vault_env = r.cli.keep_vault_env;
	eo.drop = auth_credential_vars(r.auth);
	eo.token = auth_minted(r.auth);
	if ((rc = env_build(&r.envp, environ, &eo, &r.plan, r.cli.command, &err)) !=
	            ST_OK ||
	    (rc = exec_find(r.cli.command[0], r.envp, &file, &err)) != ST_OK)
		return fail(&r, &err);
	return run_command(&r, file);
}
