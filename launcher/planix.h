/* planix.h - the plan's private indexes, shared by plan.c (the (path,
 * version) of every reference) and mounts.c (the (mount, rest, version) of
 * every read).  Internal to the two.
 *
 * The table is open addressing whose slots hold an item's number and its
 * hash, the key being the item's own fields (nothing copied, no key built):
 * a probe compares hashes before it compares strings.  map.c's itab holds
 * the number alone and costs parse + plan of 100,000 references 2.2-2.6%
 * more instructions.  The functions are static inline so that each file's
 * same() is called directly, as when the table was plan.c's alone. */
#ifndef VAULTRUN_PLANIX_H
#define VAULTRUN_PLANIX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "map.h"
#include "plan.h"
#include "util.h"

struct islot {
	uint32_t item; /* index + 1; 0: empty */
	uint32_t hash;
};

struct itable {
	struct islot *slots;
	size_t cap, used; /* cap: 0 or a power of two, over twice used */
};

/* The plan's indexes live beside it, keyed by the plan's address: the public
 * struct stays plain data. */
struct planix {
	struct itable items; /* (path, version), while plan_build plans */
	struct itable reads; /* (mount, rest, version), until mounts_settled */
	int settled;
	size_t vars_cap, items_cap; /* room in plan.vars and plan.items */
	struct map *mounts;         /* "path" -> mount */
	struct arena *refs; /* the variables' references but paths alone (not
	                     * their pieces'), inline variables' names */
};

static inline struct planix *ix(struct plan *p)
{
	return (struct planix *)p->index;
}

/* Room for n items in t. */
static inline void itable_reserve(struct itable *t, size_t n)
{
	struct islot *old = t->slots;
	size_t i, j, cap = t->cap ? t->cap : 64, oldcap = t->cap;

	while (2 * (n + 1) > cap)
		cap *= 2;
	if (cap == oldcap)
		return;
	t->slots = xcalloc(cap, sizeof *t->slots);
	t->cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i].item == 0)
			continue;
		for (j = old[i].hash & (cap - 1); t->slots[j].item;
		     j = (j + 1) & (cap - 1))
			;
		t->slots[j] = old[i];
	}
	free(old);
}

static inline void itable_free(struct itable *t)
{
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* The item of hash h that same() matches with key, else NO_INDEX after
 * recording item i (the next to be added, or one being indexed) there. */
static inline size_t
itable_find_or_add(struct plan *p, struct itable *t, uint32_t h,
                   int (*same)(const struct pitem *, const void *),
                   const void *key, size_t i)
{
	size_t k;

	if (2 * (t->used + 2) > t->cap)
		itable_reserve(t, t->used + 1);
	for (k = h & (t->cap - 1); t->slots[k].item; k = (k + 1) & (t->cap - 1))
		if (t->slots[k].hash == h &&
		    same(&p->items[t->slots[k].item - 1], key))
			return t->slots[k].item - 1;
	t->slots[k].item = (uint32_t)i + 1;
	t->slots[k].hash = h;
	t->used++;
	return NO_INDEX;
}

#endif
