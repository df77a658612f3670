/* select.c - from answers to values: selectors, composed values, defaults,
 * profiles.  Runs after the reads (resolve.c); what it yields is on the
 * plan's variables, which changes.c turns into the list of changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "early.h"
#include "env.h"
#include "log.h"
#include "map.h"
#include "mask.h"
#include "select.h"
#include "template.h"
#include "util.h"

#define TOO_BIG                                                                \
	"the value is larger than the 128 KiB the kernel allows for one "      \
	"environment variable; use [files] for it"

static void said_default(const struct pvar *v)
{
	log_info("%s: default used (%s)", v->name, v->ext->missing);
}

static int has_default(const struct pvar *v)
{
	return v->ext && v->ext->fallback;
}

/* The variable takes its [defaults] value: what it reads does not exist
 * (why says how).  Defaults are manifest text, not secrets: not masked.
 * quiet: said later, in the variables' order (early.c selects in the
 * answers' order). */
static void use_default(struct pvar *v, const char *why, int quiet)
{
	struct pext *x = v->ext;

	secret_set(&v->value, x->fallback, strlen(x->fallback));
	v->defaulted = 1;
	free(x->missing);
	x->missing = xstrdup(why);
	if (!quiet)
		said_default(v);
}

/* The failed item a variable reads, if any: for a composed value the first
 * failure that is not a 404 (a default cannot stand in for it), else the
 * first 404.  *piece gets the piece's reference, or NULL. */
static const struct pitem *failed_item(struct plan *p, const struct pvar *v,
                                       const char **piece)
{
	const struct pitem *found = NULL, *it;
	const struct template *t = plan_template(v);
	size_t i, n;

	*piece = NULL;
	if (t == NULL) {
		it = plan_item(p, v);
		return it && it->status != ST_OK ? it : NULL;
	}
	n = template_count(t);
	for (i = 0; i < n; i++) {
		it = plan_item_at(p, v->ext->pieces[i].item);
		if (it == NULL || it->status == ST_OK)
			continue;
		if (found == NULL ||
		    (found->status == ST_NOINPUT && it->status != ST_NOINPUT)) {
			found = it;
			*piece = template_piece(t, i)->text;
		}
	}
	return found;
}

int select_settle(struct plan *p)
{
	char reason[800];
	size_t i;
	int first = ST_OK;

	for (i = 0; i < p->nvars; i++) {
		struct pvar *v = &p->vars[i];
		const char *piece;
		const struct pitem *it = failed_item(p, v, &piece);

		if (v->status == ST_OK && it && !v->superseded && !v->defaulted) {
			if (piece)
				snprintf(reason, sizeof reason, "${%.200s}: %s",
				         piece, it->reason);
			else
				snprintf(reason, sizeof reason, "%s", it->reason);
			if (it->status == ST_NOINPUT && has_default(v)) {
				use_default(v, reason, 0);
			} else {
				plan_fail_var(v, it->status, reason);
				v->shared = it->shared;
			}
		}
		if (first == ST_OK && v->status != ST_OK)
			first = v->status;
	}
	return first;
}

static void select_profile(struct pvar *v, const struct pitem *it)
{
	struct pext *px = v->ext; /* every profile has one */
	struct jdoc *obj = NULL;
	struct error e;
	size_t i;

	if (json_subobject(it->doc, plan_selector(v), &obj, &e) != ST_OK ||
	    profile_export(v->name, px->ptype, px->pprefix, obj, &px->exports,
	                   &px->nexports, &e) != ST_OK) {
		plan_fail_var(v, e.status, e.msg);
	} else {
		for (i = 0; i < px->nexports; i++) {
			const struct pexport *x = &px->exports[i];

			mask_add(x->value.p, x->value.len);
			if (!x->is_file && !env_value_fits(x->name, x->value.len))
				plan_fail_var(v, ST_DATA, TOO_BIG);
		}
	}
	json_free(obj);
}

/* A variable is set once: a profile may not export a name that [env],
 * [files] or another profile sets.  An inline reference of that name gives
 * way, as it does to [env] (the manifest is the more specific). */
static void check_clashes(struct plan *p)
{
	struct map *names;
	size_t i, j, k;
	char reason[400], where[300];

	for (i = 0;
	     i < p->nvars && !(p->vars[i].ext && p->vars[i].ext->nexports); i++)
		;
	if (i == p->nvars)
		return; /* no profile exports anything: no index of the names */
	names = map_new();
	for (i = 0; i < p->nvars; i++)
		if (p->vars[i].section != MS_PROFILE)
			map_get_or_put(names, p->vars[i].name,
			               strlen(p->vars[i].name), &(size_t){i});
	for (i = 0; i < p->nvars; i++) {
		struct pvar *v = &p->vars[i];

		for (j = 0; v->ext && j < v->ext->nexports; j++) {
			const char *n = v->ext->exports[j].name;

			k = i;
			if (!map_get_or_put(names, n, strlen(n), &k) || k == i)
				continue;
			if (p->vars[k].is_inline) {
				struct pvar *w = &p->vars[k];

				log_debug("%s: set by profile %s; the inline reference "
				          "gives way",
				          w->name, v->name);
				w->superseded = 1;
				plan_unfail_var(w);
				secret_wipe(&w->value);
				continue;
			}
			snprintf(reason, sizeof reason,
			         "profile %.60s exports %.60s, which %.60s also sets (%.100s)",
			         v->name, n, p->vars[k].name,
			         plan_where(p, &p->vars[k], where, sizeof where));
			plan_fail_var(v, ST_CONFIG, reason);
			break;
		}
	}
	map_free(names);
}

/* A composed value: select each piece (each masked), render the whole.
 * A piece's missing key gives the variable its default, if it has one. */
static int select_composed(struct plan *p, struct pvar *v)
{
	struct pext *x = v->ext;
	size_t i, n = template_count(x->tpl);
	char reason[800];
	struct error e;
	const char *piece;
	struct secret *vals;
	int rc;

	if (failed_item(p, v, &piece) != NULL)
		return ST_OK; /* resolve_settle reports it, or defaults it */
	for (i = 0; i < n; i++) {
		struct ppiece *pc = &x->pieces[i];
		const struct pitem *it = plan_item_at(p, pc->item);
		const char *text = template_piece(x->tpl, i)->text;

		if (it == NULL)
			continue;
		if (it->doc == NULL) {
			plan_fail_var(v, ST_SOFTWARE,
			              "no answer was recorded (a bug)");
			return ST_SOFTWARE;
		}
		if (json_select(it->doc, pc->ref.sel, pc->ref.selector,
		                &pc->value, &e) != ST_OK) {
			snprintf(reason, sizeof reason, "${%.200s}: %s", text,
			         e.msg);
			if (x->fallback)
				use_default(v, reason, 0);
			else
				plan_fail_var(v, e.status, reason);
			return e.status;
		}
		mask_add(pc->value.p, pc->value.len);
	}
	vals = xcalloc(n, sizeof *vals); /* borrowed from the pieces */
	for (i = 0; i < n; i++)
		vals[i] = x->pieces[i].value;
	rc = template_render(x->tpl, vals, mask_add, &v->value, &e);
	free(vals);
	for (i = 0; i < n; i++)
		secret_wipe(&x->pieces[i].value);
	if (rc != ST_OK)
		plan_fail_var(v, e.status, e.msg);
	return rc;
}

/* The checks an [env] value must pass; registers it with mask.c. */
static void check_value(struct pvar *v)
{
	if (v->section == MS_ENV && !env_value_fits(v->name, v->value.len)) {
		secret_wipe(&v->value);
		plan_fail_var(v, ST_DATA, TOO_BIG);
	} else if (v->section == MS_ENV && memchr(v->value.p, '\0', v->value.len)) {
		secret_wipe(&v->value);
		plan_fail_var(v, ST_DATA,
		              "the value contains a NUL byte, which an environment "
		              "variable cannot hold (use [files])");
	} else {
		mask_add(v->value.p, v->value.len);
	}
}

void select_plain(struct pvar *v, const struct pitem *it, int quiet)
{
	struct error e;

	if (v->status != ST_OK || it == NULL || it->status != ST_OK)
		return;
	if (it->doc == NULL) {
		plan_fail_var(v, ST_SOFTWARE, "no answer was recorded (a bug)");
	} else if (v->section == MS_PROFILE) {
		select_profile(v, it);
	} else if (json_select(it->doc, v->sel, plan_selector(v), &v->value,
	                       &e) != ST_OK) {
		if (has_default(v))
			use_default(v, e.msg, quiet);
		else
			plan_fail_var(v, e.status, e.msg);
	} else {
		check_value(v);
	}
}

void select_values(struct plan *p, const struct early *early)
{
	size_t i;

	for (i = 0; i < p->nvars; i++) {
		struct pvar *v = &p->vars[i];
		const struct pitem *it = plan_item(p, v);

		if (v->status == ST_OK && plan_template(v)) {
			if (select_composed(p, v) == ST_OK && !v->defaulted &&
			    v->value.p)
				check_value(v);
		} else if (it && early_taken(early, (size_t)(it - p->items))) {
			if (v->defaulted) /* selected on arrival, said now */
				said_default(v);
		} else {
			select_plain(v, it, 0);
		}
	}
	check_clashes(p);
}
