/* arena.c - a list of blocks, each filled front to back. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "util.h"

/* The first block is small (most arenas hold a handful of strings); each
 * next one doubles, up to BLOCK_MAX, so a small run wastes little and a
 * large one at most a block: at 1,000 references a 64 KiB cap left ~13 KB
 * of a 16 KiB block unused in each of three arenas.  100,000 strings take a
 * few hundred blocks (a string longer than a block gets one of its own). */
#define BLOCK_MIN 256
#define BLOCK_MAX ((size_t)4 << 10)

struct block {
	struct block *next;
	size_t cap, used;
	char data[];
};

struct arena {
	struct block *head; /* the block being filled; older ones follow */
	size_t next_cap;
};

struct arena *arena_new(void)
{
	struct arena *a = xcalloc(1, sizeof *a);

	a->next_cap = BLOCK_MIN;
	return a;
}

char *arena_alloc(struct arena *a, size_t n)
{
	struct block *b = a->head;
	char *p;

	if (b == NULL || b->cap - b->used < n) {
		size_t cap = a->next_cap;

		while (cap < n)
			cap *= 2;
		if (a->next_cap < BLOCK_MAX)
			a->next_cap *= 2;
		b = xmalloc(sizeof *b + cap);
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	struct block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		explicit_bzero(b->data, b->used);
		free(b);
	}
	free(a);
}
