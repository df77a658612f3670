/* spawn.c - one start of the supervised command: plumbing, fork, and the
 * child's terminal, descriptors, signal state and execve.
 *
 * The child puts back the signal mask vaultrun started with, and SIGCHLD's
 * SIG_IGN if it was ignored (supervise.c changes no other disposition).
 * Every descriptor opened here is close-on-exec; what becomes the command's
 * 0, 1 or 2 is dup2'd there, or has close-on-exec cleared when in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "exec.h"
#include "pty.h"
#include "relay.h"
#include "spawn.h"
#include "supervisor.h"

#define PIPE_SIZE (1 << 20) /* fewer wake-ups for a command that writes a lot */
#define PTY_FD (-2)         /* in child_fd: the pseudo-terminal's slave */

static void report(int fd, const struct error *e)
{
	(void)!write(fd, e, sizeof *e);
}

/* After fork: terminal, descriptors, signal state, execve.  Never returns. */
static void child(struct supervisor *s, int errfd, const int child_fd[3])
{
	struct error err;
	int slave = -1, i, rc;

	if (s->pty) {
		if ((slave = pty_attach(s->pty)) < 0) {
			error_set(&err, ST_OSERR, "pseudo-terminal: %s",
			          strerror(errno));
			report(errfd, &err);
			_exit(ST_OSERR);
		}
	} else {
		setpgid(0, 0);
		if (s->tty >= 0)
			tcsetpgrp(s->tty, getpid()); /* SIGTTOU is blocked */
	}
	for (i = 0; i < 3; i++) {
		int fd = child_fd[i] == PTY_FD ? slave : child_fd[i];

		if (fd < 0)
			continue;
		/* dup2 onto itself would keep close-on-exec */
		if ((fd == i && fcntl(i, F_SETFD, 0) != 0) ||
		    (fd != i && dup2(fd, i) < 0)) {
			error_set(&err, ST_OSERR, "dup2: %s", strerror(errno));
			report(errfd, &err);
			_exit(ST_OSERR);
		}
	}
	if (slave > 2)
		close(slave);
	if (s->chld_ignored)
		signal(SIGCHLD, SIG_IGN);
	sigprocmask(SIG_SETMASK, &s->orig, NULL);
	rc = exec_command(s->o->file, s->o->argv, s->envp, &err);
	report(errfd, &err);
	_exit(rc);
}

/* The controlling terminal, when vaultrun is in its foreground group. */
static int foreground_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0 && tcgetpgrp(fd) == getpgrp())
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static int masked(int mask, int fd)
{
	return mask == SUPERVISE_MASK_ALL    ? fd == 1 || fd == 2 :
	       mask == SUPERVISE_MASK_STDERR ? fd == 2 :
	                                       0;
}

void spawn_route(int mask, const int tty[3], struct spawn_routes *r)
{
	int fd;

	r->term = r->out = -1;
	for (fd = 0; fd < 3; fd++) {
		if (tty[fd] && r->term < 0)
			r->term = fd;
		if (masked(mask, fd) && tty[fd] && r->out < 0)
			r->out = fd;
	}
	for (fd = 0; fd < 3; fd++)
		r->fd[fd] = r->out >= 0 && tty[fd]     ? SPAWN_PTY :
		            fd > 0 && masked(mask, fd) ? SPAWN_PIPE :
		                                         SPAWN_INHERIT;
	r->input = r->out >= 0 && tty[0];
}

/* The command's descriptors: child_fd[i] is what becomes its i (-1: as
 * vaultrun's), as spawn_route decides. */
static int plumb(struct supervisor *s, int child_fd[3], struct error *err)
{
	struct spawn_routes r;
	int fd, tty[3], p[2], rc;

	for (fd = 0; fd < 3; fd++) {
		child_fd[fd] = -1;
		tty[fd] = isatty(fd);
	}
	spawn_route(s->o->mask, tty, &r);
	if (r.out >= 0) {
		if (s->pty == NULL && (rc = pty_new(&s->pty, r.term, err)) != ST_OK)
			return rc; /* a restart keeps the pseudo-terminal */
		relay_add(s->rl, pty_master(s->pty), r.out, 0);
		for (fd = 0; fd < 3; fd++)
			if (r.fd[fd] == SPAWN_PTY)
				child_fd[fd] = PTY_FD;
		s->relay_in = r.input;
		if (s->relay_in)
			relay_input(s->rl, pty_master(s->pty));
	}
	for (fd = 1; fd < 3; fd++) {
		if (r.fd[fd] != SPAWN_PIPE)
			continue;
		if (pipe2(p, O_CLOEXEC) != 0 ||
		    fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
			return error_set(err, ST_OSERR, "pipe: %s",
			                 strerror(errno));
		fcntl(p[0], F_SETPIPE_SZ, PIPE_SIZE); /* best effort */
		relay_add(s->rl, p[0], fd, 1);
		child_fd[fd] = p[1];
	}
	return ST_OK;
}

static void close_fds(int fds[3])
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fds[fd] >= 0) {
			close(fds[fd]);
			fds[fd] = -1;
		}
}

/* Plumbing, fork, and the child's exec; ST_OK once it runs the command. */
int spawn_start(struct supervisor *s, struct error *err)
{
	int child_fd[3] = {-1, -1, -1}, errp[2], rc;
	ssize_t n;

	if ((rc = plumb(s, child_fd, err)) != ST_OK) {
		close_fds(child_fd);
		return rc;
	}
	if (s->pty == NULL && s->tty < 0 && s->starts == 0) {
		s->tty = foreground_tty();
		s->have_modes = s->tty >= 0 && tcgetattr(s->tty, &s->modes) == 0;
	}
	if (pipe2(errp, O_CLOEXEC) != 0) {
		close_fds(child_fd);
		return error_set(err, ST_OSERR, "pipe: %s", strerror(errno));
	}
	if ((s->pid = fork()) < 0) {
		rc = error_set(err, ST_OSERR, "fork: %s", strerror(errno));
		close(errp[0]);
		close(errp[1]);
		close_fds(child_fd);
		return rc;
	}
	if (s->pid == 0) {
		close(errp[0]);
		child(s, errp[1], child_fd);
	}
	close(errp[1]);
	close_fds(child_fd);
	if (s->pty == NULL)
		setpgid(s->pid, s->pid); /* as the child does: whoever is first */
	if (s->tty >= 0)
		tcsetpgrp(s->tty, s->pid);
	/* Nothing comes through the pipe but the error of a failed exec. */
	while ((n = read(errp[0], err, sizeof *err)) < 0 && errno == EINTR)
		;
	close(errp[0]);
	if (n == (ssize_t)sizeof *err) {
		waitpid(s->pid, NULL, 0);
		s->exited = 1;
		return err->status;
	}
	s->starts++;
	return ST_OK;
}
