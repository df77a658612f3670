/* mask.c - the registry of values that must never be printed. */
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "mask.h"
#include "secret.h"
#include "util.h"

#define MASK_MIN 4
static const char stars[] = "********";

static struct secret *values;
static size_t nvalues, cap;
static struct map *seen; /* each value once, however many variables hold it */

void mask_add(const char *p, size_t len)
{
	size_t dummy = nvalues;

	if (len < MASK_MIN)
		return;
	if (seen == NULL)
		seen = map_new();
	if (map_get_or_put(seen, p, len, &dummy))
		return;
	if (nvalues == cap) {
		cap = cap ? cap * 2 : 16;
		values = xreallocarray(values, cap, sizeof *values);
	}
	values[nvalues].p = NULL;
	values[nvalues].len = 0;
	secret_set(&values[nvalues++], p, len);
}

/* Replace each occurrence of one value with as many stars as it has bytes, at
 * most eight, so that a line never grows and redaction works in place. */
static size_t redact_one(char *buf, size_t len, const struct secret *v)
{
	char *hit;
	size_t at = 0;

	while (at < len && (hit = memmem(buf + at, len - at, v->p, v->len))) {
		size_t off = (size_t)(hit - buf), rest = len - off - v->len;
		size_t rep = v->len < sizeof stars - 1 ? v->len : sizeof stars - 1;

		memmove(buf + off + rep, buf + off + v->len, rest + 1);
		memcpy(buf + off, stars, rep);
		len = off + rep + rest;
		at = off + rep;
	}
	return len;
}

size_t mask_redact(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < nvalues; i++)
		if (values[i].len <= len)
			len = redact_one(buf, len, &values[i]);
	return len;
}

void mask_clear(void)
{
	size_t i;

	for (i = 0; i < nvalues; i++)
		secret_wipe(&values[i]);
	free(values);
	values = NULL;
	nvalues = cap = 0;
	map_free(seen);
	seen = NULL;
}
