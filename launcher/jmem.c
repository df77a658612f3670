/* jmem.c - jansson's wiping allocator, and numbers that keep their text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jmem.h"
#include "numtext.h"
#include "util.h"

/* Secret values are parsed by jansson, so they live in its allocations: each
 * block carries its size so that it can be wiped before it is freed, and a
 * real the exact text of its number (see attach_numbers). */
union hdr {
	struct {
		size_t n;
		struct secret *num;
	} s;
	long double ld; /* alignment, as max_align_t would give in C11 */
	long long ll;
	void *p;
};

static void *wipe_malloc(size_t n)
{
	union hdr *h;

	if (n > SIZE_MAX - sizeof *h)
		return NULL;
	h = xmalloc(sizeof *h + n);
	h->s.n = n;
	h->s.num = NULL;
	return h + 1;
}

static void wipe_release(void *p)
{
	union hdr *h;

	if (p == NULL)
		return;
	h = (union hdr *)p - 1;
	if (h->s.num) {
		secret_wipe(h->s.num);
		free(h->s.num);
	}
	wipe_free(h, sizeof *h + h->s.n);
}

void jmem_init(void)
{
	static int done;

	if (done)
		return;
	json_set_alloc_funcs(wipe_malloc, wipe_release);
	done = 1;
}

static union hdr *hdr_of(json_t *v)
{
	return (union hdr *)(void *)v - 1;
}

/* Every real in a tree parsed from numtext_widen's copy is one of its
 * indices (every other number parses as an integer): text i moves into that
 * real's own allocation (its header), where rendering finds it and from
 * where it is wiped when jansson frees the real.  No string, whatever bytes
 * it holds, can be taken for a number.
 *
 * Give each real of the tree its number's text (recursion is bounded by
 * jansson's parse depth limit, 2048).  -1 if a real is not one of the
 * loader's (a jansson that allocates differently): never render an index. */
static int attach_numbers(json_t *v, const struct numtext *t)
{
	union hdr *h;
	double d;
	size_t i, n;
	const char *text;
	void *it;

	if (json_is_object(v)) {
		for (it = json_object_iter(v); it != NULL;
		     it = json_object_iter_next(v, it))
			if (attach_numbers(json_object_iter_value(it), t) != 0)
				return -1;
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (attach_numbers(json_array_get(v, i), t) != 0)
				return -1;
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		h = hdr_of(v);
		if (!(d >= 0 && d < (double)t->n) || h->s.num != NULL ||
		    h->s.n < sizeof(json_t) + sizeof(double))
			return -1;
		i = (size_t)d;
		h->s.num = xcalloc(1, sizeof *h->s.num);
		text = numtext_get(t, i, &n);
		secret_set(h->s.num, text, n);
	}
	return 0;
}

const struct secret *jmem_number(json_t *v)
{
	return json_is_real(v) ? hdr_of(v)->s.num : NULL;
}

/* Secrets may hold NUL bytes (\u0000), which [files] passes on. */
json_t *jmem_load(const char *body, size_t len, size_t flags, json_error_t *jerr)
{
	struct numtext t = {NULL, 0, 0, NULL, 0};
	json_t *v;
	char *wide;
	size_t wlen = 0;

	jmem_init();
	if ((wide = numtext_widen(body, len, &t, &wlen)) == NULL)
		return json_loadb(body, len, flags | JSON_ALLOW_NUL, jerr);
	v = json_loadb(wide, wlen, flags | JSON_ALLOW_NUL, jerr);
	wipe_free(wide, wlen + 1);
	if (v && attach_numbers(v, &t) != 0) {
		json_decref(v);
		v = NULL;
		memset(jerr, 0, sizeof *jerr); /* "invalid JSON": not reached */
	}
	numtext_free(&t);
	return v;
}
