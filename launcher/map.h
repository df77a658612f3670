/* map.h - a string-keyed hash map to indices, for de-duplication.
 *
 * Keys are copied (byte strings with explicit length) and wiped when the map
 * is freed; values are size_t.
 * Insertion and lookup are O(1) on average so that 100,000 references plan
 * in linear time.
 */
#ifndef VAULTRUN_MAP_H
#define VAULTRUN_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map;

struct map *map_new(void);

/* Room for n keys in all, so that adding them never rehashes. */
void map_reserve(struct map *m, size_t n);
void map_free(struct map *m);
/* Look key up; if present return 1 and set *value, else insert it with
 * *value and return 0. */
int map_get_or_put(struct map *m, const char *key, size_t klen, size_t *value);
/* Set the value of a key that is present (no-op otherwise). */
void map_set(struct map *m, const char *key, size_t klen, size_t value);
/* Return 1 and set *value when key is present. */
int map_get(const struct map *m, const char *key, size_t klen, size_t *value);

/* FNV-1a of n bytes, the low 32 bits (what a table places keys by). */
uint32_t map_hash(const char *k, size_t n);

/* The table under a map, for a caller that keeps the keys itself (mask.c
 * indexes its values twice without a copy of either key): 4 bytes a slot,
 * linear probing, at most 3/4 full.  Entries are numbers below UINT32_MAX;
 * same(ctx, e) tells whether entry e is the key sought, rehash(ctx, e) gives
 * entry e's hash again when the table doubles. */
struct itab {
	uint32_t *slot; /* an entry's number + 1; 0: empty */
	size_t cap;     /* a power of two */
	size_t used;
};

void itab_init(struct itab *t, size_t cap);
void itab_free(struct itab *t);
/* The slot holding the entry of hash h that same() accepts, or else the
 * empty slot where it would go (*slot == 0). */
uint32_t *itab_find(const struct itab *t, uint32_t h,
                    int (*same)(const void *ctx, size_t e), const void *ctx);
/* Room for n entries in all (used + 1 before the itab_find that may
 * insert): past 3/4 full, the table doubles and places each entry again. */
void itab_room(struct itab *t, size_t n,
               uint32_t (*rehash)(const void *ctx, size_t e), const void *ctx);

#endif
