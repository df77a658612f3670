/* stop.c - record a stop signal and wake the fetch loop (self-pipe). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "stop.h"

static const int signals[] = {SIGTERM, SIGINT, SIGHUP};
#define NSIG_STOP (sizeof signals / sizeof signals[0])

static volatile sig_atomic_t caught;
static int pipefd[2] = {-1, -1};
static struct sigaction saved[NSIG_STOP];
static int installed[NSIG_STOP];

static void on_signal(int sig)
{
	int e = errno;

	if (caught == 0)
		caught = sig;
	if (pipefd[1] >= 0) /* non-blocking: a full pipe is awake already */
		(void)!write(pipefd[1], "", 1);
	errno = e;
}

int stop_catch(struct error *err)
{
	struct sigaction sa;
	size_t i;

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0)
		return error_set(err, ST_OSERR, "pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSIG_STOP; i++) {
		if (sigaction(signals[i], NULL, &saved[i]) != 0)
			continue;
		if (saved[i].sa_handler == SIG_IGN)
			continue; /* nohup and friends: the caller wants it ignored */
		if (sigaction(signals[i], &sa, NULL) == 0)
			installed[i] = 1;
	}
	return ST_OK;
}

const volatile sig_atomic_t *stop_flag(void)
{
	return &caught;
}

int stop_fd(void)
{
	return pipefd[0];
}

int stop_signal(void)
{
	return (int)caught;
}

int stop_release(void)
{
	sigset_t block, old;
	size_t i;

	/* Blocked while the dispositions change: a signal that comes now is
	 * delivered when they are back, as the caller set it. */
	sigemptyset(&block);
	for (i = 0; i < NSIG_STOP; i++)
		sigaddset(&block, signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < NSIG_STOP; i++)
		if (installed[i]) {
			sigaction(signals[i], &saved[i], NULL);
			installed[i] = 0;
		}
	for (i = 0; i < 2; i++)
		if (pipefd[i] >= 0) {
			close(pipefd[i]);
			pipefd[i] = -1;
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return (int)caught;
}
