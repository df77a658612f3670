/* test_preconnect.c - which addresses get connections opened ahead. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "preconnect.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *url;
	size_t n;
	int opened;
} urls[] = {
	/* plain http to a numeric address only */
	{"http://127.0.0.1:1", 2, 1},
	{"HTTP://127.0.0.1:1/", 1, 1},
	{"http://[::1]:1", 1, 1},
	{"http://127.0.0.1:1", 0, 0},
	/* over https, ALPN decides first whether one connection is enough */
	{"https://127.0.0.1:1", 2, 0},
	/* a name would need a DNS lookup outside libcurl's */
	{"http://vault.example:8200", 2, 0},
	{"http://localhost:8200", 2, 0},
	{"not a url", 2, 0},
};

TEST(preconnect_only_plain_http_to_a_numeric_host)
{
	size_t i;

	for (i = 0; i < N(urls); i++) {
		struct preconnect *p = preconnect_open(urls[i].url, urls[i].n);

		if ((p != NULL) != urls[i].opened)
			fprintf(stderr, "  case %zu: %s\n", i, urls[i].url);
		CHECK((p != NULL) == urls[i].opened);
		preconnect_free(p);
	}
}

/* A socket is handed out only for the address it was opened to, and only
 * once connected: port 1 refuses, so nothing is handed out at all. */
TEST(preconnect_take_matches_the_address)
{
	struct preconnect *p = preconnect_open("http://127.0.0.1:1", 2);
	struct sockaddr_in other, same;

	REQUIRE(p != NULL);
	memset(&other, 0, sizeof other);
	other.sin_family = AF_INET;
	other.sin_port = htons(2);
	other.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	same = other;
	same.sin_port = htons(1);
	CHECK(preconnect_take(p, (struct sockaddr *)&other, sizeof other) == -1);
	CHECK(preconnect_take(p, (struct sockaddr *)&same, sizeof same) == -1);
	CHECK(preconnect_take(NULL, (struct sockaddr *)&same, sizeof same) == -1);
	preconnect_free(p);
}
