/* pty.c - the pseudo-terminal: open, attach in the child, raw mode, size. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "pty.h"
#include "util.h"

struct pty {
	int master, term;
	char slave[64];
	struct termios saved;
	int have_saved, raw;
};

int pty_new(struct pty **out, int term, struct error *err)
{
	struct pty *p = xcalloc(1, sizeof *p);
	const char *name;

	*out = NULL;
	p->term = term;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0 || grantpt(p->master) != 0 ||
	    unlockpt(p->master) != 0 || (name = ptsname(p->master)) == NULL ||
	    strlen(name) >= sizeof p->slave ||
	    fcntl(p->master, F_SETFL, O_NONBLOCK) != 0) {
		int e = errno;

		if (p->master >= 0)
			close(p->master);
		free(p);
		return error_set(err, ST_OSERR, "pseudo-terminal: %s",
		                 strerror(e));
	}
	memcpy(p->slave, name, strlen(name) + 1);
	p->have_saved = tcgetattr(term, &p->saved) == 0;
	*out = p;
	return ST_OK;
}

int pty_master(const struct pty *p)
{
	return p->master;
}

int pty_attach(const struct pty *p)
{
	struct winsize ws;
	int fd;

	if (setsid() < 0 || (fd = open(p->slave, O_RDWR)) < 0)
		return -1;
	if (ioctl(fd, TIOCSCTTY, 0) != 0) {
		close(fd);
		return -1;
	}
	/* The command's terminal starts as vaultrun's was, cooked. */
	if (p->have_saved)
		tcsetattr(fd, TCSANOW, &p->saved);
	if (ioctl(p->term, TIOCGWINSZ, &ws) == 0)
		ioctl(fd, TIOCSWINSZ, &ws);
	return fd;
}

int pty_raw(struct pty *p)
{
	struct termios t;

	if (!p->have_saved || p->raw)
		return 0;
	t = p->saved;
	cfmakeraw(&t);
	if (tcsetattr(p->term, TCSADRAIN, &t) != 0)
		return -1;
	p->raw = 1;
	return 0;
}

void pty_restore(struct pty *p)
{
	if (p == NULL || !p->raw)
		return;
	tcsetattr(p->term, TCSADRAIN, &p->saved);
	p->raw = 0;
}

void pty_sync_size(const struct pty *p)
{
	struct winsize ws;

	if (ioctl(p->term, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
}

void pty_free(struct pty *p)
{
	if (p == NULL)
		return;
	pty_restore(p);
	close(p->master);
	free(p);
}
