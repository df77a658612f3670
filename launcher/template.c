/* template.c - parse and render composed values; expand [vault] values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "util.h"

struct template
{
	struct tpiece *piece;
	size_t n, nrefs;
};

static const struct {
	const char *name;
	enum tfilter f;
} filters[] = {
	{"url", TF_URL},
	{"base64", TF_BASE64},
	{"base64d", TF_BASE64D},
	{"json", TF_JSON},
};

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int template_is(const char *text)
{
	/* Once per reference: a '$' is rare, strstr's set-up is not. */
	while ((text = strchr(text, '$')) != NULL)
		if (*++text == '{')
			return 1;
	return 0;
}

static struct tpiece *add_piece(struct template *t, int is_ref,
                                const char *text, size_t len)
{
	struct tpiece *p;

	t->piece = xgrow(t->piece, t->n, sizeof *t->piece);
	p = &t->piece[t->n++];
	memset(p, 0, sizeof *p);
	p->is_ref = is_ref;
	p->text = xstrndup(text, len);
	p->len = len;
	t->nrefs += is_ref != 0;
	return p;
}

/* Literal text s..e, "$$" made '$', as one piece (none when empty). */
static void add_literal(struct template *t, const char *s, const char *e)
{
	char *buf = xmalloc((size_t)(e - s) + 1);
	size_t n = 0;

	while (s < e) {
		if (s[0] == '$' && s + 1 < e && s[1] == '$')
			s++;
		buf[n++] = *s++;
	}
	if (n > 0)
		add_piece(t, 0, buf, n);
	free(buf);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The filters of "ref|f1|f2}" from just after a '|'. */
static int parse_filters(struct tpiece *p, const char *s, const char *close,
                         struct error *err)
{
	while (s <= close) {
		const char *bar = memchr(s, '|', (size_t)(close - s));
		const char *end = bar ? bar : close;
		size_t n = (size_t)(end - s), k;

		if (n == 0)
			return error_set(err, ST_CONFIG,
			                 "empty filter in '${%s|...}' (url, "
			                 "base64, base64d or json)",
			                 p->text);
		for (k = 0; k < sizeof filters / sizeof filters[0]; k++)
			if (strlen(filters[k].name) == n &&
			    memcmp(filters[k].name, s, n) == 0)
				break;
		if (k == sizeof filters / sizeof filters[0])
			return error_set(err, ST_CONFIG,
			                 "unknown filter '%.*s' (url, base64, "
			                 "base64d or json)",
			                 (int)(n > 40 ? 40 : n), s);
		if (p->nfilters == TEMPLATE_MAX_FILTERS)
			return error_set(err, ST_CONFIG,
			                 "more than %d filters on '${%s}'",
			                 TEMPLATE_MAX_FILTERS, p->text);
		p->filter[p->nfilters++] = filters[k].f;
		s = end + 1;
	}
	return ST_OK;
}

/* One "${...}" whose '{' is at s[-1]; returns the byte after its '}'. */
static const char *parse_ref(struct template *t, const char *s, struct error *err)
{
	const char *close = strchr(s, '}'), *nest, *bar;
	struct tpiece *p;

	if (close == NULL) {
		error_set(err, ST_CONFIG, "unterminated '${' (no '}' after it)");
		return NULL;
	}
	nest = strstr(s, "${");
	if (nest && nest < close) {
		error_set(err, ST_CONFIG,
		          "'${' inside a reference (a reference runs from "
		          "'${' to the first '}')");
		return NULL;
	}
	bar = memchr(s, '|', (size_t)(close - s));
	if ((bar ? bar : close) == s) {
		error_set(err, ST_CONFIG, "empty reference '${}'");
		return NULL;
	}
	if (is_blank(*s) || is_blank((bar ? bar : close)[-1])) {
		error_set(err, ST_CONFIG,
		          "blank around the reference in '${%.*s}'",
		          (int)((bar ? bar : close) - s), s);
		return NULL;
	}
	p = add_piece(t, 1, s, (size_t)((bar ? bar : close) - s));
	if (bar && parse_filters(p, bar + 1, close, err) != ST_OK)
		return NULL;
	return close + 1;
}

int template_parse(const char *text, struct template **out, struct error *err)
{
	struct template *t = xcalloc(1, sizeof *t);
	const char *s = text, *lit = text;

	*out = NULL;
	while (*s) {
		if (s[0] == '$' && s[1] == '$') {
			s += 2;
			continue;
		}
		if (s[0] != '$' || s[1] != '{') {
			s++;
			continue;
		}
		add_literal(t, lit, s);
		if ((s = parse_ref(t, s + 2, err)) == NULL) {
			template_free(t);
			return ST_CONFIG;
		}
		lit = s;
	}
	add_literal(t, lit, s);
	*out = t;
	return ST_OK;
}

void template_free(struct template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->piece[i].text);
	free(t->piece);
	free(t);
}

size_t template_count(const struct template *t)
{
	return t->n;
}

const struct tpiece *template_piece(const struct template *t, size_t i)
{
	return i < t->n ? &t->piece[i] : NULL;
}

size_t template_refs(const struct template *t)
{
	return t->nrefs;
}

static void put(struct secret *out, size_t *cap, const void *p, size_t n)
{
	wipe_append(&out->p, &out->len, cap, p, n);
}

static void url_encode(const unsigned char *p, size_t len, struct secret *out,
                       size_t *cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		char e[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			put(out, cap, &c, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		put(out, cap, e, 3);
	}
}

static void b64_encode(const unsigned char *p, size_t len, struct secret *out,
                       size_t *cap)
{
	size_t i;

	for (i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		char q[4];

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		put(out, cap, q, 4);
	}
}

static int b64_value(unsigned char c)
{
	const char *q = c ? strchr(b64, c) : NULL;

	return q ? (int)(q - b64) : -1;
}

/* Standard alphabet; the padding may be left out; unused bits must be 0. */
static int b64_decode(const unsigned char *p, size_t len, struct secret *out,
                      size_t *cap)
{
	unsigned long acc = 0;
	size_t i, bits = 0, pad = 0;

	while (pad < 2 && len > 0 && p[len - 1] == '=') {
		len--;
		pad++;
	}
	if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64_value(p[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			unsigned char c = (unsigned char)(acc >> (bits - 8));

			bits -= 8;
			put(out, cap, &c, 1);
		}
		acc &= (1ul << bits) - 1;
	}
	return acc == 0 ? 0 : -1;
}

static void json_escape(const unsigned char *p, size_t len, struct secret *out,
                        size_t *cap)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		char e[8];
		const char *s = NULL;

		switch (c) {
		case '"':
			s = "\\\"";
			break;
		case '\\':
			s = "\\\\";
			break;
		case '\b':
			s = "\\b";
			break;
		case '\f':
			s = "\\f";
			break;
		case '\n':
			s = "\\n";
			break;
		case '\r':
			s = "\\r";
			break;
		case '\t':
			s = "\\t";
			break;
		default:
			if (c < 0x20) {
				snprintf(e, sizeof e, "\\u%04x", c);
				s = e;
			}
		}
		if (s)
			put(out, cap, s, strlen(s));
		else
			put(out, cap, &c, 1);
	}
}

int template_filter(enum tfilter f, const char *p, size_t len,
                    struct secret *out, struct error *err)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t cap = 0;

	secret_wipe(out);
	put(out, &cap, "", 0); /* an empty result is "", not NULL */
	switch (f) {
	case TF_URL:
		url_encode(u, len, out, &cap);
		break;
	case TF_BASE64:
		b64_encode(u, len, out, &cap);
		break;
	case TF_BASE64D:
		if (b64_decode(u, len, out, &cap) != 0) {
			secret_wipe(out);
			return error_set(err, ST_DATA,
			                 "the value is not valid base64 "
			                 "(filter base64d)");
		}
		break;
	case TF_JSON:
		json_escape(u, len, out, &cap);
		break;
	}
	return ST_OK;
}

int template_render(const struct template *t, const struct secret *values,
                    void (*seen)(const char *p, size_t len), struct secret *out,
                    struct error *err)
{
	size_t i, j, cap = 0;

	secret_wipe(out);
	put(out, &cap, "", 0);
	for (i = 0; i < t->n; i++) {
		const struct tpiece *pc = &t->piece[i];
		struct secret cur = {NULL, 0}, next = {NULL, 0};

		if (!pc->is_ref) {
			put(out, &cap, pc->text, pc->len);
			continue;
		}
		secret_set(&cur, values[i].p ? values[i].p : "", values[i].len);
		for (j = 0; j < pc->nfilters; j++) {
			if (template_filter(pc->filter[j], cur.p, cur.len,
			                    &next, err) != ST_OK) {
				secret_wipe(&cur);
				secret_wipe(out);
				return error_set(err, ST_DATA,
				                 "${%.200s}: the value is not "
				                 "valid base64 (filter base64d)",
				                 pc->text);
			}
			secret_wipe(&cur);
			cur = next;
			next.p = NULL;
			next.len = 0;
		}
		if (seen && pc->nfilters > 0)
			seen(cur.p, cur.len);
		put(out, &cap, cur.p, cur.len);
		secret_wipe(&cur);
	}
	return ST_OK;
}

static int env_name_char(char c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

int template_expand_env(const char *text, const char *(*lookup)(const char *name),
                        char **out, struct error *err)
{
	struct secret r = {NULL, 0};
	const char *s = text;
	size_t cap = 0;

	*out = NULL;
	put(&r, &cap, "", 0);
	while (*s) {
		const char *close, *v;
		char *name;
		size_t i;

		if (s[0] == '$' && s[1] == '$') {
			put(&r, &cap, "$", 1);
			s += 2;
			continue;
		}
		if (s[0] != '$' || s[1] != '{') {
			put(&r, &cap, s++, 1);
			continue;
		}
		if ((close = strchr(s + 2, '}')) == NULL) {
			secret_wipe(&r);
			return error_set(err, ST_CONFIG,
			                 "unterminated '${' (no '}' after it)");
		}
		name = xstrndup(s + 2, (size_t)(close - s - 2));
		for (i = 0; name[i] && env_name_char(name[i], i == 0); i++)
			;
		if (i == 0 || name[i] != '\0') {
			error_set(err, ST_CONFIG,
			          "'${%.60s}' is not an environment variable name "
			          "(letters, digits and '_'; references are not "
			          "expanded in [vault])",
			          name);
			free(name);
			secret_wipe(&r);
			return ST_CONFIG;
		}
		if ((v = lookup(name)) == NULL) {
			error_set(err, ST_CONFIG,
			          "environment variable %s is not set", name);
			free(name);
			secret_wipe(&r);
			return ST_CONFIG;
		}
		put(&r, &cap, v, strlen(v));
		free(name);
		s = close + 1;
	}
	*out = r.p;
	return ST_OK;
}
