/* map.c - open addressing with linear probing, FNV-1a hashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "secret.h"
#include "util.h"

struct slot {
	char *key; /* NULL: empty */
	size_t klen;
	uint64_t hash;
	size_t value;
};

struct map {
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t used;
};

static uint64_t hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--) {
		h ^= (unsigned char)*k++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct map *map_new(void)
{
	struct map *m = xcalloc(1, sizeof *m);

	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	return m;
}

void map_free(struct map *m)
{
	size_t i;

	if (m == NULL)
		return;
	/* Keys may be secret (mask.c de-duplicates values with a map). */
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL)
			wipe_free(m->slots[i].key, m->slots[i].klen + 1);
	free(m->slots);
	free(m);
}

static struct slot *find(const struct map *m, const char *key, size_t klen,
                         uint64_t h)
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
	struct slot *s = find(m, key, klen, hash(key, klen));

	if (s->key == NULL)
		return 0;
	*value = s->value;
	return 1;
}

void map_set(struct map *m, const char *key, size_t klen, size_t value)
{
	struct slot *s = find(m, key, klen, hash(key, klen));

	if (s->key != NULL)
		s->value = value;
}

int map_get_or_put(struct map *m, const char *key, size_t klen, size_t *value)
{
	uint64_t h = hash(key, klen);
	struct slot *s;

	if ((m->used + 1) * 4 > m->cap * 3)
		grow(m);
	s = find(m, key, klen, h);
	if (s->key != NULL) {
		*value = s->value;
		return 1;
	}
	s->key = xmalloc(klen + 1);
	memcpy(s->key, key, klen);
	s->key[klen] = '\0';
	s->klen = klen;
	s->hash = h;
	s->value = *value;
	m->used++;
	return 0;
}
