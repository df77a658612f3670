/* test_relay.c - the masked streams: a value split across writes leaves
 * masked, the masker learns new values on a reset, a stream vaultrun does
 * not own stays open, stdin is polled only while relayed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "mask.h"
#include "relay.h"
#include "t.h"

/* One wake-up of the loop: poll what the relay asks for, pump it. */
static size_t step(struct relay *rl)
{
	struct pollfd pf[RELAY_FDS];
	size_t n = relay_fds(rl, pf);

	if (poll(pf, n, 1000) > 0)
		relay_pump(rl, pf, n);
	return n;
}

/* A pipe whose read end is non-blocking, as the supervisor's are. */
static int nb_pipe(int p[2])
{
	return pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_SETFL, O_NONBLOCK) == 0;
}

/* The writes, one wake-up each, then the end: what came out. */
static void through(struct relay *rl, const char *const *writes, int own,
                    char *out, size_t cap)
{
	int in[2], o[2];
	ssize_t n;

	out[0] = '\0';
	if (!nb_pipe(in) || !nb_pipe(o))
		return;
	relay_add(rl, in[0], o[1], own);
	for (; *writes; writes++) {
		(void)!write(in[1], *writes, strlen(*writes));
		step(rl);
	}
	close(in[1]);
	relay_drain(rl);
	CHECK((fcntl(in[0], F_GETFD) >= 0) == !own);
	if (!own)
		close(in[0]);
	close(o[1]);
	n = read(o[0], out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	close(o[0]);
}

TEST(relay_masks_across_writes_and_resets)
{
	static const char *const first[] = {"pw=hunt", "er2x-", "secret.", NULL};
	static const char *const second[] = {"old hunter2x-secret new ",
	                                     "fresh-v", "alue!", NULL};
	char out[256];
	struct relay *rl;

	mask_add("hunter2x-secret", 15);
	rl = relay_new();
	through(rl, first, 1, out, sizeof out);
	CHECK_STR(out, "pw=********.");
	/* A value registered later is known once the relay is reset (a
	 * restart), the old ones still. */
	mask_add("fresh-value", 11);
	relay_reset(rl);
	through(rl, second, 0, out, sizeof out);
	CHECK_STR(out, "old ******** new ********!");
	relay_free(rl);
	mask_clear();
}

TEST(relay_polls_stdin_while_relayed)
{
	struct pollfd pf[RELAY_FDS];
	struct relay *rl = relay_new();
	int p[2];

	REQUIRE(nb_pipe(p));
	relay_add(rl, p[0], p[1], 1);
	CHECK(relay_fds(rl, pf) == 1);
	relay_input(rl, p[1]);
	CHECK(relay_fds(rl, pf) == 2 && pf[1].fd == 0);
	relay_reset(rl); /* a restart: nothing relayed until plumbed again */
	CHECK(relay_fds(rl, pf) == 0);
	CHECK(fcntl(p[0], F_GETFD) < 0 && errno == EBADF); /* owned: closed */
	close(p[1]);
	relay_free(rl);
	relay_free(NULL);
}
