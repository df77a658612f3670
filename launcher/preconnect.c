/* preconnect.c - TCP connections opened ahead of the requests that will use
 * them (while a login is in flight), handed to libcurl once connected. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preconnect.h"
#include "util.h"

struct preconnect {
	struct sockaddr_storage addr;
	socklen_t len;
	int *fd; /* -1: taken or dropped */
	size_t n;
};

/* The numeric address of an http:// URL, or 0 (a name would need a DNS
 * lookup here, outside libcurl's resolver and the deadline). */
static int numeric_addr(const char *url, struct sockaddr_storage *ss,
                        socklen_t *len)
{
	struct addrinfo hints, *ai = NULL;
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	int ok = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	            CURLUE_OK) {
		size_t n = strlen(host);

		if (n > 1 && host[0] == '[' && host[n - 1] == ']') {
			memmove(host, host + 1, n - 2); /* [::1] */
			host[n - 2] = '\0';
		}
		if (getaddrinfo(host, port, &hints, &ai) == 0 &&
		    ai->ai_addrlen <= sizeof *ss) {
			memcpy(ss, ai->ai_addr, ai->ai_addrlen);
			*len = ai->ai_addrlen;
			ok = 1;
		}
	}
	if (ai)
		freeaddrinfo(ai);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

struct preconnect *preconnect_open(const char *url, size_t n)
{
	struct preconnect *p;
	size_t i;

	if (n == 0 || strncasecmp(url, "http://", 7) != 0)
		return NULL;
	p = xcalloc(1, sizeof *p);
	if (!numeric_addr(url, &p->addr, &p->len)) {
		free(p);
		return NULL;
	}
	p->fd = xcalloc(n, sizeof *p->fd);
	for (i = 0; i < n; i++) {
		int fd = socket(p->addr.ss_family,
		                SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd >= 0 &&
		    connect(fd, (struct sockaddr *)&p->addr, p->len) != 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			fd = -1;
		}
		p->fd[p->n++] = fd;
	}
	return p;
}

static int same_addr(const struct preconnect *p, const struct sockaddr *a,
                     socklen_t len)
{
	return len == p->len && memcmp(a, &p->addr, len) == 0;
}

/* 1: connected, nothing to read (no close or reset from the server yet);
 * 0: still connecting; -1: failed or closed. */
static int state(int fd)
{
	struct pollfd pf = {fd, POLLOUT | POLLIN, 0};
	int err = 0;
	socklen_t n = sizeof err;

	if (poll(&pf, 1, 0) == 0)
		return 0;
	if (pf.revents != POLLOUT ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) != 0 || err != 0)
		return -1;
	return 1;
}

int preconnect_take(struct preconnect *p, const struct sockaddr *a, socklen_t len)
{
	size_t i;

	if (p == NULL || !same_addr(p, a, len))
		return -1;
	for (i = 0; i < p->n; i++) {
		int fd = p->fd[i], st;

		if (fd < 0 || (st = state(fd)) == 0)
			continue;
		p->fd[i] = -1;
		if (st == 1)
			return fd;
		close(fd);
	}
	return -1;
}

void preconnect_free(struct preconnect *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	free(p->fd);
	free(p);
}
