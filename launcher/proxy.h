/* proxy.h - which proxy a request goes through, as Vault's Go client decides.
 *
 * VAULT_PROXY_ADDR (or the older VAULT_HTTP_PROXY) is the proxy for every
 * request over TCP, whatever the address and NO_PROXY.  Without it,
 * HTTPS_PROXY (for https) and HTTP_PROXY (for http) apply, except to the hosts
 * NO_PROXY names and never to a loopback address (localhost, 127.0.0.0/8,
 * ::1).  ALL_PROXY never applies; a unix socket is never proxied.
 */
#ifndef VAULTRUN_PROXY_H
#define VAULTRUN_PROXY_H

#include <stddef.h>

struct proxy_env { /* borrowed strings; NULL when unset or empty */
	const char *vault, *vault_from; /* VAULT_PROXY_ADDR, VAULT_HTTP_PROXY */
	const char *https, *https_from; /* HTTPS_PROXY, https_proxy */
	const char *http, *http_from;   /* HTTP_PROXY, http_proxy */
	const char *no_proxy;           /* NO_PROXY, no_proxy */
};

/* The proxy for a request to url (scheme://host[:port]/...), or NULL for a
 * direct connection.  *from names the variable it came from; when the
 * answer is NULL although a proxy variable is set, *from is that variable
 * and *why says why it does not apply ("a loopback address", "NO_PROXY"),
 * else both are NULL.  unix_socket: the request goes over a unix socket. */
const char *proxy_choose(const struct proxy_env *e, const char *url,
                         int unix_socket, const char **from, const char **why);

/* proxy with the password of its user:password@ part, if any, replaced by
 * "****", into buf (cut to cap). */
void proxy_masked(const char *proxy, char *buf, size_t cap);

/* The password in proxy's user:password@ part, or NULL; *len is its length. */
const char *proxy_password(const char *proxy, size_t *len);

#endif
