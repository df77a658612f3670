/* mask.c - the registry of values that must never be printed.
 *
 * Values are indexed by their first MASK_MIN bytes, so that redacting a line
 * is one pass over it whatever the number of values: with 10,000 secrets,
 * a --check report of 10,000 lines stays linear.
 *
 * What is kept is what matching needs, once: each value's bytes in one
 * arena (wiped when it is freed), a 16-byte record per value, and two tables
 * of 4-byte value numbers that find a value by its whole bytes (each value
 * is kept once) and by its first MASK_MIN bytes (the newest value with
 * them; each record chains to the next older one).  No key is copied: both
 * tables compare against the arena's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "map.h"
#include "mask.h"
#include "util.h"

#define MASK_MIN 4
#define NONE UINT32_MAX
/* Values at most this long fit a record; a longer one is registered in
 * pieces that overlap by MASK_MIN bytes, whose runs merge when redacted.
 * (Never reached in practice: an answer is at most 4 MiB.) */
#define PIECE_MAX ((size_t)UINT32_MAX)
static const char stars[] = MASK_STARS;

struct mval {
	const char *p; /* in bytes, NUL-terminated */
	uint32_t len;
	uint32_t next; /* the next older value with the same prefix, or NONE */
};

static struct mval *values; /* fewer than UINT32_MAX: each has 4 bytes */
static size_t nvalues;
static struct arena *bytes;
static struct itab seen; /* each value once, however many variables hold it */
static struct itab heads; /* first MASK_MIN bytes -> the newest value with them */

struct key {
	const char *p;
	size_t len;
};

static int same_value(const void *ctx, size_t i)
{
	const struct key *k = ctx;

	return values[i].len == k->len && memcmp(values[i].p, k->p, k->len) == 0;
}

static int same_prefix(const void *ctx, size_t i)
{
	return memcmp(values[i].p, ctx, MASK_MIN) == 0;
}

static uint32_t value_hash(const void *ctx, size_t i)
{
	(void)ctx;
	return map_hash(values[i].p, values[i].len);
}

static uint32_t prefix_hash(const void *ctx, size_t i)
{
	(void)ctx;
	return map_hash(values[i].p, MASK_MIN);
}

void mask_add(const char *p, size_t len)
{
	struct key k;
	struct mval *v;
	uint32_t *s;

	if (len < MASK_MIN)
		return;
	for (; len > PIECE_MAX;
	     p += PIECE_MAX - MASK_MIN, len -= PIECE_MAX - MASK_MIN)
		mask_add(p, PIECE_MAX);
	k.p = p;
	k.len = len;
	if (bytes == NULL) {
		bytes = arena_new();
		itab_init(&seen, 16);
		itab_init(&heads, 16);
	}
	itab_room(&seen, seen.used + 1, value_hash, NULL);
	s = itab_find(&seen, map_hash(p, len), same_value, &k);
	if (*s != 0)
		return;
	*s = (uint32_t)nvalues + 1;
	seen.used++;
	values = xgrow(values, nvalues, sizeof *values);
	v = &values[nvalues];
	v->p = arena_strndup(bytes, p, len);
	v->len = (uint32_t)len;
	v->next = NONE;
	itab_room(&heads, heads.used + 1, prefix_hash, NULL);
	s = itab_find(&heads, map_hash(p, MASK_MIN), same_prefix, p);
	if (*s != 0)
		v->next = *s - 1; /* in front of the others with its prefix */
	else
		heads.used++;
	*s = (uint32_t)nvalues + 1;
	nvalues++;
}

/* The longest registered value that starts at buf[at], or NONE. */
static size_t match(const char *buf, size_t len, size_t at)
{
	size_t i, best = NONE;
	uint32_t *s;

	if (len - at < MASK_MIN)
		return NONE;
	s = itab_find(&heads, map_hash(buf + at, MASK_MIN), same_prefix, buf + at);
	if (*s == 0)
		return NONE;
	for (i = *s - 1; i != NONE; i = values[i].next)
		if (values[i].len <= len - at &&
		    memcmp(buf + at, values[i].p, values[i].len) == 0 &&
		    (best == NONE || values[i].len > values[best].len))
			best = i;
	return best;
}

/* Each run of bytes covered by registered values (overlapping ones merge, so
 * no byte of any of them shows) becomes as many stars as it has bytes, at most
 * eight: a line never grows, and redaction works in place since the output
 * never overtakes the input. */
size_t mask_redact(char *buf, size_t len)
{
	size_t in = 0, out = 0, v, end, j, rep;

	if (nvalues == 0)
		return len;
	while (in < len) {
		if ((v = match(buf, len, in)) == NONE) {
			buf[out++] = buf[in++];
			continue;
		}
		end = in + values[v].len;
		for (j = in + 1; j < end; j++)
			if ((v = match(buf, len, j)) != NONE &&
			    j + values[v].len > end)
				end = j + values[v].len;
		rep = end - in < sizeof stars - 1 ? end - in : sizeof stars - 1;
		memcpy(buf + out, stars, rep);
		out += rep;
		in = end;
	}
	buf[out] = '\0';
	return out;
}

size_t mask_count(void)
{
	return nvalues;
}

const char *mask_value(size_t i, size_t *len)
{
	*len = values[i].len;
	return values[i].p;
}

void mask_clear(void)
{
	arena_free(bytes); /* wipes every value */
	bytes = NULL;
	free(values);
	values = NULL;
	nvalues = 0;
	itab_free(&seen);
	itab_free(&heads);
}
