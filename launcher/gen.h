/* gen.h - --watch's generations: a plan and the changes it yields.
 *
 * rotation.c holds up to three (the command's, a newer one waiting out the
 * debounce, a re-read under way).  A re-read is planned again from the
 * manifest and the environment, its mounts and merges replayed from the
 * generation before it, and each item either fetched on the supervisor's
 * fetcher or carried over (json_ref, lease_dup) from that generation.
 */
#ifndef VAULTRUN_GEN_H
#define VAULTRUN_GEN_H

#include "plan.h"
#include "rotation.h"

struct gen {
	struct plan p;
	struct changes *c;      /* set by gen_settle (or taken by gen_new) */
	unsigned char *fetched; /* per item: this re-read fetches it */
	int replace;            /* replaces leases (else: the KV reads) */
};

/* The first resolution's generation: plan and changes are taken (*plan is
 * left empty). */
struct gen *gen_new(struct plan *plan, struct changes *changes);
void gen_free(struct gen *g); /* NULL is a no-op; not while it reads */

/* Start a re-read on base: the KV items (replace 0), or the engines' items
 * whose lease due(ctx, id) says is due (1); everything else is carried
 * over from base.  file:// (o->f NULL) reads the store again at once.
 * NULL, with a warning logged, when the plan differs from base's.  o and
 * base are borrowed until the answers came (gen_done). */
struct gen *gen_start(const struct rotation_opts *o, const struct gen *base,
                      int replace, int (*due)(void *ctx, const char *id),
                      void *ctx);

/* Every item g fetches has its answer (or failure). */
int gen_done(const struct gen *g);

/* A re-read answered: apply the selectors and build g->c; -1 (a warning
 * logged, the command keeps its values) when a read or a variable failed.
 * file: read from a file:// store (its selectors are applied already). */
int gen_settle(struct gen *g, int file);

/* Does some item of g (may be NULL) hold lease id? */
int gen_has_lease(const struct gen *g, const char *id);

#endif
