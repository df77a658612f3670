/* early.c - values selected as their answers arrive (see early.h). */
#include <stdlib.h>

#include "early.h"
#include "mounts.h"
#include "select.h"
#include "util.h"

enum { E_WAIT, E_TAKEN, E_KEEP };

struct early {
	struct plan *p;
	size_t known;    /* items [0, known) have their mount, or failed */
	unsigned *first; /* item i's readers: readers[first[i] .. first[i+1]) */
	unsigned *readers; /* variable indexes; NULL until the merges are final */
	unsigned char *state; /* per item: E_WAIT, E_TAKEN or E_KEEP */
};

struct early *early_new(struct plan *p)
{
	struct early *e;

	if (p->nvars > (unsigned)-1 || p->nitems >= (unsigned)-1)
		return NULL; /* indexes are 32 bits: select at the end */
	e = xcalloc(1, sizeof *e);
	e->p = p;
	e->state = xcalloc(p->nitems + 1, 1);
	return e;
}

void early_free(struct early *e)
{
	if (e == NULL)
		return;
	free(e->first);
	free(e->readers);
	free(e->state);
	free(e);
}

int early_taken(const struct early *e, size_t i)
{
	return e && e->state[i] == E_TAKEN;
}

/* Every item's mount is known: index the variables by the item they read
 * (merges followed).  A composed value's items keep their answers. */
static void index_readers(struct early *e)
{
	struct plan *p = e->p;
	size_t i, j;
	unsigned *at;

	e->first = xcalloc(p->nitems + 1, sizeof *e->first);
	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];
		const struct pitem *it;

		if (plan_template(v)) {
			for (j = 0; j < template_count(v->ext->tpl); j++)
				if ((it = plan_item_at(p, v->ext->pieces[j].item)))
					e->state[it - p->items] = E_KEEP;
		} else if (v->status == ST_OK && (it = plan_item(p, v))) {
			e->first[it - p->items + 1]++;
		}
	}
	for (i = 0; i < p->nitems; i++)
		e->first[i + 1] += e->first[i];
	e->readers = xcalloc(e->first[p->nitems] + 1, sizeof *e->readers);
	at = xcalloc(p->nitems + 1, sizeof *at);
	for (i = 0; i < p->nvars; i++) {
		const struct pvar *v = &p->vars[i];
		const struct pitem *it;

		if (plan_template(v) == NULL && v->status == ST_OK &&
		    (it = plan_item(p, v))) {
			size_t k = (size_t)(it - p->items);

			e->readers[e->first[k] + at[k]++] = (unsigned)i;
		}
	}
	free(at);
}

/* Select item i's readers and free its answer. */
static void take(struct early *e, size_t i)
{
	struct pitem *it = &e->p->items[i];
	unsigned k;

	if (e->state[i] != E_WAIT || it->doc == NULL || it->status != ST_OK ||
	    it->alias != NO_INDEX)
		return;
	for (k = e->first[i]; k < e->first[i + 1]; k++)
		select_plain(&e->p->vars[e->readers[k]], it, 1);
	json_free(it->doc);
	it->doc = NULL;
	e->state[i] = E_TAKEN;
}

void early_answer(struct early *e, size_t i)
{
	struct plan *p;
	size_t j;

	if (e == NULL)
		return;
	if (e->readers) {
		take(e, i);
		return;
	}
	p = e->p;
	while (e->known < p->nitems && (p->items[e->known].mount != NO_INDEX ||
	                                p->items[e->known].status != ST_OK))
		e->known++;
	if (e->known < p->nitems)
		return; /* a merge may yet make another item read this one */
	mounts_settled(p);
	index_readers(e);
	for (j = 0; j < p->nitems; j++)
		take(e, j);
}
