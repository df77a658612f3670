/* changes.c - the list of environment changes a resolution yields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "changes.h"
#include "plan.h"
#include "util.h"

struct changes {
	struct change *v;
	size_t n, cap;
	struct change_failure *f;
	size_t nf, capf;
	struct arena *text; /* every string and value of both lists */
};

struct changes *changes_new(void)
{
	struct changes *c = xcalloc(1, sizeof(struct changes));

	c->text = arena_new();
	return c;
}

void changes_free(struct changes *c)
{
	if (c == NULL)
		return;
	arena_free(c->text); /* wipes the values */
	free(c->f);
	free(c->v);
	free(c);
}

static const char *copy(struct changes *c, const char *s)
{
	return arena_strdup(c->text, s);
}

static const char *copy_or_null(struct changes *c, const char *s)
{
	return s ? copy(c, s) : NULL;
}

/* Room for n changes in all: a list built from a plan is sized once. */
static void reserve(struct changes *c, size_t n)
{
	if (n > c->cap) {
		c->cap = n;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
}

void changes_add(struct changes *c, const char *name, const struct secret *value,
                 int is_file, const char *ref, const char *profile)
{
	struct change *e;

	if (c->n == c->cap)
		reserve(c, c->cap ? c->cap * 2 : 16);
	e = &c->v[c->n++];
	memset(e, 0, sizeof *e);
	e->name = copy(c, name);
	e->value.p = arena_strndup(c->text, value->p ? value->p : "", value->len);
	e->value.len = value->len;
	e->is_file = is_file != 0;
	e->ref = copy(c, ref ? ref : "");
	e->profile = copy_or_null(c, profile);
}

void changes_set_default(struct changes *c, const char *why)
{
	c->v[c->n - 1].defaulted = copy(c, why ? why : "");
}

void changes_set_lease(struct changes *c, long duration, int renewable)
{
	struct change *e = &c->v[c->n - 1];

	e->leased = 1;
	e->lease_duration = duration;
	e->renewable = renewable != 0;
}

void changes_fail(struct changes *c, const struct change_failure *f)
{
	struct change_failure *e;

	if (c->nf == c->capf) {
		c->capf = c->capf ? c->capf * 2 : 8;
		c->f = xreallocarray(c->f, c->capf, sizeof *c->f);
	}
	e = &c->f[c->nf++];
	e->name = copy(c, f->name ? f->name : "");
	e->ref = copy(c, f->ref ? f->ref : "");
	e->where = copy(c, f->where ? f->where : "environment");
	e->status = f->status;
	e->reason = copy(c, f->reason ? f->reason : "");
	e->cause = copy_or_null(c, f->cause);
	e->superseded = f->superseded;
	e->before = c->n;
}

size_t changes_nfailed(const struct changes *c)
{
	return c ? c->nf : 0;
}

const struct change_failure *changes_failed(const struct changes *c, size_t i)
{
	return c && i < c->nf ? &c->f[i] : NULL;
}

size_t changes_count(const struct changes *c)
{
	return c ? c->n : 0;
}

const struct change *changes_get(const struct changes *c, size_t i)
{
	return i < c->n ? &c->v[i] : NULL;
}

/* Do x and y set the same name, the same way, to the same bytes? */
static int same_change(const struct change *x, const struct change *y)
{
	return strcmp(x->name, y->name) == 0 && x->is_file == y->is_file &&
	       x->value.len == y->value.len &&
	       (x->value.len == 0 ||
	        memcmp(x->value.p, y->value.p, x->value.len) == 0);
}

int changes_equal(const struct changes *a, const struct changes *b)
{
	size_t i;

	if (changes_count(a) != changes_count(b))
		return 0;
	for (i = 0; i < changes_count(a); i++)
		if (!same_change(&a->v[i], &b->v[i]))
			return 0;
	return 1;
}

const char *changes_differ(const struct changes *a, const struct changes *b,
                           char *buf, size_t cap)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (changes_count(a) != changes_count(b)) {
		snprintf(buf, cap, "the variables");
		return buf;
	}
	for (i = 0; i < changes_count(a) && n + 1 < cap; i++)
		if (!same_change(&a->v[i], &b->v[i]))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s",
			                      n ? ", " : "", a->v[i].name);
	return buf;
}

/* The lease behind v's value: its item's, or for a composed value the
 * first leased piece's.  (plan_item only reads the plan.) */
static const struct lease *var_lease(const struct plan *p, const struct pvar *v)
{
	struct plan *q = (struct plan *)p;
	const struct pitem *it = plan_item(q, v);
	const struct template *t = plan_template(v);
	size_t i;

	for (i = 0; t && i < template_count(t) && !(it && it->lease); i++)
		it = plan_item_at(q, v->ext->pieces[i].item);
	return it ? it->lease : NULL;
}

/* v failed: record it, with a shared cause the first time one is met. */
static void add_failure(struct changes *c, const struct plan *p,
                        const struct pvar *v, unsigned char *said)
{
	struct change_failure f;
	char where[300];

	memset(&f, 0, sizeof f);
	f.name = v->name;
	f.ref = v->reftext;
	f.where = plan_where(p, v, where, sizeof where);
	f.status = v->status;
	f.reason = plan_var_reason(v);
	f.superseded = v->superseded;
	if (v->shared && !said[v->shared - 1]) {
		said[v->shared - 1] = 1;
		f.cause = p->shared[v->shared - 1];
	}
	changes_fail(c, &f);
}

struct changes *changes_from_plan(const struct plan *p)
{
	struct changes *c = changes_new();
	unsigned char *said = xcalloc(p->nshared + 1, 1);
	size_t i, j, n = 0;

	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];

		if (v->status == ST_OK && !v->superseded)
			n += v->section == MS_PROFILE ? v->ext->nexports : 1;
	}
	reserve(c, n);
	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];
		const struct lease *l;

		if (v->status != ST_OK) {
			add_failure(c, p, v, said);
			continue;
		}
		if (v->superseded)
			continue;
		l = var_lease(p, v);
		if (v->section != MS_PROFILE) {
			changes_add(c, v->name, &v->value,
			            v->section == MS_FILES, v->reftext, NULL);
			if (v->defaulted)
				changes_set_default(c, v->ext->missing);
			else if (l)
				changes_set_lease(c, l->duration, l->renewable);
			continue;
		}
		for (j = 0; j < v->ext->nexports; j++) {
			const struct pexport *x = &v->ext->exports[j];

			changes_add(c, x->name, &x->value, x->is_file,
			            v->reftext, v->name);
			if (l)
				changes_set_lease(c, l->duration, l->renewable);
		}
	}
	free(said);
	return c;
}
