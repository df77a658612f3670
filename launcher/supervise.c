/* supervise.c - the child, its signals, its output: one poll loop.
 *
 * Every signal is blocked and read from a signalfd, so nothing runs in a
 * handler and no disposition changes: the child, after fork, only puts the
 * mask back and inherits the dispositions vaultrun was started with (an
 * ignored signal stays ignored in the command; sent to vaultrun, it is still
 * read and forwarded, since Linux queues a blocked signal even when ignored).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "exec.h"
#include "mask.h"
#include "pty.h"
#include "streammask.h"
#include "supervise.h"
#include "util.h"

#define CHUNK 131072
#define PIPE_SIZE (1 << 20) /* fewer wake-ups for a command that writes a lot */
#define PTY_FD (-2)         /* in child_fd: the pseudo-terminal's slave */
#define AGENT_FDS 64        /* the agent's descriptors polled at most */

struct stream {
	int from, to; /* vaultrun's read end; vaultrun's own 1 or 2 */
	struct streammask_cursor *cur;
};

struct supervisor {
	const struct supervise_opts *o;
	sigset_t orig;    /* the mask vaultrun started with */
	int chld_ignored; /* SIGCHLD was SIG_IGN: put back in the child */
	int sfd;
	pid_t pid;
	int exited, code;
	struct streammask *m;
	struct stream s[3];
	size_t ns;
	struct pty *pty;
	int relay_in;         /* pty: vaultrun's stdin goes to the master */
	int tty;              /* the controlling terminal, when handed over */
	struct termios modes; /* tty's, before the first start */
	int have_modes;
	double kill_at; /* --kill-after: when to SIGKILL; < 0 none */
	char *buf, *obuf;
	size_t obuf_size;
	char *const *envp;      /* the command's, this start */
	char *const *next_envp; /* a restart asked for: the next start's */
	int ending, end_code;   /* an end asked for, and its status */
	unsigned starts;
	struct error start_err; /* a restart that could not start */
	int start_rc;
};

static const char *const signames[32] = {
	NULL,     "HUP",  "INT",    "QUIT", "ILL",   "TRAP", "ABRT", "BUS",
	"FPE",    "KILL", "USR1",   "SEGV", "USR2",  "PIPE", "ALRM", "TERM",
	"STKFLT", "CHLD", "CONT",   "STOP", "TSTP",  "TTIN", "TTOU", "URG",
	"XCPU",   "XFSZ", "VTALRM", "PROF", "WINCH", "IO",   "PWR",  "SYS",
};

int supervise_signal(const char *name)
{
	unsigned long n;
	int i;

	if (parse_ulong(name, 1, 31, &n) == 0)
		i = (int)n;
	else {
		if (strncasecmp(name, "SIG", 3) == 0)
			name += 3;
		for (i = 1; i < 32; i++)
			if (strcasecmp(name, signames[i]) == 0)
				break;
	}
	return i < 32 && i != SIGKILL && i != SIGSTOP ? i : 0;
}

/* Fault signals mean something only from the kernel, to the process that
 * faulted: forwarded only when someone sent them with kill. */
static int fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
	       sig == SIGILL || sig == SIGABRT || sig == SIGTRAP;
}

/* What a terminal's driver sends its foreground process group. */
static int from_tty(int sig)
{
	return sig == SIGINT || sig == SIGQUIT || sig == SIGTSTP ||
	       sig == SIGWINCH;
}

static int stops(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT;
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

static void close_stream(struct supervisor *s, struct stream *st)
{
	size_t n;

	if (st->from < 0)
		return;
	n = streammask_flush(st->cur, s->obuf);
	(void)write_all(st->to, s->obuf, n);
	/* The master stays open until vaultrun leaves: closing it would hang
	 * up the command's terminal. */
	if (s->pty == NULL || st->from != pty_master(s->pty))
		close(st->from);
	st->from = -1;
}

/* One read of a masked stream; 1 when there may be more to read now. */
static int pump(struct supervisor *s, struct stream *st)
{
	ssize_t r = read(st->from, s->buf, CHUNK);
	size_t n;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) { /* end of stream; EIO: the pty's last slave closed */
		close_stream(s, st);
		return 0;
	}
	n = streammask_feed(st->cur, s->buf, (size_t)r, s->obuf);
	if (write_all(st->to, s->obuf, n) != 0) {
		/* vaultrun's output is gone: so is the command's, which learns
		 * it as in a pipeline (EPIPE) on its next write. */
		close_stream(s, st);
		return 0;
	}
	return 1;
}

static void relay_input(struct supervisor *s)
{
	ssize_t r = read(0, s->buf, CHUNK);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || write_all(pty_master(s->pty), s->buf, (size_t)r) != 0)
		s->relay_in = 0;
}

/* The command stopped (Ctrl-Z on its terminal): stop too, so that the
 * shell sees the job stopped, and take the terminal back meanwhile.  The
 * SIGCONT that resumes vaultrun is then forwarded by the loop. */
static void stopped(struct supervisor *s)
{
	if (s->tty < 0 && s->pty == NULL)
		return;
	if (s->tty >= 0)
		tcsetpgrp(s->tty, getpgrp());
	pty_restore(s->pty);
	kill(getpid(), SIGSTOP);
	if (s->pty) {
		pty_raw(s->pty);
		pty_sync_size(s->pty);
	}
	if (s->tty >= 0)
		tcsetpgrp(s->tty, s->pid);
}

/* Reap every child that has exited, orphans included, without blocking. */
static void reap(struct supervisor *s)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG | WUNTRACED)) > 0) {
		if (p != s->pid)
			continue;
		if (WIFSTOPPED(st)) {
			stopped(s);
		} else if (!s->exited) {
			s->exited = 1;
			s->code = WIFEXITED(st) ? WEXITSTATUS(st) :
			                          128 + WTERMSIG(st);
		}
	}
}

static void on_signal(struct supervisor *s, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;
	int sent = si->ssi_code == SI_USER || si->ssi_code == SI_QUEUE;

	if (sig == SIGCHLD) {
		reap(s);
		return;
	}
	/* vaultrun's own (SIGPIPE from a write to a closed output). */
	if (si->ssi_code == SI_USER && (pid_t)si->ssi_pid == getpid())
		return;
	if (fault(sig) && !sent)
		return;
	if (sig == SIGWINCH && s->pty) {
		pty_sync_size(s->pty); /* the kernel signals the command */
		if (!sent)
			return;
	}
	/* From the terminal's driver to its foreground group, which is the
	 * command's: it has had this one already.  (A hangup's SIGHUP and
	 * SIGCONT go to the session leader alone: those are forwarded.) */
	if (si->ssi_code == SI_KERNEL && s->tty >= 0 && from_tty(sig))
		return;
	if (s->exited)
		return;
	kill(-s->pid, sig);
	/* Stopped by its user while a restart waited: it ends, for good. */
	if (stops(sig))
		s->next_envp = NULL;
	if (stops(sig) && s->o->kill_after >= 0 && s->kill_at < 0)
		s->kill_at = now_ms() + s->o->kill_after * 1000.0;
}

static void read_signals(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof si) == (ssize_t)sizeof si)
		on_signal(s, &si);
}

/* The command is gone: what it wrote is in the pipes already.  Take that,
 * not what orphans may still write. */
static void drain(struct supervisor *s)
{
	size_t i;

	for (i = 0; i < s->ns; i++) {
		while (s->s[i].from >= 0 && pump(s, &s->s[i]))
			;
		close_stream(s, &s->s[i]);
	}
}

static int start(struct supervisor *s, struct error *err);
static void free_streams(struct supervisor *s);
static struct streammask *build_masker(void);

/* The stopped command's streams end, and it starts again with the new
 * environment and a masker that knows every value, old and new. */
static int restart(struct supervisor *s)
{
	drain(s);
	free_streams(s);
	streammask_free(s->m);
	s->m = build_masker();
	wipe_free(s->obuf, s->obuf_size);
	s->obuf_size = streammask_bound(s->m, CHUNK);
	s->obuf = xmalloc(s->obuf_size);
	s->envp = s->next_envp;
	s->next_envp = NULL;
	s->exited = 0;
	s->kill_at = -1;
	/* The terminal as the first command found it, not as the stopped one
	 * left it (echo off at a prompt, raw mode): as a shell does for a job
	 * that a signal ended.  (A pseudo-terminal is set anew by pty_attach.)
	 * SIGTTOU is blocked. */
	if (s->tty >= 0 && s->have_modes)
		tcsetattr(s->tty, TCSADRAIN, &s->modes);
	s->start_rc = start(s, &s->start_err);
	return s->start_rc;
}

static void stop_child(struct supervisor *s)
{
	if (s->exited)
		return;
	kill(-s->pid, s->o->stop_signal ? s->o->stop_signal : SIGTERM);
	if (s->o->kill_after >= 0 && s->kill_at < 0)
		s->kill_at = now_ms() + s->o->kill_after * 1000.0;
}

void supervise_restart(struct supervisor *s, char *const *envp)
{
	if (supervise_stopping(s))
		return;
	s->next_envp = envp;
	stop_child(s);
}

void supervise_end(struct supervisor *s, int code)
{
	if (supervise_stopping(s))
		return;
	s->ending = 1;
	s->end_code = code;
	stop_child(s);
}

int supervise_stopping(const struct supervisor *s)
{
	return s->next_envp != NULL || s->ending;
}

unsigned supervise_starts(const struct supervisor *s)
{
	return s->starts;
}

static void loop(struct supervisor *s)
{
	struct pollfd pf[5 + AGENT_FDS];
	struct stream *which[5];
	const struct supervise_agent *a = s->o->agent;
	size_t n, i, own;

	while (!s->exited) {
		int timeout = -1;

		n = 0;
		pf[n].fd = s->sfd;
		pf[n].events = POLLIN;
		which[n++] = NULL;
		for (i = 0; i < s->ns; i++)
			if (s->s[i].from >= 0) {
				pf[n].fd = s->s[i].from;
				pf[n].events = POLLIN;
				which[n++] = &s->s[i];
			}
		if (s->relay_in) {
			pf[n].fd = 0;
			pf[n].events = POLLIN;
			which[n++] = NULL;
		}
		if (s->kill_at >= 0) {
			double left = s->kill_at - now_ms();

			timeout = left > 0 ? (int)left + 1 : 0;
		}
		own = n;
		if (a) {
			long t = a->timeout(a->ctx);

			n += a->fds(a->ctx, pf + n, AGENT_FDS);
			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t > 86400000 ? 86400000 : (int)t;
		}
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			break;
		for (i = 1; i < own; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (which[i])
				pump(s, which[i]);
			else
				relay_input(s);
		}
		if (pf[0].revents & POLLIN)
			read_signals(s);
		if (s->kill_at >= 0 && now_ms() >= s->kill_at) {
			kill(-s->pid, SIGKILL);
			s->kill_at = -1;
		}
		if (a && !s->exited)
			a->run(a->ctx, s);
		if (s->exited && s->next_envp && restart(s) != ST_OK)
			break;
	}
	drain(s);
}

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

static int masked(const struct supervise_opts *o, int fd)
{
	return o->mask == SUPERVISE_MASK_ALL    ? fd == 1 || fd == 2 :
	       o->mask == SUPERVISE_MASK_STDERR ? fd == 2 :
	                                          0;
}

static struct streammask *build_masker(void)
{
	struct streammask *m = streammask_new();
	const char *v;
	size_t i, len;

	for (i = 0; i < mask_count(); i++) {
		v = mask_value(i, &len);
		streammask_add(m, v, len);
	}
	streammask_compile(m);
	return m;
}

static void add_stream(struct supervisor *s, int from, int to)
{
	s->s[s->ns].from = from;
	s->s[s->ns].to = to;
	s->s[s->ns++].cur = streammask_cursor_new(s->m);
}

/* The command's descriptors: child_fd[i] is what becomes its i (-1: as
 * vaultrun's).  Terminals go to the pseudo-terminal when one is needed,
 * other masked streams through a pipe each. */
static int plumb(struct supervisor *s, int child_fd[3], struct error *err)
{
	int fd, term = -1, out = -1, p[2], rc;

	for (fd = 0; fd < 3; fd++) {
		child_fd[fd] = -1;
		if (isatty(fd) && term < 0)
			term = fd;
		if (masked(s->o, fd) && isatty(fd) && out < 0)
			out = fd;
	}
	if (out >= 0) {
		if (s->pty == NULL && (rc = pty_new(&s->pty, term, err)) != ST_OK)
			return rc; /* a restart keeps the pseudo-terminal */
		add_stream(s, pty_master(s->pty), out);
		for (fd = 0; fd < 3; fd++)
			if (isatty(fd))
				child_fd[fd] = PTY_FD;
		s->relay_in = isatty(0);
	}
	for (fd = 1; fd < 3; fd++) {
		if (!masked(s->o, fd) || child_fd[fd] == PTY_FD)
			continue;
		if (pipe2(p, O_CLOEXEC) != 0 ||
		    fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
			return error_set(err, ST_OSERR, "pipe: %s",
			                 strerror(errno));
		fcntl(p[0], F_SETPIPE_SZ, PIPE_SIZE); /* best effort */
		add_stream(s, p[0], fd);
		child_fd[fd] = p[1];
	}
	return ST_OK;
}

static void free_streams(struct supervisor *s)
{
	size_t i;

	for (i = 0; i < s->ns; i++) {
		if (s->s[i].from >= 0 &&
		    (s->pty == NULL || s->s[i].from != pty_master(s->pty)))
			close(s->s[i].from);
		streammask_cursor_free(s->s[i].cur);
	}
	s->ns = 0;
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
static int start(struct supervisor *s, struct error *err)
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

static void cleanup(struct supervisor *s)
{
	free_streams(s);
	if (s->tty >= 0) {
		tcsetpgrp(s->tty, getpgrp()); /* SIGTTOU is blocked */
		close(s->tty);
	}
	pty_free(s->pty);
	if (s->sfd >= 0)
		close(s->sfd);
	streammask_free(s->m);
	wipe_free(s->buf, CHUNK);
	wipe_free(s->obuf, s->obuf_size);
}

int supervise_run(const struct supervise_opts *o, int *code, struct error *err)
{
	struct supervisor s;
	struct sigaction sa;
	sigset_t all;
	int rc;

	memset(&s, 0, sizeof s);
	s.o = o;
	s.envp = o->envp;
	s.sfd = s.tty = -1;
	s.kill_at = -1;
	*code = 0;
	/* Orphans of the command's are reparented to vaultrun, not to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &s.orig);
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
		s.chld_ignored = 1; /* else children would reap themselves */
		signal(SIGCHLD, SIG_DFL);
	}
	s.m = build_masker();
	s.buf = xmalloc(CHUNK);
	s.obuf_size = streammask_bound(s.m, CHUNK);
	s.obuf = xmalloc(s.obuf_size);
	if ((s.sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		rc = error_set(err, ST_OSERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	if ((rc = start(&s, err)) != ST_OK)
		goto out;
	if (s.relay_in)
		pty_raw(s.pty);
	loop(&s);
	if (s.start_rc != ST_OK) { /* a restart could not start it */
		*err = s.start_err;
		rc = s.start_rc;
		goto out;
	}
	*code = s.ending ? s.end_code : s.code;
	rc = ST_OK;
out:
	cleanup(&s);
	return rc;
}
