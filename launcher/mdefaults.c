/* mdefaults.c - pending [defaults], matched by name at the end. */
#include <stdlib.h>

#include "arena.h"
#include "mdefaults.h"
#include "util.h"

struct pending {
	char *name, *value;
	unsigned line;
};

struct mdefaults {
	struct pending *defs;
	size_t n, cap;
	struct nameset *seen;
};

struct mdefaults *mdefaults_new(void)
{
	struct mdefaults *d = xcalloc(1, sizeof *d);

	d->seen = nameset_new();
	return d;
}

unsigned mdefaults_add(struct mdefaults *d, const char *name, const char *value,
                       unsigned line)
{
	struct pending *p;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->defs = xreallocarray(d->defs, d->cap, sizeof *d->defs);
	}
	p = &d->defs[d->n++];
	p->name = xstrdup(name);
	p->value = xstrdup(value);
	p->line = line;
	return nameset_add(d->seen, p->name, line);
}

/* The variable defined at line (vars are in line order). */
static struct mvar *var_at(struct manifest *m, unsigned line)
{
	size_t lo = 0, hi = m->nvars;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->vars[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nvars && m->vars[lo].line == line ? &m->vars[lo] : NULL;
}

int mdefaults_apply(struct mdefaults *d, struct manifest *m,
                    const struct nameset *vars, const char **name, unsigned *line)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct pending *p = &d->defs[i];
		struct mvar *v = var_at(m, nameset_find(vars, p->name));

		if (v == NULL) {
			*name = p->name;
			*line = p->line;
			return 0;
		}
		v->fallback = arena_strdup(m->strings, p->value);
		v->fallback_line = p->line;
	}
	return 1;
}

void mdefaults_free(struct mdefaults *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->defs[i].name);
		free(d->defs[i].value);
	}
	free(d->defs);
	nameset_free(d->seen);
	free(d);
}
