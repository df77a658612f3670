/* mreader.c - line checks that mirror inih's reading (ini.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mreader.h"
#include "util.h"

#define MAX_LINE MREADER_MAX_LINE

void mreader_init(struct mreader *r, const char *file, const char *text,
                  size_t len, struct error *err)
{
	memset(r, 0, sizeof *r);
	r->file = file;
	r->p = text;
	r->end = text + len;
	r->err = err;
}

int mreader_fail(struct mreader *r, unsigned line, const char *fmt, ...)
{
	char msg[sizeof r->err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	error_set(r->err, ST_CONFIG, "%s:%u: %s", r->file, line, msg);
	r->failed = 1;
	return 0;
}

#define fail(r, ...) mreader_fail((r), (r)->lineno, __VA_ARGS__)

/* isspace() in the C locale, which is inih's (vaultrun sets none), without
 * a call per byte. */
static int blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* inih's own scan (ini.c, find_chars_or_comment) for a section's ']': the
 * first ch, or a ';' that follows whitespace, or e.  Mirrored so that we
 * read a header exactly as inih will. */
static const char *find_char_or_comment(const char *s, const char *e, char ch)
{
	int was_space = 0;

	for (; s < e && *s != ch && !(was_space && *s == ';'); s++)
		was_space = blank(*s);
	return s;
}

/* A "[name]" line; s..e is the line without surrounding whitespace. */
static int section(struct mreader *r, const char *s, const char *e)
{
	const char *close = find_char_or_comment(s + 1, e, ']'), *rest;
	char name[MAX_LINE + 1];
	size_t n;

	if (close == e || *close != ']')
		return fail(r, "syntax error (section header without ']')");
	/* inih ignores whatever follows the ']'; we allow only a comment. */
	for (rest = close + 1; rest < e && blank(*rest); rest++)
		;
	n = (size_t)(close - (s + 1));
	memcpy(name, s + 1, n);
	name[n] = '\0';
	if (rest < e && *rest != ';' && *rest != '#')
		return fail(r, "unexpected text after [%s]", name);
	r->prev_name = 0;
	return r->on_section(r->ctx, name);
}

/* Refuse what inih would cut, merge or misread; follow its idea of sections
 * and of the previous name so that continuations are found exactly when
 * inih would make one (ini.c, ini_parse_stream). */
static int check_line(struct mreader *r, const char *line, size_t len)
{
	const char *s = line, *e = line + len, *q;

	if (len > MAX_LINE)
		return fail(r, "line is longer than %d bytes", MAX_LINE);
	/* A stray CR or escape would hide in a value that looks right on a
	 * terminal.  Eight bytes at a time on the common path (bytes from
	 * 0x20 up are fine but DEL), byte by byte from the first word that
	 * may hold one (a tab is allowed), the reason only once found. */
	for (q = line + ctl_span(line, len); q < e; q++) {
		unsigned char c = (unsigned char)*q;

		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == '\0')
			return fail(r, "NUL byte in line");
		if (c != '\t')
			return fail(r, "control character in line");
	}
	while (s < e && blank(*s))
		s++;
	if (s == e || *s == ';' || *s == '#')
		return 1; /* blank or comment: changes nothing in inih */
	if (r->prev_name && s > line)
		return fail(r, "unexpected continuation line (indented)");
	if (*s == '[') {
		while (e > s && blank(e[-1]))
			e--;
		return section(r, s, e);
	}
	/* name = value, or no separator: inih looks for it itself (ini.c,
	 * find_chars_or_comment) and calls the handler, which tells us
	 * (mreader_pair), or calls the line an error, which the next read
	 * reports.  The line is not scanned for it twice. */
	r->pair_line = r->lineno;
	return 1;
}

void mreader_pair(struct mreader *r, const char *name)
{
	r->pair_line = 0;
	r->prev_name = *name != '\0';
}

char *mreader_read(char *buf, int num, void *stream)
{
	struct mreader *r = stream;
	const char *line, *nl;
	size_t len;

	if (r->partial) {
		r->partial = 0;
		/* inih reads on with a small buffer to discard the rest of a
		 * line that filled its own; there is no rest. */
		if (num != r->bufsize)
			return NULL;
	}
	if (num < 2)
		return NULL;
	if (r->pair_line && !r->failed)
		/* inih found no '=' or ':' in the line it was last given. */
		mreader_fail(r, r->pair_line,
		             "syntax error (expected NAME = VALUE)");
	if (r->failed || r->p == r->end) {
		/* The last line handed over (a secret_id, perhaps) would
		 * otherwise stay behind in inih's stack buffer. */
		explicit_bzero(buf, (size_t)num);
		return NULL;
	}
	line = r->p;
	nl = memchr(line, '\n', (size_t)(r->end - line));
	len = (size_t)((nl ? nl : r->end) - line);
	r->p = nl ? nl + 1 : r->end;
	r->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* inih skips a UTF-8 BOM on line 1; it is no part of the line. */
	if (r->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (!check_line(r, line, len)) {
		explicit_bzero(buf, (size_t)num);
		return NULL;
	}
	/* inih strips trailing blanks anyway; dropping them here leaves room
	 * for the newline in most lines of exactly MAX_LINE bytes. */
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len > (size_t)num - 1) {
		fail(r, "line is longer than %d bytes", num - 1);
		explicit_bzero(buf, (size_t)num);
		return NULL;
	}
	memcpy(buf, line, len);
	if (len < (size_t)num - 1) {
		buf[len++] = '\n';
	} else {
		r->partial = 1;
		r->bufsize = num;
	}
	buf[len] = '\0';
	return buf;
}
