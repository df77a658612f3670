/* mask.c - the registry of values that must never be printed.
 *
 * Values are indexed by their first MASK_MIN bytes, so that redacting a line
 * is one pass over it whatever the number of values: with 10,000 secrets,
 * a --check report of 10,000 lines stays linear. */
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "mask.h"
#include "secret.h"
#include "util.h"

#define MASK_MIN 4
#define NONE ((size_t)-1)
static const char stars[] = MASK_STARS;

static struct secret *values;
static size_t *next; /* the next value with the same prefix, or NONE */
static size_t nvalues;
static struct map *seen;  /* each value once, however many variables hold it */
static struct map *heads; /* first MASK_MIN bytes -> first value with them */

void mask_add(const char *p, size_t len)
{
	size_t i = nvalues, head = nvalues;

	if (len < MASK_MIN)
		return;
	if (seen == NULL) {
		seen = map_new();
		heads = map_new();
	}
	if (map_get_or_put(seen, p, len, &i))
		return;
	values = xgrow(values, nvalues, sizeof *values);
	next = xgrow(next, nvalues, sizeof *next);
	values[i].p = NULL;
	values[i].len = 0;
	secret_set(&values[i], p, len);
	next[i] = NONE;
	if (map_get_or_put(heads, p, MASK_MIN, &head)) {
		next[i] = head; /* push in front of the others with its prefix */
		map_set(heads, p, MASK_MIN, i);
	}
	nvalues++;
}

/* The longest registered value that starts at buf[at], or NONE. */
static size_t match(const char *buf, size_t len, size_t at)
{
	size_t i, best = NONE;

	if (len - at < MASK_MIN || !map_get(heads, buf + at, MASK_MIN, &i))
		return NONE;
	for (; i != NONE; i = next[i])
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

const struct secret *mask_value(size_t i)
{
	return &values[i];
}

void mask_clear(void)
{
	size_t i;

	for (i = 0; i < nvalues; i++)
		secret_wipe(&values[i]);
	free(values);
	free(next);
	values = NULL;
	next = NULL;
	nvalues = 0;
	map_free(seen);
	map_free(heads);
	seen = heads = NULL;
}
