/* transport.c - an easy handle's settings: proxy, User-Agent, timeouts, TLS. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "log.h"
#include "mask.h"
#include "tlsfiles.h"
#include "transport.h"
#include "util.h"

struct transport {
	const struct fetch_opts *o;
	struct tlsfiles files;
	int noted; /* the negotiated versions were logged */
};

/* "<url's origin> <problem>: the address is <the origin, other scheme>":
 * an address with the wrong scheme, which no retry mends (78). */
static int other_scheme(const char *url, const char *problem, char *reason,
                        size_t cap)
{
	int https = strncasecmp(url, "https://", 8) == 0;
	const char *host = url + (https ? 8 : 7), *at;
	int n = (int)strcspn(host, "/?#");

	/* never a user:password@ part in a message */
	for (at = host + n; at > host && at[-1] != '@'; at--)
		;
	n -= (int)(at - host);
	snprintf(reason, cap, "%s://%.*s %s: the address is %s://%.*s",
	         https ? "https" : "http", n, at, problem,
	         https ? "http" : "https", n, at);
	return ST_CONFIG;
}

/* -v: which proxy the address's requests take, and why not when a proxy
 * variable is set but does not apply. */
static void log_proxy(const struct fetch_opts *o)
{
	const char *from, *why, *p;
	char shown[512];

	p = proxy_choose(&o->proxy, o->base_url, o->unix_socket != NULL, &from,
	                 &why);
	if (p) {
		proxy_masked(p, shown, sizeof shown);
		log_info("proxy: %s (from %s)", shown, from);
	} else if (from) {
		log_info("proxy: none (%s does not apply to %s)", from,
		         strcmp(why, "NO_PROXY") == 0 ? "a host NO_PROXY names" :
		                                        why);
	}
}

int transport_new(struct transport **out, const struct fetch_opts *o,
                  struct error *err)
{
	struct transport *t = xcalloc(1, sizeof *t);
	const char *const all[] = {o->proxy.vault, o->proxy.https, o->proxy.http};
	const char *pw;
	size_t i, len;

	t->o = o;
	if (tlsfiles_load(&t->files, o, err) != ST_OK) {
		free(t);
		return err->status;
	}
	/* A proxy's password is a credential like the token. */
	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i] && (pw = proxy_password(all[i], &len)))
			mask_add(pw, len);
	log_proxy(o);
	*out = t;
	return ST_OK;
}

void transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	tlsfiles_free(&t->files);
	free(t);
}

void transport_must(CURLcode *first, CURLcode rc)
{
	if (*first == CURLE_OK)
		*first = rc;
}

CURLcode transport_setup(struct transport *t, CURL *e, const char *url,
                         int via_unix, long ms_left)
{
	const struct fetch_opts *o = t->o;
	const char *from, *why, *p;
	CURLcode rc = CURLE_OK;

	/* Our decision, and only ours: an empty CURLOPT_PROXY turns libcurl's
	 * own reading of http_proxy, HTTPS_PROXY and ALL_PROXY off, and an
	 * empty CURLOPT_NOPROXY its reading of NO_PROXY. */
	p = proxy_choose(&o->proxy, url, via_unix, &from, &why);
	transport_must(&rc, curl_easy_setopt(e, CURLOPT_PROXY, p ? p : ""));
	transport_must(&rc, curl_easy_setopt(e, CURLOPT_NOPROXY, ""));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "vaultrun/" VAULTRUN_VERSION);
	/* VAULT_CLIENT_TIMEOUT bounds each attempt, inside the deadline. */
	if (o->client_timeout > 0 && o->client_timeout < (double)ms_left)
		ms_left = (long)o->client_timeout;
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms_left);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms_left);
	if (t->files.ca) {
		/* Exactly these CAs: the blob replaces libcurl's default bundle
		 * and directory. */
		struct curl_blob b = {t->files.ca, t->files.len, CURL_BLOB_NOCOPY};

		transport_must(&rc, curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b));
		transport_must(&rc, curl_easy_setopt(e, CURLOPT_CAINFO, NULL));
		transport_must(&rc, curl_easy_setopt(e, CURLOPT_CAPATH, NULL));
	}
	if (o->client_cert)
		transport_must(&rc, curl_easy_setopt(e, CURLOPT_SSLCERT,
		                                     o->client_cert));
	if (o->client_key)
		transport_must(&rc, curl_easy_setopt(e, CURLOPT_SSLKEY,
		                                     o->client_key));
	if (o->skip_verify) {
		transport_must(&rc,
		               curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L));
		transport_must(&rc,
		               curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L));
	}
	return rc;
}

int transport_failure(const struct transport *t, CURLcode rc, const char *errbuf,
                      const char *url, char *reason, size_t cap)
{
	const struct fetch_opts *o = t->o;

	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
		/* OpenSSL's and GnuTLS's words for an answer that is not TLS. */
		if (!strstr(errbuf, "wrong version number") &&
		    !strstr(errbuf, "unexpected TLS packet"))
			return ST_OK;
		return other_scheme(url, "answered in plain HTTP, not TLS",
		                    reason, cap);
	case CURLE_SSL_CERTPROBLEM:
		snprintf(reason, cap,
		         "%s and %s: the client certificate and key cannot be "
		         "used: %s",
		         o->client_cert_from ? o->client_cert_from : "certificate",
		         o->client_key_from ? o->client_key_from : "key", errbuf);
		return ST_CONFIG;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(reason, cap, "%s: the CA certificates cannot be used: %s",
		         o->ca_cert_from ? o->ca_cert_from :
		         o->ca_path_from ? o->ca_path_from :
		                           "the default CA bundle",
		         errbuf);
		return ST_CONFIG;
	default:
		return ST_OK;
	}
}

void transport_version(char *buf, size_t cap)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	int h2 = (v->features & CURL_VERSION_HTTP2) != 0;

	snprintf(buf, cap,
	         "vaultrun " VAULTRUN_VERSION "\n"
	         "libcurl %s\n"
	         "TLS: %s\n"
	         "HTTP/2: %s%s%s%s\n",
	         v->version, v->ssl_version ? v->ssl_version : "none",
	         h2 ? "yes" : "no", h2 && v->nghttp2_version ? " (nghttp2/" : "",
	         h2 && v->nghttp2_version ? v->nghttp2_version : "",
	         h2 && v->nghttp2_version ? ")" : "");
}

int transport_answer(const struct transport *t, long status, const char *url,
                     const char *ctype, const char *body, size_t len,
                     char *reason, size_t cap)
{
	/* What Go's TLS listener (Vault's) and nginx answer to plain HTTP. */
	if (status == 400 && strncasecmp(url, "http://", 7) == 0 && body &&
	    (memmem(body, len, "Client sent an HTTP request to an HTTPS server", 46) ||
	     memmem(body, len, "The plain HTTP request was sent to HTTPS port",
	            45))) {
		return other_scheme(url,
		                    "is a TLS port (the server asked for https)",
		                    reason, cap);
	}
	/* A mount preflight's 404 of any shape counts as a 403 (SPEC): the
	 * reads that follow tell whether this is Vault's API at all. */
	if (status == 404 && strstr(url, "/v1/sys/internal/ui/mounts/") == NULL &&
	    !(ctype && strncasecmp(ctype, "application/json", 16) == 0 &&
	      answer_is_vault(body ? body : "", len))) {
		const char *a = t->o->base_url, *host = strstr(a, "://"), *at;

		host = host ? host + 3 : a;
		at = host + strcspn(host, "/?#");
		while (at > host && at[-1] != '@')
			at--;
		snprintf(reason, cap,
		         "HTTP 404 without Vault's JSON error: %.*s%s may not be "
		         "the address of Vault's API (a web server, or the UI's "
		         "URL?)",
		         (int)(host - a), a, at);
		return ST_PROTOCOL;
	}
	return ST_OK;
}

/* The TLS library's name for the protocol version of libcurl's session,
 * asked of the library libcurl itself loaded (vaultrun does not link
 * against it): OpenSSL's SSL_get_version, GnuTLS's protocol name. */
static const char *tls_version(const struct curl_tlssessioninfo *ti)
{
	const char *(*ossl)(const void *) = NULL;
	int (*gver)(void *) = NULL;
	const char *(*gname)(int) = NULL;

	if (ti == NULL || ti->internals == NULL)
		return NULL;
	if (ti->backend == CURLSSLBACKEND_OPENSSL) {
		*(void **)&ossl = dlsym(RTLD_DEFAULT, "SSL_get_version");
		return ossl ? ossl(ti->internals) : NULL;
	}
	if (ti->backend == CURLSSLBACKEND_GNUTLS) {
		*(void **)&gver = dlsym(RTLD_DEFAULT,
		                        "gnutls_protocol_get_version");
		*(void **)&gname = dlsym(RTLD_DEFAULT, "gnutls_protocol_get_name");
		return gver && gname ? gname(gver(ti->internals)) : NULL;
	}
	return NULL;
}

void transport_note(struct transport *t, CURL *e)
{
	struct curl_tlssessioninfo *ti = NULL;
	const char *tls = NULL;
	char *url = NULL;
	long v = 0;
	int https;

	if (t->noted || !log_enabled(LOG_INFO))
		return;
	t->noted = 1;
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v);
	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
	https = url && strncasecmp(url, "https://", 8) == 0;
	if (https && curl_easy_getinfo(e, CURLINFO_TLS_SSL_PTR, &ti) == CURLE_OK)
		tls = tls_version(ti);
	log_info("connection: %s, %s",
	         v == CURL_HTTP_VERSION_2_0 ? "HTTP/2" :
	         v == CURL_HTTP_VERSION_1_0 ? "HTTP/1.0" :
	         v == CURL_HTTP_VERSION_3   ? "HTTP/3" :
	                                      "HTTP/1.1",
	         tls   ? tls :
	         https ? "TLS" :
	                 "no TLS");
}
