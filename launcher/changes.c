/* changes.c - the list of environment changes a resolution yields. */
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "plan.h"
#include "util.h"

struct changes {
	struct change *v;
	size_t n, cap;
};

struct changes *changes_new(void)
{
	return xcalloc(1, sizeof(struct changes));
}

void changes_free(struct changes *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		secret_wipe(&c->v[i].value);
		free((char *)c->v[i].name);
		free((char *)c->v[i].ref);
		free((char *)c->v[i].profile);
	}
	free(c->v);
	free(c);
}

void changes_add(struct changes *c, const char *name, const struct secret *value,
                 int is_file, const char *ref, const char *profile)
{
	struct change *e;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	e = &c->v[c->n++];
	e->name = xstrdup(name);
	e->value.p = NULL;
	e->value.len = 0;
	secret_set(&e->value, value->p ? value->p : "", value->len);
	e->is_file = is_file;
	e->ref = xstrdup(ref ? ref : "");
	e->profile = profile ? xstrdup(profile) : NULL;
}

size_t changes_count(const struct changes *c)
{
	return c ? c->n : 0;
}

const struct change *changes_get(const struct changes *c, size_t i)
{
	return i < c->n ? &c->v[i] : NULL;
}

int changes_equal(const struct changes *a, const struct changes *b)
{
	size_t i;

	if (changes_count(a) != changes_count(b))
		return 0;
	for (i = 0; i < changes_count(a); i++) {
		const struct change *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->name, y->name) != 0 || x->is_file != y->is_file ||
		    x->value.len != y->value.len ||
		    (x->value.len > 0 &&
		     memcmp(x->value.p, y->value.p, x->value.len) != 0))
			return 0;
	}
	return 1;
}

struct changes *changes_from_plan(const struct plan *p)
{
	struct changes *c = changes_new();
	size_t i, j;

	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];

		if (v->superseded || v->status != ST_OK)
			continue;
		if (v->section != MS_PROFILE) {
			changes_add(c, v->name, &v->value,
			            v->section == MS_FILES, v->reftext, NULL);
			continue;
		}
		for (j = 0; j < v->nexports; j++)
			changes_add(c, v->exports[j].name, &v->exports[j].value,
			            v->exports[j].is_file, v->reftext, v->name);
	}
	return c;
}
