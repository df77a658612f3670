/* map.c - open addressing with linear probing, FNV-1a hashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "map.h"
#include "util.h"

/* 24 bytes: the length and the hash's low half in 32 bits each (keys are
 * names, paths and values under vaultrun's 4 MiB answer limit; a table
 * never has 2^32 slots, so the low half places a key as the whole would). */
struct slot {
	char *key; /* NULL: empty */
	uint32_t klen;
	uint32_t hash;
	size_t value;
};

struct map {
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t used;
	struct arena *keys; /* the keys' bytes, wiped when the map is freed */
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

	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	m->keys = arena_new();
	return m;
}

void map_free(struct map *m)
{
	if (m == NULL)
		return;
	/* Keys may be secret (mask.c de-duplicates values with a map): the
	 * arena wipes them. */
	arena_free(m->keys);
	free(m->slots);
	free(m);
}

static struct slot *find(const struct map *m, const char *key, size_t klen,
                         uint32_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	for (;;) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL || (s->hash == h && s->klen == klen &&
		                       memcmp(s->key, key, klen) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static void grow(struct map *m)
{
	struct slot *old = m->slots;
	size_t i, oldcap = m->cap;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].klen, old[i].hash) = old[i];
	free(old);
}

void map_reserve(struct map *m, size_t n)
{
	while ((n + 1) * 4 > m->cap * 3)
		grow(m);
}

int map_get(const struct map *m, const char *key, size_t klen, size_t *value)
{
	struct slot *s = find(m, key, klen, map_hash(key, klen));

	if (s->key == NULL)
		return 0;
	*value = s->value;
	return 1;
}

void map_set(struct map *m, const char *key, size_t klen, size_t value)
{
	struct slot *s = find(m, key, klen, map_hash(key, klen));

	if (s->key != NULL)
		s->value = value;
}

int map_get_or_put(struct map *m, const char *key, size_t klen, size_t *value)
{
	uint32_t h = map_hash(key, klen);
	struct slot *s;

	if ((m->used + 1) * 4 > m->cap * 3)
		grow(m);
	s = find(m, key, klen, h);
	if (s->key != NULL) {
		*value = s->value;
		return 1;
	}
	s->key = arena_strndup(m->keys, key, klen);
	s->klen = (uint32_t)klen;
	s->hash = h;
	s->value = *value;
	m->used++;
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

void itab_room(struct itab *t, uint32_t (*rehash)(const void *ctx, size_t e),
               const void *ctx)
{
	uint32_t *old = t->slot;
	size_t i, j, oldcap = t->cap;

	if ((t->used + 1) * 4 <= t->cap * 3)
		return;
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
