/* ref.c - the reference grammar: [mount/]path[?version=N][#selector]. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ref.h"
#include "util.h"

/* Vault's version field is a Go int; anything past this is a typo. */
#define VERSION_MAX 2147483647UL
/* References are not secret, but one pasted by mistake may be huge. */
#define SHOW_MAX 80

/* text, or a copy short enough for a message cut on a UTF-8 boundary. */
static const char *shown(const char *text, char buf[SHOW_MAX + 1])
{
	size_t n = strlen(text);

	if (n <= SHOW_MAX)
		return text;
	n = SHOW_MAX - 3;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, text, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

int ref_pointer_valid(const char *ptr)
{
	if (*ptr != '\0' && *ptr != '/')
		return 0;
	for (; *ptr; ptr++)
		if (*ptr == '~' && ptr[1] != '0' && ptr[1] != '1')
			return 0;
	return 1;
}

/* The first escape that RFC 6901 does not allow, for the message. */
static void bad_escape(const char *ptr, char out[3])
{
	const char *t = ptr;

	while ((t = strchr(t, '~')) != NULL && (t[1] == '0' || t[1] == '1'))
		t += 2;
	out[0] = '~';
	out[1] = t != NULL && t[1] >= 0x20 ? t[1] : '\0';
	out[2] = '\0';
}

static int parse_selector(const char *sel, const char *text, struct ref *r,
                          struct error *err)
{
	char show[SHOW_MAX + 1], esc[3];

	if (*sel == '\0')
		return error_set(err, ST_CONFIG, "empty selector in '%s'",
		                 shown(text, show));
	if (strcmp(sel, "*") == 0) {
		r->sel = SEL_WHOLE;
		return ST_OK;
	}
	if (*sel == '/') {
		if (!ref_pointer_valid(sel)) {
			bad_escape(sel, esc);
			return error_set(err, ST_CONFIG,
			                 "invalid JSON Pointer escape '%s' in '%s'",
			                 esc, shown(text, show));
		}
		r->sel = SEL_POINTER;
	} else {
		r->sel = SEL_KEY;
	}
	return ST_OK;
}

static int parse_query(const char *q, const char *text, struct ref *r,
                       struct error *err)
{
	static const char key[] = "version=";
	char show[SHOW_MAX + 1];

	if (*q == '\0')
		return error_set(err, ST_CONFIG, "empty query in '%s'",
		                 shown(text, show));
	if (strncmp(q, key, sizeof key - 1) != 0)
		return error_set(err, ST_CONFIG,
		                 "unsupported query in '%s' (only ?version=N)",
		                 shown(text, show));
	if (parse_ulong(q + sizeof key - 1, 1, VERSION_MAX, &r->version) != 0)
		return error_set(err, ST_CONFIG,
		                 "version must be an integer >= 1 in '%s'",
		                 shown(text, show));
	return ST_OK;
}

/* The path is the first len bytes of text, before any '?' or '#'. */
static int parse_path(const char *text, size_t len, struct error *err)
{
	char show[SHOW_MAX + 1];
	const char *seg = text, *end = text + len, *slash;
	size_t n;

	if (len == 0)
		return error_set(err, ST_CONFIG, "empty path in '%s'",
		                 shown(text, show));
	for (;;) {
		slash = memchr(seg, '/', (size_t)(end - seg));
		n = (size_t)((slash ? slash : end) - seg);
		if (n == 0)
			return error_set(err, ST_CONFIG,
			                 "empty path segment in '%s'",
			                 shown(text, show));
		if ((n == 1 || n == 2) && strncmp(seg, "..", n) == 0)
			return error_set(err, ST_CONFIG, "'%.*s' segment in '%s'",
			                 (int)n, seg, shown(text, show));
		if (slash == NULL)
			return ST_OK;
		seg = slash + 1;
	}
}

int ref_parse(const char *text, struct ref *r, struct error *err)
{
	return ref_parse_in(text, 0, r, NULL, err);
}

int ref_parse_in(const char *text, int from_manifest, struct ref *r,
                 struct arena *a, struct error *err)
{
	const char *hash, *query, *sel;
	size_t at, len, pathlen, sellen;
	char *block;
	int rc;

	memset(r, 0, sizeof *r);
	if (text == NULL || *text == '\0')
		return error_set(err, ST_CONFIG, "empty reference");
	/* Not echoed: the reference itself would garble the terminal. */
	len = strlen(text);
	if ((from_manifest ? memchr(text, '\t', len) != NULL : 1) &&
	    (at = ctl_span(text, len)) < len)
		return error_set(err, ST_CONFIG,
		                 "control character at offset %zu in reference",
		                 at);
	hash = memchr(text, '#', len);
	pathlen = hash ? (size_t)(hash - text) : len;
	query = memchr(text, '?', pathlen);
	if (query != NULL)
		pathlen = (size_t)(query - text);
	rc = parse_path(text, pathlen, err);
	if (rc == ST_OK && query != NULL) {
		char *q = xstrndup(query + 1, (size_t)((hash ? hash : text + len) -
		                                       query - 1));

		rc = parse_query(q, text, r, err);
		free(q);
	}
	if (rc == ST_OK && hash != NULL)
		rc = parse_selector(hash + 1, text, r, err);
	if (rc != ST_OK) {
		memset(r, 0, sizeof *r);
		return rc;
	}
	if (a && query == NULL && hash == NULL) {
		r->path = text; /* a path alone: text is the copy */
		r->selector = "value";
		return ST_OK;
	}
	sel = hash == NULL ? "value" : r->sel == SEL_WHOLE ? NULL : hash + 1;
	/* The path needs its own NUL.  In an arena the selector stays the end
	 * of text; else one block per reference: the path, then the selector. */
	sellen = a || sel == NULL ? 0 :
	         hash == NULL     ? strlen(sel) :
	                            (size_t)(text + len - sel);
	block = a ? arena_alloc(a, pathlen + 1) :
	            xmalloc(pathlen + 1 + sellen + 1);
	memcpy(block, text, pathlen);
	block[pathlen] = '\0';
	r->path = block;
	r->selector = sel;
	if (sel && !a) {
		memcpy(block + pathlen + 1, sel, sellen + 1);
		r->selector = block + pathlen + 1;
	}
	return ST_OK;
}

void ref_free(struct ref *r)
{
	free((char *)r->path); /* and the selector with it */
	memset(r, 0, sizeof *r);
}
