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

#endif
