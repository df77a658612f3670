/* proxy.c - the proxy decision, as golang.org/x/net/http/httpproxy makes it
 * (the rules Vault's client inherits), plus VAULT_PROXY_ADDR. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

#define HOST_MAX 256

struct target {
	int https;
	char host[HOST_MAX]; /* lower case, IPv6 without brackets */
	char port[8];
};

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Split "host", "host:port", "[v6]" or "[v6]:port" (n bytes at s). */
static int split_host(const char *s, size_t n, char *host, char *port)
{
	const char *colon = NULL, *end = s + n, *h = s, *he;
	size_t i, ncolons = 0;

	if (n > 0 && *s == '[') {
		he = memchr(s, ']', n);
		if (he == NULL)
			return -1;
		h = s + 1;
		colon = he + 1 < end && he[1] == ':' ? he + 1 : NULL;
	} else {
		for (i = 0; i < n; i++)
			if (s[i] == ':' && ncolons++ == 0)
				colon = s + i;
		if (ncolons > 1) /* a bare IPv6 address */
			colon = NULL;
		he = colon ? colon : end;
	}
	if ((size_t)(he - h) >= HOST_MAX ||
	    (colon && (size_t)(end - colon - 1) >= 8))
		return -1;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	lower(host);
	port[0] = '\0';
	if (colon) {
		memcpy(port, colon + 1, (size_t)(end - colon - 1));
		port[end - colon - 1] = '\0';
	}
	return 0;
}

static int parse_target(const char *url, struct target *t)
{
	const char *a, *e, *at;

	if (strncasecmp(url, "https://", 8) == 0)
		t->https = 1, a = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		t->https = 0, a = url + 7;
	else
		return -1;
	e = a + strcspn(a, "/?#");
	for (at = e; at > a && at[-1] != '@'; at--)
		;
	if (at > a)
		a = at; /* user:password@ */
	if (split_host(a, (size_t)(e - a), t->host, t->port) != 0)
		return -1;
	if (t->port[0] == '\0')
		snprintf(t->port, sizeof t->port, "%s", t->https ? "443" : "80");
	return 0;
}

/* inet_pton into a 16-byte buffer; returns the family or 0. */
static int parse_ip(const char *s, unsigned char *ip)
{
	if (inet_pton(AF_INET, s, ip) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, ip) == 1)
		return AF_INET6;
	return 0;
}

static int is_loopback(const char *host)
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
	                                           0, 0, 0, 0, 0xff, 0xff};
	unsigned char ip[16];

	switch (parse_ip(host, ip)) {
	case AF_INET:
		return ip[0] == 127;
	case AF_INET6:
		if (memcmp(ip, v4mapped, 12) == 0)
			return ip[12] == 127;
		return memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	default:
		return strcmp(host, "localhost") == 0;
	}
}

/* Does ip (of family fam) lie in the CIDR block "addr/bits"? */
static int in_cidr(const char *cidr, int fam, const unsigned char *ip)
{
	char addr[HOST_MAX];
	unsigned char net[16];
	const char *slash = strchr(cidr, '/');
	unsigned bits = 0, i;
	size_t n = slash ? (size_t)(slash - cidr) : 0;

	if (n == 0 || n >= sizeof addr || slash[1] == '\0')
		return 0;
	memcpy(addr, cidr, n);
	addr[n] = '\0';
	for (i = 1; slash[i]; i++) {
		if (slash[i] < '0' || slash[i] > '9' || bits > 128)
			return 0;
		bits = bits * 10 + (unsigned)(slash[i] - '0');
	}
	if (parse_ip(addr, net) != fam || bits > (fam == AF_INET ? 32u : 128u))
		return 0;
	for (i = 0; i < bits; i++)
		if (((net[i / 8] ^ ip[i / 8]) >> (7 - i % 8)) & 1)
			return 0;
	return 1;
}

/* One NO_PROXY entry (n bytes, trimmed) against the target. */
static int entry_matches(const char *s, size_t n, const struct target *t)
{
	char entry[HOST_MAX + 16], host[HOST_MAX], port[8];
	unsigned char ip[16], want[16];
	int fam = parse_ip(t->host, ip);
	size_t hn, tn;

	if (n == 0 || n >= sizeof entry)
		return 0;
	memcpy(entry, s, n);
	entry[n] = '\0';
	lower(entry);
	if (strcmp(entry, "*") == 0)
		return 1;
	if (strchr(entry, '/'))
		return fam && in_cidr(entry, fam, ip);
	if (split_host(entry, n, host, port) != 0)
		return 0;
	if (port[0] && strcmp(port, t->port) != 0)
		return 0;
	if (parse_ip(host, want))
		return fam == parse_ip(host, want) &&
		       memcmp(ip, want, fam == AF_INET ? 4 : 16) == 0;
	/* "*.example.com" is ".example.com": subdomains only; "example.com"
	 * is the host itself and its subdomains. */
	if (strncmp(host, "*.", 2) == 0)
		memmove(host, host + 1, strlen(host));
	hn = strlen(host);
	tn = strlen(t->host);
	if (host[0] != '.' && strcmp(host, t->host) == 0)
		return 1;
	if (host[0] == '.')
		return tn > hn && strcmp(t->host + tn - hn, host) == 0;
	return tn > hn && t->host[tn - hn - 1] == '.' &&
	       strcmp(t->host + tn - hn, host) == 0;
}

static int no_proxy_matches(const char *list, const struct target *t)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		const char *s = p, *e = p + n;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (entry_matches(s, (size_t)(e - s), t))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

const char *proxy_choose(const struct proxy_env *e, const char *url,
                         int unix_socket, const char **from, const char **why)
{
	struct target t;
	const char *p, *f;

	*from = *why = NULL;
	if (unix_socket)
		return NULL;
	if (e->vault) {
		*from = e->vault_from;
		return e->vault;
	}
	if (parse_target(url, &t) != 0)
		return NULL;
	p = t.https ? e->https : e->http;
	f = t.https ? e->https_from : e->http_from;
	if (p == NULL)
		return NULL;
	*from = f;
	if (is_loopback(t.host))
		*why = "a loopback address";
	else if (e->no_proxy && no_proxy_matches(e->no_proxy, &t))
		*why = "NO_PROXY";
	else
		return p;
	return NULL;
}

const char *proxy_password(const char *proxy, size_t *len)
{
	const char *a = strstr(proxy, "://"), *end, *at, *colon;

	a = a ? a + 3 : proxy;
	end = a + strcspn(a, "/?#");
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	if (at == a)
		return NULL;
	colon = memchr(a, ':', (size_t)(at - 1 - a));
	if (colon == NULL)
		return NULL;
	*len = (size_t)(at - 1 - (colon + 1));
	return colon + 1;
}

void proxy_masked(const char *proxy, char *buf, size_t cap)
{
	size_t len;
	const char *pw = proxy_password(proxy, &len);

	if (pw == NULL)
		snprintf(buf, cap, "%s", proxy);
	else
		snprintf(buf, cap, "%.*s****%s", (int)(pw - proxy), proxy,
		         pw + len);
}
