/* map.c - open addressing with linear probing, FNV-1a hashing.
 *
 * A map is its entries, dense in the order they were put, and an itab of
 * 4-byte entry numbers over them: 24 bytes a key and 4 a slot, where a slot
 * holding the whole entry took 24 bytes at a table at most 3/4 full. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "map.h"
#include "util.h"

/* The length and the hash's low half in 32 bits each (keys are names, paths
 * and values under vaultrun's 4 MiB answer limit; a table never has 2^32
 * slots, so the low half places a key as the whole would). */
struct entry {
	const char *key;
	uint32_t klen;
	uint32_t hash;
	size_t value;
};

struct map {
	struct itab t;
	struct entry *e;
	size_t n;
	struct arena *keys; /* the keys' bytes, wiped when the map is freed */
};

/* What find looks for. */
struct want {
	const struct map *m;
	const char *key;
	size_t klen;
	uint32_t hash;
};

uint32_t map_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--) {
		h ^= (unsigned char)*k++;
		h *= 1099511628211ULL;
	}
	return (uint32_t)h;
}

struct map *map_new(void)
{
	struct map *m = xcalloc(1, sizeof *m);

	itab_init(&m->t, 64);
	m->keys = arena_new();
	return m;
}

void map_free(struct map *m)
{
	if (m == NULL)
		return;
	/* Keys may be secret: the arena wipes them. */
	arena_free(m->keys);
	itab_free(&m->t);
	free(m->e);
	free(m);
}

static int entry_is(const void *ctx, size_t i)
{
	const struct want *w = ctx;
	const struct entry *e = &w->m->e[i];

	return e->hash == w->hash && e->klen == w->klen &&
	       memcmp(e->key, w->key, w->klen) == 0;
}

static uint32_t entry_hash(const void *ctx, size_t i)
{
	const struct map *m = ctx;

	return m->e[i].hash;
}

static uint32_t *find(const struct map *m, const char *key, size_t klen)
{
	struct want w = {m, key, klen, map_hash(key, klen)};

	return itab_find(&m->t, w.hash, entry_is, &w);
}

void map_reserve(struct map *m, size_t n)
{
	itab_room(&m->t, n + 1, entry_hash, m);
}

int map_get(const struct map *m, const char *key, size_t klen, size_t *value)
{
	uint32_t *s = find(m, key, klen);

	if (*s == 0)
		return 0;
	*value = m->e[*s - 1].value;
	return 1;
}

void map_set(struct map *m, const char *key, size_t klen, size_t value)
{
	uint32_t *s = find(m, key, klen);

	if (*s != 0)
		m->e[*s - 1].value = value;
}

int map_get_or_put(struct map *m, const char *key, size_t klen, size_t *value)
{
	struct want w = {m, key, klen, map_hash(key, klen)};
	uint32_t *s;
	struct entry *e;

	itab_room(&m->t, m->t.used + 1, entry_hash, m);
	s = itab_find(&m->t, w.hash, entry_is, &w);
	if (*s != 0) {
		*value = m->e[*s - 1].value;
		return 1;
	}
	m->e = xgrow(m->e, m->n, sizeof *m->e);
	e = &m->e[m->n];
	e->key = arena_strndup(m->keys, key, klen);
	e->klen = (uint32_t)klen;
	e->hash = w.hash;
	e->value = *value;
	*s = (uint32_t)++m->n;
	m->t.used++;
	return 0;
}

void itab_init(struct itab *t, size_t cap)
{
	t->cap = cap;
	t->used = 0;
	t->slot = xcalloc(cap, sizeof *t->slot);
}

void itab_free(struct itab *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->used = 0;
}

uint32_t *itab_find(const struct itab *t, uint32_t h,
                    int (*same)(const void *ctx, size_t e), const void *ctx)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->slot[i] != 0 && !same(ctx, t->slot[i] - 1))
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

void itab_room(struct itab *t, size_t n,
               uint32_t (*rehash)(const void *ctx, size_t e), const void *ctx)
{
	uint32_t *old = t->slot;
	size_t i, j, oldcap = t->cap;

	if (n * 4 <= t->cap * 3)
		return;
	while (n * 4 > t->cap * 3)
		t->cap *= 2;
	t->slot = xcalloc(t->cap, sizeof *t->slot);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		j = (size_t)rehash(ctx, old[i] - 1) & (t->cap - 1);
		while (t->slot[j] != 0)
			j = (j + 1) & (t->cap - 1);
		t->slot[j] = old[i];
	}
	free(old);
}
