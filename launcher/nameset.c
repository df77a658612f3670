/* nameset.c - open addressing with linear probing, FNV-1a. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nameset.h"
#include "util.h"

struct slot {
	const char *key;
	unsigned line;
	unsigned hash; /* its low half: compared before the names */
};

struct nameset {
	struct slot *slot;
	size_t cap, n; /* cap is 0 or a power of two */
};

static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return (size_t)h;
}

struct nameset *nameset_new(void)
{
	return xcalloc(1, sizeof(struct nameset));
}

/* Rehash into cap slots (a power of two, more than twice the names). */
static void rehash(struct nameset *t, size_t cap)
{
	struct nameset old = *t;
	size_t i;

	t->cap = cap;
	t->slot = xcalloc(t->cap, sizeof *t->slot);
	for (i = 0; i < old.cap; i++) {
		size_t j;

		if (old.slot[i].key == NULL)
			continue;
		for (j = old.slot[i].hash & (t->cap - 1);
		     t->slot[j].key != NULL; j = (j + 1) & (t->cap - 1))
			;
		t->slot[j] = old.slot[i];
	}
	free(old.slot);
}

void nameset_reserve(struct nameset *t, size_t n)
{
	size_t cap = t->cap ? t->cap : 64;

	while (2 * (n + 1) > cap)
		cap *= 2;
	if (cap > t->cap)
		rehash(t, cap);
}

unsigned nameset_add(struct nameset *t, const char *key, unsigned line)
{
	size_t i, h = hash(key);

	if (2 * (t->n + 1) > t->cap)
		rehash(t, t->cap ? t->cap * 2 : 64);
	for (i = h & (t->cap - 1); t->slot[i].key != NULL;
	     i = (i + 1) & (t->cap - 1))
		if (t->slot[i].hash == (unsigned)h &&
		    strcmp(t->slot[i].key, key) == 0)
			return t->slot[i].line;
	t->slot[i].key = key;
	t->slot[i].line = line;
	t->slot[i].hash = (unsigned)h;
	t->n++;
	return 0;
}

unsigned nameset_find(const struct nameset *t, const char *key)
{
	size_t i;

	if (t->cap == 0)
		return 0;
	for (i = hash(key) & (t->cap - 1); t->slot[i].key != NULL;
	     i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slot[i].key, key) == 0)
			return t->slot[i].line;
	return 0;
}

void nameset_free(struct nameset *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t);
}
