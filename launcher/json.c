/* json.c - JSON through jansson: parsing (numbers keep their exact text),
 * JSON Pointers, rendering values for the environment, encoding objects.
 * jansson's memory (the wiping allocator, the numbers' texts) is jmem.c's.
 *
 * struct jdoc is never defined: a jdoc pointer is a json_t pointer, so a
 * borrowed sub-document costs nothing and json_free is json_decref.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmem.h"
#include "json.h"
#include "util.h"

void json_init(void)
{
	jmem_init();
}

static json_t *J(const struct jdoc *d)
{
	return (json_t *)(uintptr_t)d;
}

static struct jdoc *D(json_t *v)
{
	return (struct jdoc *)(void *)v;
}

void json_free(struct jdoc *d)
{
	json_decref(J(d));
}

struct jdoc *json_ref(const struct jdoc *d)
{
	return D(json_incref(J(d)));
}

/* A growing buffer whose old generations are wiped. */
struct jbuf {
	char *p;
	size_t len, cap;
};

static void jb_put(struct jbuf *b, const char *s, size_t n)
{
	wipe_append(&b->p, &b->len, &b->cap, s, n);
}

/* jansson's error text quotes the text near the error: it may be a secret. */
static void forget(json_error_t *jerr)
{
	explicit_bzero(jerr, sizeof *jerr);
}

/* obj[key], or NULL when obj is not an object or has no such key. */
static json_t *get(json_t *obj, const char *key)
{
	return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

/* ---- rendering ---- */

/* JSON's two-character escapes; other control bytes get \u00XX. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':
	case '\\':
		return (char)c;
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

/* As jansson would, minus its options: UTF-8 stays as is, '/' unescaped. */
static void enc_string(struct jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	size_t i, run = 0;
	unsigned char c;

	jb_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jb_put(b, s + run, i - run);
		run = i + 1;
		if ((esc[1] = short_escape(c)) != 0) {
			jb_put(b, esc, 2);
			continue;
		}
		esc[1] = 'u';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		jb_put(b, esc, 6);
	}
	jb_put(b, s + run, n - run);
	jb_put(b, "\"", 1);
}

static void enc_scalar(struct jbuf *b, json_t *v)
{
	const struct secret *text = jmem_number(v);
	char num[32];
	int n;

	if (text) {
		jb_put(b, text->p, text->len);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		enc_string(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		             json_integer_value(v));
		break;
	case JSON_REAL:
		/* Not reached: the loader keeps every real as its text. */
		n = snprintf(num, sizeof num, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		n = snprintf(num, sizeof num, "true");
		break;
	case JSON_FALSE:
		n = snprintf(num, sizeof num, "false");
		break;
	default:
		n = snprintf(num, sizeof num, "null");
		break;
	}
	jb_put(b, num, (size_t)n);
	explicit_bzero(num, sizeof num);
}

/* Compact JSON in member order.  Recursion is bounded by jansson's parse
 * depth limit (2048). */
static void enc_value(struct jbuf *b, json_t *v)
{
	void *it;
	size_t i;

	if (json_is_object(v)) {
		jb_put(b, "{", 1);
		for (it = json_object_iter(v); it != NULL;
		     it = json_object_iter_next(v, it)) {
			const char *key = json_object_iter_key(it);

			if (it != json_object_iter(v))
				jb_put(b, ",", 1);
			enc_string(b, key, strlen(key));
			jb_put(b, ":", 1);
			enc_value(b, json_object_iter_value(it));
		}
		jb_put(b, "}", 1);
	} else if (json_is_array(v)) {
		jb_put(b, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				jb_put(b, ",", 1);
			enc_value(b, json_array_get(v, i));
		}
		jb_put(b, "]", 1);
	} else {
		enc_scalar(b, v);
	}
}

/* A selected value as it goes into the environment: strings bare, null
 * empty, everything else as its JSON text. */
static void render(json_t *v, struct secret *out)
{
	struct jbuf b = {NULL, 0, 0};

	if (json_is_string(v)) {
		secret_set(out, json_string_value(v), json_string_length(v));
		return;
	}
	if (json_is_null(v)) {
		secret_set(out, "", 0);
		return;
	}
	enc_value(&b, v);
	secret_set(out, b.p, b.len);
	wipe_free(b.p, b.cap);
}

/* ---- JSON Pointer (RFC 6901) ---- */

/* An array index: decimal, no leading zero; "-" (past the end) never is. */
static int array_index(const char *tok, size_t *idx)
{
	unsigned long v;

	if (tok[0] == '0' && tok[1] != '\0')
		return -1;
	if (parse_ulong(tok, 0, SIZE_MAX, &v) != 0)
		return -1;
	*idx = v;
	return 0;
}

/* One reference token, unescaped into a new string; NULL on a bad escape. */
static char *unescape(const char *seg, size_t n)
{
	char *tok = xmalloc(n + 1), *q = tok;
	size_t i;

	for (i = 0; i < n; i++) {
		if (seg[i] != '~') {
			*q++ = seg[i];
		} else if (i + 1 < n && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
			*q++ = seg[++i] == '0' ? '~' : '/';
		} else {
			free(tok);
			return NULL;
		}
	}
	*q = '\0';
	return tok;
}

static json_t *pointer_walk(json_t *v, const char *ptr)
{
	if (*ptr != '\0' && *ptr != '/')
		return NULL;
	while (v != NULL && *ptr == '/') {
		size_t n = strcspn(++ptr, "/"), idx;
		char *tok = unescape(ptr, n);

		if (tok == NULL)
			return NULL;
		if (json_is_object(v))
			v = json_object_get(v, tok);
		else if (json_is_array(v) && array_index(tok, &idx) == 0)
			v = json_array_get(v, idx);
		else
			v = NULL;
		free(tok);
		ptr += n;
	}
	return v;
}

/* ---- parsing ---- */

static int load_error(json_error_t *jerr, struct error *err)
{
	int overflow = json_error_code(jerr) == json_error_numeric_overflow;

	forget(jerr);
	return error_set(err, ST_PROTOCOL, "invalid JSON in response%s",
	                 overflow ? ": number out of range" : "");
}

int json_parse(const char *body, size_t len, struct jdoc **out, struct error *err)
{
	json_error_t jerr;
	json_t *root;

	*out = NULL;
	if ((root = jmem_load(body, len, 0, &jerr)) == NULL)
		return load_error(&jerr, err);
	forget(&jerr);
	*out = D(root);
	return ST_OK;
}

const struct jdoc *json_get(const struct jdoc *d, const char *key)
{
	return D(get(J(d), key));
}

int json_is_obj(const struct jdoc *d)
{
	return json_is_object(J(d));
}

const char *json_str(const struct jdoc *d)
{
	return json_string_value(J(d));
}

int json_int(const struct jdoc *d, long long *out)
{
	if (!json_is_integer(J(d)))
		return -1;
	*out = (long long)json_integer_value(J(d));
	return 0;
}

int json_bool(const struct jdoc *d)
{
	return json_is_boolean(J(d)) ? json_is_true(J(d)) : -1;
}

int json_isnull(const struct jdoc *d)
{
	return json_is_null(J(d));
}

const char *json_strn(const struct jdoc *d, size_t *len)
{
	*len = json_string_length(J(d));
	return json_string_value(J(d));
}

int json_is_list(const struct jdoc *d)
{
	return json_is_array(J(d));
}

size_t json_len(const struct jdoc *d)
{
	return json_array_size(J(d));
}

const struct jdoc *json_at(const struct jdoc *d, size_t i)
{
	return D(json_array_get(J(d), i));
}

int json_select(const struct jdoc *secret, enum sel_kind sel,
                const char *selector, struct secret *out, struct error *err)
{
	json_t *v;

	if (selector == NULL)
		selector = "";
	switch (sel) {
	case SEL_WHOLE:
		v = J(secret);
		break;
	case SEL_POINTER:
		if ((v = pointer_walk(J(secret), selector)) == NULL)
			return error_set(err, ST_DATA,
			                 "JSON Pointer '%.200s' not found",
			                 selector);
		break;
	default:
		if ((v = get(J(secret), selector)) == NULL)
			return error_set(err, ST_DATA, "key '%.200s' not found",
			                 selector);
		break;
	}
	render(v, out);
	return ST_OK;
}

int json_subobject(const struct jdoc *doc, const char *pointer,
                   struct jdoc **out, struct error *err)
{
	json_t *v;

	if (pointer == NULL) /* the whole document */
		pointer = "";
	v = pointer_walk(J(doc), pointer);
	*out = NULL;
	if (v == NULL)
		return error_set(err, ST_DATA,
		                 "JSON Pointer '%.200s' not found", pointer);
	if (!json_is_object(v))
		return error_set(err, ST_DATA,
		                 "JSON Pointer '%.200s' is not an object",
		                 pointer);
	*out = D(json_incref(v));
	return ST_OK;
}

int json_member(const struct jdoc *obj, size_t i, const char **key,
                struct secret *value)
{
	json_t *o = J(obj);
	void *it = json_is_object(o) ? json_object_iter(o) : NULL;

	for (; it != NULL && i > 0; i--)
		it = json_object_iter_next(o, it);
	if (it == NULL)
		return 1;
	*key = json_object_iter_key(it);
	render(json_object_iter_value(it), value);
	return 0;
}

/* ---- the file:// store ---- */

int json_store_load(const char *text, size_t len, struct jdoc **out,
                    struct error *err)
{
	json_error_t jerr;
	json_t *root;
	void *it;
	int line, col, dup;

	*out = NULL;
	/* Any top-level value loads, so that a wrong one gets a clear message;
	 * a path listed twice is ambiguous, so it is refused. */
	root = jmem_load(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	                 &jerr);
	line = jerr.line;
	col = jerr.column;
	dup = root == NULL && json_error_code(&jerr) == json_error_duplicate_key;
	forget(&jerr);
	if (root == NULL && dup)
		return error_set(err, ST_CONFIG,
		                 "file store: duplicate key at line %d", line);
	if (root == NULL)
		return error_set(err, ST_CONFIG,
		                 "file store: invalid JSON at line %d, column %d",
		                 line, col);
	if (!json_is_object(root)) {
		json_decref(root);
		return error_set(err, ST_CONFIG,
		                 "file store: top level is not an object");
	}
	for (it = json_object_iter(root); it != NULL;
	     it = json_object_iter_next(root, it)) {
		if (!json_is_object(json_object_iter_value(it))) {
			error_set(err, ST_CONFIG,
			          "file store: '%.200s' is not an object",
			          json_object_iter_key(it));
			json_decref(root);
			return ST_CONFIG;
		}
	}
	*out = D(root);
	return ST_OK;
}

const struct jdoc *json_store_get(const struct jdoc *store, const char *path)
{
	json_t *v = get(J(store), path);

	return json_is_object(v) ? D(v) : NULL;
}

/* ---- request bodies ---- */

int json_encode_object(const char *const *pairs, size_t npairs, struct secret *out)
{
	struct jbuf b = {NULL, 0, 0};
	size_t i;

	jb_put(&b, "{", 1);
	for (i = 0; i < npairs; i++) {
		if (i > 0)
			jb_put(&b, ",", 1);
		enc_string(&b, pairs[2 * i], strlen(pairs[2 * i]));
		jb_put(&b, ":", 1);
		enc_string(&b, pairs[2 * i + 1], strlen(pairs[2 * i + 1]));
	}
	jb_put(&b, "}", 1);
	secret_set(out, b.p, b.len);
	wipe_free(b.p, b.cap);
	return ST_OK;
}
