/* test_multi.c - libcurl's own descriptors become close-on-exec. */
#include <fcntl.h>
#include <poll.h>

#include "multi.h"
#include "t.h"

TEST(multi_descriptors_close_on_exec)
{
	unsigned char before[256];
	struct pollfd pf[4];
	CURLM *m;
	int fd, flags;

	for (fd = 0; fd < 256; fd++)
		before[fd] = fcntl(fd, F_GETFD) != -1;
	m = multi_new();
	REQUIRE(m != NULL);
	/* libcurl 7.88 opens its wake-up socket pair without close-on-exec */
	for (fd = 0; fd < 256; fd++) {
		if (before[fd] || (flags = fcntl(fd, F_GETFD)) == -1)
			continue;
		CHECK(flags & FD_CLOEXEC);
	}
	/* nothing added: nothing to wait on */
	CHECK(multi_pollfds(m, pf, 4) == 0);
	curl_multi_cleanup(m);
	curl_global_cleanup();
}
