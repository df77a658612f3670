/* rotation.h - --watch: re-reads in the supervisor's loop, and restarts.
 *
 * Every --watch seconds (rotate.c's jitter) the KV items are read again on
 * the supervisor's fetcher (not the login, not [request] writes, not the
 * dynamic credentials: their answers are carried over) into a second plan,
 * whose list of changes is compared with the command's.  A lease that
 * renewals no longer extend is read afresh when a tenth of its life is left
 * (that alone, never with the KV reads).  A change restarts the command
 * (--on-change restart: debounce and gap as rotate.c says; the old leases
 * are revoked once the new command started) or ends it with 75 (exit).  A
 * re-read that fails is a warning and changes nothing.
 */
#ifndef VAULTRUN_ROTATION_H
#define VAULTRUN_ROTATION_H

#include "changes.h"
#include "config.h"
#include "env.h"
#include "fetch.h"
#include "manifest.h"
#include "plan.h"
#include "renewer.h"

struct rotation_opts {
	double interval;          /* --watch, seconds */
	int exit_on_change;       /* --on-change exit */
	const struct manifest *m; /* to plan again (may be NULL) */
	char *const *environ;
	const struct config *cfg;
	struct fetcher *f;       /* NULL for file:// */
	struct renewer *renewer; /* renewer_watch's; NULL for file:// */
	struct env_opts eo;      /* to build the next environment */
	char *const *argv;       /* the command */
	char ***envp;            /* the command's environment: replaced */
	double timeout_ms;       /* how long one re-read may take */
};

struct rotation;

/* Everything borrowed must outlive the rotation; plan and changes (the
 * first resolution's) are taken: *plan is left empty. */
struct rotation *rotation_new(const struct rotation_opts *o, struct plan *plan,
                              struct changes *changes);
/* After the last answers came (its requests' callbacks hold it). */
void rotation_free(struct rotation *r);

/* The rotation (its renewer's work included) as the supervisor's agent. */
struct supervise_agent;
void rotation_agent(struct rotation *r, struct supervise_agent *out);

/* Restarts so far (for the log). */
unsigned rotation_restarts(const struct rotation *r);

#endif
