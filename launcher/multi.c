/* multi.c - libcurl's start-up without its side effects on the process. */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>

#include "multi.h"
#include "util.h"

#define FD_PROBE 1024

static int global_init(void *arg)
{
	(void)arg;
	return curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK;
}

/* Which of the first FD_PROBE descriptors are open. */
static void open_fds(unsigned char *open_now)
{
	int fd;

	for (fd = 0; fd < FD_PROBE; fd++)
		open_now[fd] = fcntl(fd, F_GETFD) != -1;
}

/* libcurl 7.88 opens descriptors of its own without close-on-exec (the
 * multi handle's wake-up socket pair): whatever opened since `before` is
 * libcurl's, and becomes close-on-exec. */
static void cloexec_new_fds(const unsigned char *before)
{
	int fd, flags;

	for (fd = 0; fd < FD_PROBE; fd++)
		if (!before[fd] && (flags = fcntl(fd, F_GETFD)) != -1)
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

CURLM *multi_new(void)
{
	unsigned char before[FD_PROBE];
	CURLM *m;

	open_fds(before);
	/* Not a setting (config.c): a variable kept from libcurl. */
	if (without_env("SSLKEYLOGFILE", global_init, NULL) != 0)
		return NULL;
	m = curl_multi_init();
	cloexec_new_fds(before);
	if (m == NULL)
		curl_global_cleanup();
	return m;
}

size_t multi_pollfds(CURLM *m, struct pollfd *pf, size_t cap)
{
	fd_set r, w, e;
	int maxfd = -1, fd;
	size_t n = 0;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	if (curl_multi_fdset(m, &r, &w, &e, &maxfd) != CURLM_OK)
		return 0;
	for (fd = 0; fd <= maxfd && n < cap; fd++) {
		short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) |
		                   (FD_ISSET(fd, &w) ? POLLOUT : 0) |
		                   (FD_ISSET(fd, &e) ? POLLPRI : 0));

		if (ev == 0)
			continue;
		pf[n].fd = fd;
		pf[n].events = ev;
		pf[n++].revents = 0;
	}
	return n;
}
