/* relay.c - masked streams from the command to vaultrun's own (relay.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mask.h"
#include "relay.h"
#include "streammask.h"
#include "util.h"

#define CHUNK 131072

struct stream {
	int from, to; /* vaultrun's read end; vaultrun's own 1 or 2 */
	int own;      /* from is closed at the end */
	struct streammask_cursor *cur;
};

struct relay {
	struct streammask *m;
	struct stream s[3];
	size_t ns;
	int in_to; /* stdin relayed to this; -1 none */
	int typed; /* relay_typed's answer: SIGINT, SIGQUIT or 0 */
	char *buf, *obuf;
	size_t obuf_size;
	struct stream *polled[RELAY_FDS]; /* relay_fds' entries; NULL: stdin */
};

static void new_masker(struct relay *rl)
{
	const char *v;
	size_t i, len;

	rl->m = streammask_new();
	for (i = 0; i < mask_count(); i++) {
		v = mask_value(i, &len);
		streammask_add(rl->m, v, len);
	}
	streammask_compile(rl->m);
	rl->obuf_size = streammask_bound(rl->m, CHUNK);
	rl->obuf = xmalloc(rl->obuf_size);
}

static void free_masker(struct relay *rl)
{
	streammask_free(rl->m);
	wipe_free(rl->obuf, rl->obuf_size);
	rl->m = NULL;
	rl->obuf = NULL;
}

struct relay *relay_new(void)
{
	struct relay *rl = xcalloc(1, sizeof *rl);

	rl->buf = xmalloc(CHUNK);
	rl->in_to = -1;
	new_masker(rl);
	return rl;
}

/* Write everything, waiting when the descriptor is non-blocking; -1 when
 * the reader is gone. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {fd, POLLOUT, 0};

			poll(&pf, 1, -1);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void close_stream(struct relay *rl, struct stream *st)
{
	size_t n;

	if (st->from < 0)
		return;
	n = streammask_flush(st->cur, rl->obuf);
	(void)write_all(st->to, rl->obuf, n);
	if (st->own)
		close(st->from);
	st->from = -1;
}

/* One read of a masked stream; 1 when there may be more to read now. */
static int pump(struct relay *rl, struct stream *st)
{
	ssize_t r = read(st->from, rl->buf, CHUNK);
	size_t n;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) { /* end of stream; EIO: the pty's last slave closed */
		close_stream(rl, st);
		return 0;
	}
	n = streammask_feed(st->cur, rl->buf, (size_t)r, rl->obuf);
	if (write_all(st->to, rl->obuf, n) != 0) {
		/* vaultrun's output is gone: so is the command's, which learns
		 * it as in a pipeline (EPIPE) on its next write. */
		close_stream(rl, st);
		return 0;
	}
	return 1;
}

/* Did the n bytes at p hold the interrupt or quit character of the
 * terminal at fd?  The signal its line discipline sends for it, or 0. */
static int signal_typed(int fd, const char *p, size_t n)
{
	struct termios t;
	int sig = 0;

	if (tcgetattr(fd, &t) != 0 || !(t.c_lflag & ISIG))
		return 0;
	if (t.c_cc[VINTR] != _POSIX_VDISABLE && memchr(p, t.c_cc[VINTR], n))
		sig = SIGINT;
	else if (t.c_cc[VQUIT] != _POSIX_VDISABLE && memchr(p, t.c_cc[VQUIT], n))
		sig = SIGQUIT;
	return sig;
}

static void relay_stdin(struct relay *rl)
{
	ssize_t r = read(0, rl->buf, CHUNK);
	int sig;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || write_all(rl->in_to, rl->buf, (size_t)r) != 0) {
		rl->in_to = -1;
		return;
	}
	if ((sig = signal_typed(rl->in_to, rl->buf, (size_t)r)) != 0)
		rl->typed = sig;
}

int relay_typed(struct relay *rl)
{
	int sig = rl->typed;

	rl->typed = 0;
	return sig;
}

void relay_add(struct relay *rl, int from, int to, int own)
{
	struct stream *st = &rl->s[rl->ns++];

	st->from = from;
	st->to = to;
	st->own = own;
	st->cur = streammask_cursor_new(rl->m);
}

void relay_input(struct relay *rl, int to)
{
	rl->in_to = to;
}

size_t relay_fds(struct relay *rl, struct pollfd *pf)
{
	size_t i, n = 0;

	for (i = 0; i < rl->ns; i++)
		if (rl->s[i].from >= 0) {
			pf[n].fd = rl->s[i].from;
			pf[n].events = POLLIN;
			rl->polled[n++] = &rl->s[i];
		}
	if (rl->in_to >= 0) {
		pf[n].fd = 0;
		pf[n].events = POLLIN;
		rl->polled[n++] = NULL;
	}
	return n;
}

void relay_pump(struct relay *rl, const struct pollfd *pf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (rl->polled[i])
			pump(rl, rl->polled[i]);
		else
			relay_stdin(rl);
	}
}

void relay_drain(struct relay *rl)
{
	size_t i;

	for (i = 0; i < rl->ns; i++) {
		while (rl->s[i].from >= 0 && pump(rl, &rl->s[i]))
			;
		close_stream(rl, &rl->s[i]);
	}
}

static void free_streams(struct relay *rl)
{
	size_t i;

	for (i = 0; i < rl->ns; i++) {
		if (rl->s[i].from >= 0 && rl->s[i].own)
			close(rl->s[i].from);
		streammask_cursor_free(rl->s[i].cur);
	}
	rl->ns = 0;
	rl->in_to = -1;
	rl->typed = 0; /* a key typed for the command before */
}

void relay_reset(struct relay *rl)
{
	relay_drain(rl);
	free_streams(rl);
	free_masker(rl);
	new_masker(rl);
}

void relay_free(struct relay *rl)
{
	if (rl == NULL)
		return;
	free_streams(rl);
	free_masker(rl);
	wipe_free(rl->buf, CHUNK);
	free(rl);
}
