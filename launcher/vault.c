/* vault.c - URLs and statuses, as Vault spells them (its answers' shapes
 * are answer.c's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
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
	answer_errors(r->body, r->len, errs, sizeof errs);
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

int vault_tokenless_denial(const struct fetch_result *r)
{
	char errs[200];

	if (r->status == 401 || r->status == 403)
		return 1;
	if (r->status != 400 && r->status != 500)
		return 0;
	answer_errors(r->body, r->len, errs, sizeof errs);
	return strstr(errs, "missing client token") != NULL;
}
