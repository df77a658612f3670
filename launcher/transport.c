/* transport.c - an easy handle's settings: proxy, User-Agent, timeouts, TLS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mask.h"
#include "transport.h"
#include "util.h"

struct transport {
	const struct fetch_opts *o;
};

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

	(void)err;
	t->o = o;
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
	free(t);
}

void transport_setup(struct transport *t, CURL *e, const char *url,
                     int via_unix, long ms_left)
{
	const struct fetch_opts *o = t->o;
	const char *from, *why, *p;

	/* Our decision, and only ours: an empty CURLOPT_PROXY turns libcurl's
	 * own reading of http_proxy, HTTPS_PROXY and ALL_PROXY off, and an
	 * empty CURLOPT_NOPROXY its reading of NO_PROXY. */
	p = proxy_choose(&o->proxy, url, via_unix, &from, &why);
	curl_easy_setopt(e, CURLOPT_PROXY, p ? p : "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	/* VAULT_CLIENT_TIMEOUT bounds each attempt, inside the deadline. */
	if (o->client_timeout > 0 && o->client_timeout < (double)ms_left)
		ms_left = (long)o->client_timeout;
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms_left);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms_left);
	if (o->ca_cert)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_cert);
	if (o->ca_path)
		curl_easy_setopt(e, CURLOPT_CAPATH, o->ca_path);
	if (o->client_cert)
		curl_easy_setopt(e, CURLOPT_SSLCERT, o->client_cert);
	if (o->client_key)
		curl_easy_setopt(e, CURLOPT_SSLKEY, o->client_key);
	if (o->skip_verify) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}
