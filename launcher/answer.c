/* answer.c - Vault's answer formats, read through json.c's accessors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "mask.h"
#include "util.h"

static int shape(struct error *err, const char *what)
{
	return error_set(err, ST_PROTOCOL, "unexpected response shape: %s", what);
}

/* Control bytes that must not reach a URL or a header line. */
static int has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* ---- KV reads ---- */

static int pick_secret(const struct jdoc *root, int kv,
                       const struct jdoc **secret, struct error *err)
{
	const struct jdoc *data = json_get(root, "data"), *inner;

	if (!json_is_obj(root))
		return shape(err, "not an object");
	if (!json_is_obj(data))
		return shape(err, "'data' is not an object");
	if (kv == 1) {
		*secret = data;
		return ST_OK;
	}
	inner = json_get(data, "data");
	if (json_isnull(inner))
		return error_set(err, ST_NOINPUT, "version %s",
		                 json_bool(json_get(json_get(data, "metadata"),
		                                    "destroyed")) == 1 ?
		                         "destroyed" :
		                         "deleted");
	if (!json_is_obj(inner))
		return shape(err, "'data.data' is not an object");
	*secret = inner;
	return ST_OK;
}

int answer_secret(const char *body, size_t len, int kv, struct jdoc **out,
                  struct error *err)
{
	struct jdoc *root;
	const struct jdoc *secret = NULL;
	int rc;

	*out = NULL;
	if ((rc = json_parse(body, len, &root, err)) != ST_OK)
		return rc;
	rc = pick_secret(root, kv, &secret, err);
	if (rc == ST_OK)
		*out = json_ref(secret);
	json_free(root);
	return rc;
}

/* An unparsable body is a NULL doc: every accessor finds nothing in it. */
static struct jdoc *parse_quiet(const char *body, size_t len)
{
	struct jdoc *root = NULL;

	(void)json_parse(body, len, &root, NULL);
	return root;
}

enum kv404 answer_kv404(const char *body, size_t len)
{
	struct jdoc *root = parse_quiet(body, len);
	const struct jdoc *data = json_get(root, "data");
	const struct jdoc *warnings = json_get(root, "warnings");
	enum kv404 kind = KV404_MISSING;

	if (json_is_obj(data) && json_isnull(json_get(data, "data")))
		kind = json_bool(json_get(json_get(data, "metadata"),
		                          "destroyed")) == 1 ?
		               KV404_DESTROYED :
		               KV404_DELETED;
	else if (json_len(warnings) > 0)
		kind = KV404_INVALID_PATH;
	json_free(root);
	return kind;
}

int answer_is_bare_404(const char *body, size_t len)
{
	struct jdoc *root = parse_quiet(body, len);
	const struct jdoc *errors = json_get(root, "errors");
	const struct jdoc *data = json_get(root, "data");
	const struct jdoc *warnings = json_get(root, "warnings");
	int bare;

	bare = json_is_list(errors) && json_len(errors) == 0 &&
	       (data == NULL || json_isnull(data)) &&
	       (warnings == NULL || json_isnull(warnings) ||
	        (json_is_list(warnings) && json_len(warnings) == 0));
	json_free(root);
	return bare;
}

int answer_is_vault(const char *body, size_t len)
{
	struct jdoc *root = parse_quiet(body, len);
	int yes = json_is_list(json_get(root, "errors")) ||
	          json_get(root, "data") || json_get(root, "warnings");

	json_free(root);
	return yes;
}

/* ---- the errors list ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	wipe_append(&b->p, &b->len, &b->cap, s, n);
}

/* Append s with control characters and whitespace runs folded to one space
 * and both ends trimmed. */
static void fold(struct buf *b, const char *s, size_t n)
{
	size_t i, start = b->len;
	int gap = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f) {
			gap = b->len > start;
			continue;
		}
		if (gap)
			put(b, " ", 1);
		gap = 0;
		put(b, s + i, 1);
	}
}

/* fold() after masking: a server may echo a value or the token, and once
 * whitespace is folded or the summary cut, the mask would no longer find it
 * (log.c masks again, but only what is left). */
static void fold_masked(struct buf *b, const char *s, size_t n)
{
	struct buf copy = {NULL, 0, 0};

	put(&copy, s, n);
	fold(b, copy.p, mask_redact(copy.p, copy.len));
	wipe_free(copy.p, copy.cap);
}

void answer_errors(const char *body, size_t len, char *buf, size_t cap)
{
	struct buf b = {NULL, 0, 0};
	struct jdoc *root;
	const struct jdoc *errors;
	const char *s;
	size_t i, before, n, slen;

	if (cap == 0)
		return;
	root = parse_quiet(body, len);
	errors = json_get(root, "errors");
	for (i = 0; i < json_len(errors) && b.len < cap; i++) {
		if ((s = json_strn(json_at(errors, i), &slen)) == NULL)
			continue;
		before = b.len;
		if (before > 0)
			put(&b, "; ", 2);
		n = b.len;
		fold_masked(&b, s, slen);
		if (b.len == n) /* nothing printable: drop the separator too */
			b.len = before;
	}
	json_free(root);
	n = b.len < cap - 1 ? b.len : cap - 1;
	/* A cut must not leave half a UTF-8 sequence or a dangling space. */
	if (n < b.len)
		while (n > 0 && ((unsigned char)b.p[n] & 0xc0) == 0x80)
			n--;
	while (n > 0 && b.p[n - 1] == ' ')
		n--;
	if (n > 0)
		memcpy(buf, b.p, n);
	buf[n] = '\0';
	wipe_free(b.p, b.cap);
}

/* ---- mounts ---- */

int answer_mount(const char *body, size_t len, char **mount, int *kv,
                 struct error *err)
{
	struct jdoc *root;
	const struct jdoc *data;
	const char *p;
	size_t n = 0;
	int rc;

	*mount = NULL;
	if ((rc = json_parse(body, len, &root, err)) != ST_OK)
		return rc;
	data = json_get(root, "data");
	p = json_strn(json_get(data, "path"), &n);
	if (n > 0 && p[n - 1] == '/')
		n--;
	/* The mount goes into URLs: no NUL or control bytes, nothing empty. */
	if (p == NULL || n == 0 || strlen(p) < n || has_control(p, n)) {
		json_free(root);
		return shape(err, "no usable 'data.path' in mount information");
	}
	*mount = xstrndup(p, n);
	/* As Vault's CLI: only the string "2" means v2, a number does not. */
	p = json_str(json_get(json_get(data, "options"), "version"));
	*kv = p != NULL && strcmp(p, "2") == 0 ? 2 : 1;
	json_free(root);
	return ST_OK;
}

int answer_mount_engine(const char *body, size_t len, char *type, size_t cap)
{
	struct jdoc *root = parse_quiet(body, len);
	const char *t = json_str(json_get(json_get(root, "data"), "type"));
	int engine = 0;

	if (t && *t && strcmp(t, "kv") != 0 && strcmp(t, "generic") != 0) {
		snprintf(type, cap, "%s", t);
		engine = 1;
	}
	json_free(root);
	return engine;
}

/* ---- logins ---- */

/* A login always answers with an auth block; an empty client_token is what
 * Vault sends when login MFA is enforced. */
int answer_login(const char *body, size_t len, struct secret *token, int *batch,
                 struct error *err)
{
	struct jdoc *root;
	const struct jdoc *auth, *mfa;
	const char *p, *type;
	size_t n = 0;
	int rc;

	if ((rc = json_parse(body, len, &root, err)) != ST_OK)
		return rc;
	auth = json_get(root, "auth");
	mfa = json_get(auth, "mfa_requirement");
	p = json_strn(json_get(auth, "client_token"), &n);
	if (!json_is_obj(auth))
		rc = shape(err, "no 'auth' object in login response");
	else if (p == NULL)
		rc = shape(err, "no 'auth.client_token' in login response");
	else if (n == 0)
		rc = error_set(err, ST_NOPERM, "login returned no token%s",
		               mfa != NULL && !json_isnull(mfa) ?
		                       " (multi-factor authentication required)" :
		                       "");
	else if (has_control(p, n)) /* it goes into a header line */
		rc = shape(err, "unusable 'auth.client_token' in login response");
	if (rc != ST_OK) {
		json_free(root);
		return rc;
	}
	type = json_str(json_get(auth, "token_type"));
	*batch = (type != NULL && strcmp(type, "batch") == 0) ||
	         strncmp(p, "hvb.", 4) == 0 || strncmp(p, "b.", 2) == 0;
	secret_set(token, p, n);
	json_free(root);
	return ST_OK;
}

/* ---- secrets engines and their leases ---- */

int answer_engine(const char *body, size_t len, struct jdoc **data,
                  struct lease *l, struct error *err)
{
	struct jdoc *root = NULL;
	const struct jdoc *d;
	const char *id;
	long long n;
	int rc;

	*data = NULL;
	memset(l, 0, sizeof *l);
	if ((rc = json_parse(body, len, &root, err)) != ST_OK)
		return rc;
	d = json_get(root, "data");
	if (!json_is_obj(root) || !json_is_obj(d)) {
		json_free(root);
		return error_set(err, ST_PROTOCOL,
		                 "unexpected response shape: the answer has no "
		                 "'data' object");
	}
	*data = json_ref(d);
	id = json_str(json_get(root, "lease_id"));
	if (id && *id) {
		l->id = xstrdup(id);
		l->duration = json_int(json_get(root, "lease_duration"), &n) == 0 &&
		                              n > 0 && n < 1000000000 ?
		                      (long)n :
		                      0;
		l->renewable = json_bool(json_get(root, "renewable")) == 1;
	}
	json_free(root);
	return ST_OK;
}

/* ---- single fields ---- */

int answer_int(const char *body, size_t len, const char *pointer, long *out)
{
	struct jdoc *doc = NULL;
	struct secret text = {NULL, 0};
	struct error e;
	char *end;
	int rc = -1;

	if (json_parse(body, len, &doc, &e) == ST_OK &&
	    json_select(doc, SEL_POINTER, pointer, &text, &e) == ST_OK &&
	    text.len > 0) {
		errno = 0;
		*out = strtol(text.p, &end, 10);
		if (errno == 0 && end == text.p + text.len)
			rc = 0;
	}
	secret_wipe(&text);
	json_free(doc);
	return rc;
}

int answer_flag(const char *body, size_t len, const char *pointer)
{
	struct jdoc *doc = NULL;
	struct secret text = {NULL, 0};
	struct error e;
	int on = 0;

	if (json_parse(body, len, &doc, &e) == ST_OK &&
	    json_select(doc, SEL_POINTER, pointer, &text, &e) == ST_OK)
		on = text.len == 4 && memcmp(text.p, "true", 4) == 0;
	secret_wipe(&text);
	json_free(doc);
	return on;
}
