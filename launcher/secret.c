/* secret.c - secret bytes: copy, wipe, free. */
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "util.h"

void wipe_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

void secret_set(struct secret *s, const void *p, size_t len)
{
	char *q = xmalloc(len + 1);

	memcpy(q, p, len);
	q[len] = '\0';
	secret_wipe(s);
	s->p = q;
	s->len = len;
}

void secret_wipe(struct secret *s)
{
	if (s->p != NULL)
		wipe_free(s->p, s->len + 1);
	s->p = NULL;
	s->len = 0;
}

void wipe_append(char **p, size_t *len, size_t *cap, const void *src, size_t n)
{
	if (*cap - *len < n + 1) {
		size_t bigger = *cap ? *cap : 64;
		char *q;

		while (bigger - *len < n + 1)
			bigger *= 2;
		q = xmalloc(bigger);
		if (*len)
			memcpy(q, *p, *len);
		wipe_free(*p, *cap);
		*p = q;
		*cap = bigger;
	}
	memcpy(*p + *len, src, n);
	*len += n;
	(*p)[*len] = '\0';
}

void secret_rstrip(struct secret *s)
{
	while (s->len > 0 &&
	       (s->p[s->len - 1] == '\n' || s->p[s->len - 1] == '\r' ||
	        s->p[s->len - 1] == ' ' || s->p[s->len - 1] == '\t'))
		s->p[--s->len] = '\0';
}
