/* vault.c - URLs and statuses, as Vault spells them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "status.h"
#include "util.h"
#include "vault.h"

char *vault_encode_path(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = xmalloc(3 * n + 1), *o = out;
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~' || *p == '/') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

char *vault_kv_path(const char *mount, const char *rest, int kv,
                    unsigned long version)
{
	char *m = vault_encode_path(mount), *r = vault_encode_path(rest), *out;

	if (kv == 2 && version > 0)
		out = xasprintf("%s/data/%s?version=%lu", m, r, version);
	else if (kv == 2)
		out = xasprintf("%s/data/%s", m, r);
	else
		out = xasprintf("%s/%s", m, r);
	free(m);
	free(r);
	return out;
}

char *vault_mounts_path(const char *path)
{
	char *p = vault_encode_path(path), *out;

	out = xasprintf("sys/internal/ui/mounts/%s", p);
	free(p);
	return out;
}

int vault_mount_engine(const char *body, size_t len, char *type, size_t cap)
{
	struct jdoc *root = NULL;
	struct error e;
	const char *t;
	int engine = 0;

	if (json_parse(body, len, &root, &e) != ST_OK)
		return 0;
	t = json_str(json_get(json_get(root, "data"), "type"));
	if (t && *t && strcmp(t, "kv") != 0 && strcmp(t, "generic") != 0) {
		snprintf(type, cap, "%s", t);
		engine = 1;
	}
	json_free(root);
	return engine;
}

int vault_parse_engine(const char *body, size_t len, struct jdoc **data,
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

int vault_is_json(const struct fetch_result *r)
{
	const char *t = r->content_type;

	/* The media type exactly, parameters (charset) allowed. */
	return t && strncasecmp(t, "application/json", 16) == 0 &&
	       (t[16] == '\0' || t[16] == ';' || t[16] == ' ' || t[16] == '\t');
}

/* Say so when the reason is that of the last of several attempts. */
static void attempts(const struct fetch_result *r, char *reason, size_t cap)
{
	size_t n = strlen(reason);

	if (r->attempts > 1 && n < cap)
		snprintf(reason + n, cap - n, " after %u attempts", r->attempts);
}

int vault_failure(const struct fetch_result *r, char *reason, size_t cap)
{
	char errs[200];
	int st;
	const char *what;

	if (r->status == 0) {
		snprintf(reason, cap, "%s", r->reason ? r->reason : "no answer");
		attempts(r, reason, cap);
		return r->failure ? r->failure : ST_UNAVAILABLE;
	}
	json_error_summary(r->body, r->len, errs, sizeof errs);
	switch (r->status) {
	case 401:
	case 403:
		st = ST_NOPERM;
		what = strstr(errs, "invalid token") ?
		               "token invalid or expired" :
		               "permission denied";
		break;
	case 404:
		st = ST_NOINPUT;
		what = "not found";
		break;
	case 412:
	case 429:
		st = ST_TEMPFAIL;
		what = r->status == 429 ? "rate limited" :
		                          "index state not present";
		break;
	case 503:
		st = ST_UNAVAILABLE;
		what = strstr(errs, "sealed") ? "Vault is sealed" : "unavailable";
		break;
	default:
		if (r->status >= 500) {
			st = ST_UNAVAILABLE;
			what = "server error";
		} else if (r->status >= 300 && r->status < 400) {
			st = ST_UNAVAILABLE;
			what = "unexpected redirect";
		} else {
			st = ST_PROTOCOL;
			what = "unexpected answer";
		}
	}
	if (errs[0] && r->status != 404)
		snprintf(reason, cap, "%s (HTTP %ld: %s)", what, r->status, errs);
	else
		snprintf(reason, cap, "%s (HTTP %ld)", what, r->status);
	attempts(r, reason, cap);
	return st;
}

/* scheme://authority of url, its userinfo as ****. */
static void origin(const char *url, char *buf, size_t cap)
{
	const char *auth = strstr(url, "://"), *end, *at;

	auth = auth ? auth + 3 : url;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at)
		snprintf(buf, cap, "%.*s****%.*s", (int)(auth - url), url,
		         (int)(end - at), at);
	else
		snprintf(buf, cap, "%.*s", (int)(end - url), url);
}

/* Copy why without libcurl's " after N ms" (it differs per request). */
static void without_ms(const char *why, char *buf, size_t cap)
{
	size_t n = 0;

	while (*why && n + 1 < cap) {
		const char *q = why + 7;

		if (strncmp(why, " after ", 7) == 0) {
			while (*q >= '0' && *q <= '9')
				q++;
			if (q > why + 7 && strncmp(q, " ms", 3) == 0) {
				why = q + 3;
				continue;
			}
		}
		buf[n++] = *why++;
	}
	buf[n] = '\0';
}

int vault_unreachable(const struct fetch_result *r, char *cause, size_t ccap,
                      char *reason, size_t rcap)
{
	char where[300], why[300];

	if (r->status != 0 || !r->unreachable ||
	    (r->failure != 0 && r->failure != ST_UNAVAILABLE))
		return 0; /* a wrong scheme (78) has a message of its own */
	without_ms(r->reason ? r->reason : "no connection", why, sizeof why);
	if (r->url) {
		origin(r->url, where, sizeof where);
		snprintf(cause, ccap, "cannot reach Vault at %s: %s", where, why);
	} else {
		snprintf(cause, ccap, "cannot reach Vault: %s", why);
	}
	snprintf(reason, rcap, "no connection to Vault");
	attempts(r, reason, rcap);
	return 1;
}

int vault_num_uses(const char *body, size_t len, const char *pointer, long *uses)
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
		*uses = strtol(text.p, &end, 10);
		if (errno == 0 && end == text.p + text.len)
			rc = 0;
	}
	secret_wipe(&text);
	json_free(doc);
	return rc;
}

int vault_flag(const char *body, size_t len, const char *pointer)
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

int vault_tokenless_denial(const struct fetch_result *r)
{
	char errs[200];

	if (r->status == 401 || r->status == 403)
		return 1;
	if (r->status != 400 && r->status != 500)
		return 0;
	json_error_summary(r->body, r->len, errs, sizeof errs);
	return strstr(errs, "missing client token") != NULL;
}
