/* numtext.c - which numbers of a JSON text keep their text, and the text
 * with those numbers replaced by indices. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "secret.h"
#include "util.h"

/* A growing buffer whose old generations are wiped. */
struct buf {
	char *p;
	size_t len, cap;
};

static void jb_put(struct buf *b, const char *s, size_t n)
{
	wipe_append(&b->p, &b->len, &b->cap, s, n);
}

/* The RFC 8259 number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * A token that is not a number is left for jansson to refuse. */
static int is_number(const char *t, size_t n)
{
	size_t i = 0, d;

	if (i < n && t[i] == '-')
		i++;
	if (i < n && t[i] == '0')
		i++;
	else if (i < n && t[i] >= '1' && t[i] <= '9')
		while (i < n && t[i] >= '0' && t[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && t[i] == '.') {
		for (d = ++i; i < n && t[i] >= '0' && t[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		for (d = i; i < n && t[i] >= '0' && t[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

int numtext_keeps(const char *tok, size_t n)
{
	char buf[32];

	if (!is_number(tok, n))
		return 0;
	if (memchr(tok, '.', n) || memchr(tok, 'e', n) || memchr(tok, 'E', n) ||
	    (n == 2 && tok[0] == '-' && tok[1] == '0'))
		return 1;
	if (n >= sizeof buf)
		return 1;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	errno = 0;
	(void)strtoll(buf, NULL, 10);
	return errno == ERANGE;
}

char *numtext_widen(const char *body, size_t len, struct numtext *t, size_t *outlen)
{
	struct buf b = {NULL, 0, 0};
	size_t i = 0, run = 0;
	int in_str = 0, n;
	char idx[32];

	while (i < len) {
		char c = body[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			i++;
		} else if (c == '"') {
			in_str = 1;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i;

			while (j < len && strchr("+-.0123456789eE", body[j]) &&
			       body[j])
				j++;
			if (numtext_keeps(body + i, j - i)) {
				n = snprintf(idx, sizeof idx, "%zu.0", t->n);
				jb_put(&b, body + run, i - run);
				jb_put(&b, idx, (size_t)n);
				t->off = xgrow(t->off, t->n, sizeof *t->off);
				t->off[t->n++] = t->len;
				wipe_append(&t->all, &t->len, &t->cap, body + i,
				            j - i);
				run = j;
			}
			i = j;
		} else {
			i++;
		}
	}
	if (t->n == 0) {
		wipe_free(b.p, b.cap);
		return NULL;
	}
	t->off = xgrow(t->off, t->n, sizeof *t->off);
	t->off[t->n] = t->len;
	jb_put(&b, body + run, len - run);
	*outlen = b.len;
	return b.p;
}

const char *numtext_get(const struct numtext *t, size_t i, size_t *len)
{
	*len = t->off[i + 1] - t->off[i];
	return t->all + t->off[i];
}

void numtext_free(struct numtext *t)
{
	wipe_free(t->all, t->cap);
	free(t->off);
	memset(t, 0, sizeof *t);
}
