/* supervise.c - the child's signals, its restarts: one poll loop (each
 * start: spawn.c; its masked output: relay.c).
 *
 * Every signal is blocked and read from a signalfd, so nothing runs in a
 * handler and no disposition changes but one: an ignored SIGCHLD is set back
 * to the default in vaultrun (else its children would reap themselves) and
 * ignored again in the child.  The child, after fork, puts the mask back and
 * inherits the dispositions vaultrun was started with (an ignored signal
 * stays ignored in the command; sent to vaultrun, it is still read and
 * forwarded, since Linux queues a blocked signal even when ignored).
 */
#include <errno.h>
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

#include "pty.h"
#include "relay.h"
#include "spawn.h"
#include "supervise.h"
#include "supervisor.h"
#include "util.h"

#define AGENT_FDS 64 /* the agent's descriptors polled at most */

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

static void user_stop(struct supervisor *s, int sig);

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
	if (!s->exited)
		kill(-s->pid, sig);
	if (stops(sig))
		user_stop(s, sig);
}

/* The command's user stopped it with sig (forwarded, or typed on its
 * pseudo-terminal): it ends for good, whatever was under way. */
static void user_stop(struct supervisor *s, int sig)
{
	if (s->exited && (s->after == AFTER_EXIT || s->after == AFTER_SIGNAL))
		return; /* it ended on its own, or for a stop signal already */
	/* With no command left (it exited for a restart not started yet),
	 * as if the signal had ended it. */
	if (s->exited)
		s->code = 128 + sig;
	if (s->after != AFTER_SIGNAL)
		s->signalled = sig;
	s->after = AFTER_SIGNAL;
	s->next_envp = NULL;
	if (!s->exited && s->o->kill_after >= 0 && s->kill_at < 0)
		s->kill_at = now_ms() + s->o->kill_after * 1000.0;
}

static void read_signals(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof si) == (ssize_t)sizeof si)
		on_signal(s, &si);
}

/* The stopped command's streams end, and it starts again with the new
 * environment and a masker that knows every value, old and new. */
static int restart(struct supervisor *s)
{
	/* A stop signal that came since the command exited ends the run
	 * instead: every one is read before the next command is forked. */
	read_signals(s);
	if (s->after != AFTER_RESTART)
		return ST_OK;
	relay_reset(s->rl);
	s->envp = s->next_envp;
	s->next_envp = NULL;
	s->after = AFTER_EXIT;
	s->exited = 0;
	s->kill_at = -1;
	/* The terminal as the first command found it, not as the stopped one
	 * left it (echo off at a prompt, raw mode): as a shell does for a job
	 * that a signal ended.  (A pseudo-terminal is set anew by pty_attach.)
	 * SIGTTOU is blocked. */
	if (s->tty >= 0 && s->have_modes)
		tcsetattr(s->tty, TCSADRAIN, &s->modes);
	s->start_rc = spawn_start(s, &s->start_err);
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
	s->after = AFTER_RESTART;
	s->next_envp = envp;
	stop_child(s);
}

void supervise_end(struct supervisor *s, int code)
{
	if (supervise_stopping(s))
		return;
	s->after = AFTER_END;
	s->end_code = code;
	stop_child(s);
}

int supervise_stopping(const struct supervisor *s)
{
	return s->after != AFTER_EXIT;
}

int supervise_signalled(const struct supervisor *s)
{
	return s->after == AFTER_SIGNAL ? s->signalled : 0;
}

unsigned supervise_starts(const struct supervisor *s)
{
	return s->starts;
}

static void loop(struct supervisor *s)
{
	struct pollfd pf[1 + RELAY_FDS + AGENT_FDS];
	const struct supervise_agent *a = s->o->agent;
	size_t n, streams;

	while (!s->exited) {
		int timeout = -1, sig;

		pf[0].fd = s->sfd;
		pf[0].events = POLLIN;
		streams = relay_fds(s->rl, pf + 1);
		n = 1 + streams;
		if (s->kill_at >= 0) {
			double left = s->kill_at - now_ms();

			timeout = left > 0 ? (int)left + 1 : 0;
		}
		if (a) {
			long t = a->timeout(a->ctx);

			n += a->fds(a->ctx, pf + n, AGENT_FDS);
			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t > 86400000 ? 86400000 : (int)t;
		}
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			break;
		relay_pump(s->rl, pf + 1, streams);
		/* A Ctrl-C or Ctrl-\ typed while the command stops (for a
		 * restart, for --on-change exit): its user's stop, as a signal
		 * sent to vaultrun would be.  The line discipline has signalled
		 * the command already.  Outside a stop it is the command's own
		 * business (psql cancels a query on it). */
		if ((sig = relay_typed(s->rl)) != 0 && supervise_stopping(s))
			user_stop(s, sig);
		if (pf[0].revents & POLLIN)
			read_signals(s);
		if (s->kill_at >= 0 && now_ms() >= s->kill_at) {
			kill(-s->pid, SIGKILL);
			s->kill_at = -1;
		}
		if (a && !s->exited)
			a->run(a->ctx, s);
		if (s->exited && s->after == AFTER_RESTART && restart(s) != ST_OK)
			break;
	}
	relay_drain(s->rl);
}

static void cleanup(struct supervisor *s)
{
	relay_free(s->rl);
	if (s->tty >= 0) {
		tcsetpgrp(s->tty, getpgrp()); /* SIGTTOU is blocked */
		close(s->tty);
	}
	pty_free(s->pty);
	if (s->sfd >= 0)
		close(s->sfd);
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
	if (o->sigmask)
		s.orig = *o->sigmask;
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
		s.chld_ignored = 1; /* else children would reap themselves */
		signal(SIGCHLD, SIG_DFL);
	}
	s.rl = relay_new();
	if ((s.sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		rc = error_set(err, ST_OSERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	if ((rc = spawn_start(&s, err)) != ST_OK)
		goto out;
	if (s.relay_in)
		pty_raw(s.pty);
	loop(&s);
	if (s.start_rc != ST_OK) { /* a restart could not start it */
		*err = s.start_err;
		rc = s.start_rc;
		goto out;
	}
	*code = s.after == AFTER_END ? s.end_code : s.code;
	rc = ST_OK;
out:
	cleanup(&s);
	return rc;
}
