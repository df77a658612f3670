/* test_policy.c - the fetcher's decisions: the cap, retries, redirects,
 * the loop's timeout. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "policy.h"
#include "status.h"
#include "t.h"

TEST(policy_cap_table)
{
	static const struct {
		long concurrency;
		int tls;
		long want, conns, cap;
		int mux;
	} cases[] = {
		{0, 0, 32, 32, 32, 0}, /* plain http: HTTP/1.1 from the start */
		{0, 1, 250, 32, 100, -1}, /* https: the first flight, then 250 */
		{8, 0, 8, 8, 8, 0},       /* -j 8 */
		{8, 1, 8, 8, 8, -1},      /* -j below the first flight */
		{500, 1, 500, 500, 100, -1}, /* -j above it: 100 until known */
		{1, 0, 1, 1, 1, 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct policy_cap c;

		policy_cap_start(cases[i].concurrency, cases[i].tls, &c);
		if (c.want != cases[i].want || c.conns != cases[i].conns ||
		    c.cap != cases[i].cap || c.mux != cases[i].mux)
			fprintf(stderr,
			        "  case %zu: want %ld conns %ld cap %ld mux %d\n",
			        i, c.want, c.conns, c.cap, c.mux);
		CHECK(c.want == cases[i].want);
		CHECK(c.conns == cases[i].conns);
		CHECK(c.cap == cases[i].cap);
		CHECK(c.mux == cases[i].mux);
	}
	/* once known: HTTP/2 takes the wanted cap, HTTP/1.1 32 connections
	 * unless -j said otherwise */
	CHECK(policy_cap_known(0, 250, 1) == 250);
	CHECK(policy_cap_known(0, 250, 0) == 32);
	CHECK(policy_cap_known(500, 500, 0) == 500);
	CHECK(policy_cap_known(500, 500, 1) == 500);
}

TEST(policy_retry_status_table)
{
	static const struct {
		long status;
		const char *body;
		int retry;
	} cases[] = {
		{412, "{}", 1},
		{429, "{}", 1},
		{500, "{\"errors\":[\"internal error\"]}", 1},
		{502, "", 1},
		{503, "{\"errors\":[\"Vault is sealed\"]}", 1},
		{504, NULL, 1},
		{500, "{\"errors\":[\"missing client token\"]}", 0},
		{503, "missing client token", 0},
		{200, "{}", 0},
		{301, "", 0},
		{400, "{}", 0},
		{401, "{}", 0},
		{403, "{}", 0},
		{404, "{\"errors\":[]}", 0},
		{405, "", 0},
		{501, "", 0},
		{505, "", 0},
		{0, "", 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *b = cases[i].body;
		int got = policy_retry_status(cases[i].status, b,
		                              b ? strlen(b) : 0);

		if (got != cases[i].retry)
			fprintf(stderr, "  case %zu: status %ld\n", i,
			        cases[i].status);
		CHECK(got == cases[i].retry);
	}
	/* only the answer's own bytes count */
	CHECK(policy_retry_status(500, "missing client token", 7) == 1);
}

/* Transport failures: which get another attempt, and which mean that the
 * address, not the request, failed (no connection at all). */
TEST(policy_curl_codes_table)
{
	static const struct {
		CURLcode rc;
		int retry, unreachable;
	} cases[] = {
		{CURLE_COULDNT_CONNECT, 1, 1},
		{CURLE_SEND_ERROR, 1, 0},
		{CURLE_RECV_ERROR, 1, 0},
		{CURLE_GOT_NOTHING, 1, 0},
		{CURLE_PARTIAL_FILE, 1, 0},
		{CURLE_HTTP2, 1, 0},
		{CURLE_HTTP2_STREAM, 1, 0},
		{CURLE_OPERATION_TIMEDOUT, 1, 0},
		{CURLE_OK, 0, 0},
		{CURLE_COULDNT_RESOLVE_HOST, 0, 1},
		{CURLE_COULDNT_RESOLVE_PROXY, 0, 1},
		{CURLE_SSL_CONNECT_ERROR, 0, 1},
		{CURLE_PEER_FAILED_VERIFICATION, 0, 1},
		{CURLE_SSL_CACERT_BADFILE, 0, 0},
		{CURLE_UNSUPPORTED_PROTOCOL, 0, 0},
		{CURLE_WEIRD_SERVER_REPLY, 0, 0},
		{CURLE_TOO_MANY_REDIRECTS, 0, 0},
		{CURLE_OUT_OF_MEMORY, 0, 0},
		{CURLE_WRITE_ERROR, 0, 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int retry = policy_retry_curl(cases[i].rc);
		int unreachable = policy_unreachable(cases[i].rc);

		if (retry != cases[i].retry || unreachable != cases[i].unreachable)
			fprintf(stderr, "  case %zu: %s\n", i,
			        curl_easy_strerror(cases[i].rc));
		CHECK(retry == cases[i].retry);
		CHECK(unreachable == cases[i].unreachable);
	}
}

TEST(policy_backoff_grows_to_its_cap)
{
	static const struct {
		unsigned attempts;
		double ceiling;
	} cases[] = {
		{0, 250},  {1, 250},   {2, 500},
		{3, 1000}, {4, 2000},  {5, 4000},
		{6, 4000}, {20, 4000}, {4000000000u, 4000},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (policy_backoff(cases[i].attempts) != cases[i].ceiling)
			fprintf(stderr, "  attempts %u: %g\n", cases[i].attempts,
			        policy_backoff(cases[i].attempts));
		CHECK(policy_backoff(cases[i].attempts) == cases[i].ceiling);
	}
}

TEST(policy_jitter_spreads_within_bounds)
{
	unsigned long long rng = 1, again = 1;
	double lo = 1e9, hi = -1, v;
	int i;

	for (i = 0; i < 1000; i++) {
		v = policy_jitter(&rng, 1000);
		CHECK(v >= 0 && v < 1000);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	CHECK(lo < 100 && hi > 900); /* full jitter: the whole range */
	CHECK(rng != 1);
	/* the same state gives the same draw */
	rng = 42;
	again = 42;
	CHECK(policy_jitter(&rng, 500) == policy_jitter(&again, 500));
	CHECK(rng == again);
}

TEST(policy_wait_table)
{
	static const struct {
		unsigned attempts;
		int max_retries;
		double retry_after, now, deadline;
		double lo, hi; /* the wait in [lo, hi); lo -1: no retry */
	} cases[] = {
		/* the server's Retry-After, exactly */
		{1, 2, 3000, 0, 10000, 3000, 3000.5},
		/* no Retry-After: full jitter under the backoff ceiling */
		{1, 2, 0, 0, 10000, 0, 250},
		{2, 2, 0, 0, 10000, 0, 500},
		{3, 5, 0, 0, 10000, 0, 1000},
		{9, 9, 0, 0, 100000, 0, 4000},
		/* past max_retries: attempts counts the first one */
		{3, 2, 0, 0, 10000, -1, -1},
		{1, 0, 0, 0, 10000, -1, -1},
		{3, 2, 100, 0, 10000, -1, -1},
		/* a Retry-After that would end at or after the deadline */
		{1, 2, 5000, 6000, 11000, -1, -1},
		{1, 2, 5000, 6000, 10999, -1, -1},
		{1, 2, 5000, 6000, 11001, 5000, 5000.5},
		/* the deadline already passed */
		{1, 2, 0, 10000, 10000, -1, -1},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned long long rng = 0x9e3779b97f4a7c15ULL + i;
		double w = policy_wait(cases[i].attempts, cases[i].max_retries,
		                       cases[i].retry_after, cases[i].now,
		                       cases[i].deadline, &rng);
		int ok = cases[i].lo < 0 ? w == -1 :
		                           w >= cases[i].lo && w < cases[i].hi;

		if (!ok)
			fprintf(stderr, "  case %zu: wait %g\n", i, w);
		CHECK(ok);
	}
}

TEST(policy_poll_ms_table)
{
	static const struct {
		double next, now;
		long curl_ms, want;
	} cases[] = {
		/* due: at or past next, the deadline passed */
		{1000, 1000, -1, 0},
		{999.5, 1000, -1, 0},
		{0, 1e12, -1, 0},
		{-1e300, 0, -1, 0},
		/* a fraction of a ms left rounds up: never 0 before next */
		{1000.001, 1000, -1, 1},
		{1000.999, 1000, -1, 1},
		{1e12 + 0.25, 1e12, -1, 1},
		/* whole ms: past next, so the wake-up finds it due */
		{1001, 1000, -1, 2},
		{1250.5, 1000, -1, 251},  /* a retry's backoff */
		{31000, 1000, -1, 30001}, /* the deadline, 30 s on */
		/* far off: INT_MAX at most, no overflow */
		{2147483646.5, 0, -1, INT_MAX},
		{2147483647.0, 0, -1, INT_MAX},
		{1e300, -1e300, -1, INT_MAX},
		{HUGE_VAL, 0, -1, INT_MAX},
		{NAN, 0, -1, INT_MAX},
		/* libcurl's timer wins when sooner, never when later */
		{5000, 0, 3, 3},
		{5000, 0, 0, 0},
		{5000, 0, 9000, 5001},
		{1e300, 0, 250, 250},
		{0, 10, 5, 0},
		{NAN, 0, 7, 7},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long ms = policy_poll_ms(cases[i].next, cases[i].now,
		                         cases[i].curl_ms);

		if (ms != cases[i].want)
			fprintf(stderr, "  case %zu: %ld, want %ld\n", i, ms,
			        cases[i].want);
		CHECK(ms == cases[i].want);
	}
}

TEST(policy_redirect_table)
{
	static const struct {
		int follow, redirected;
		const char *url, *loc, *refused;
	} cases[] = {
		{1, 0, "https://a/v1/x", "https://b/v1/x", NULL},
		{1, 0, "http://a/v1/x", "http://b/v1/x", NULL},
		{1, 0, "http://a/v1/x", "https://b/v1/x", NULL},
		{1, 0, "HTTPS://a/v1/x", "HTTPS://b/v1/x", NULL},
		{1, 0, "https://a/v1/x", "http://b/v1/x",
	         "redirect from https to http refused"},
		{1, 0, "https://a/v1/x", "HTTP://b/v1/x",
	         "redirect from https to http refused"},
		{1, 0, "https://a/v1/x", NULL, "redirect without a Location"},
		{1, 1, "https://a/v1/x", "https://b/v1/x",
	         "redirected more than once"},
		{0, 0, "https://a/v1/x", "https://b/v1/x",
	         "redirect refused (VAULT_DISABLE_REDIRECTS is set)"},
		{0, 1, "https://a/v1/x", "http://b/v1/x",
	         "redirect refused (VAULT_DISABLE_REDIRECTS is set)"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *r = policy_redirect(cases[i].follow,
		                                cases[i].redirected,
		                                cases[i].url, cases[i].loc);

		if (cases[i].refused == NULL)
			CHECK(r == NULL);
		else
			CHECK_STR(r, cases[i].refused);
	}
	CHECK(policy_is_redirect(301));
	CHECK(policy_is_redirect(302));
	CHECK(policy_is_redirect(307));
	CHECK(!policy_is_redirect(303));
	CHECK(!policy_is_redirect(308));
	CHECK(!policy_is_redirect(300));
	CHECK(!policy_is_redirect(200));
}

TEST(policy_expire_table)
{
	static const struct {
		unsigned attempts;
		long last_status;
		const char *last_reason;
		long status;
		int failure;
		const char *reason;
	} cases[] = {
		/* never sent */
		{0, 0, NULL, 0, ST_TEMPFAIL,
	         "deadline passed before the request could be sent"},
		{0, 503, NULL, 0, ST_TEMPFAIL,
	         "deadline passed before the request could be sent"},
		/* waiting to retry an answer: that answer */
		{1, 503, NULL, 503, 0, NULL},
		{3, 429, "ignored", 429, 0, NULL},
		/* waiting to retry a transport failure: that failure */
		{2, 0, "Connection refused", 0, ST_UNAVAILABLE,
	         "Connection refused"},
		{1, 0, NULL, 0, ST_UNAVAILABLE, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *reason = "unset";
		int failure = -1;
		long status = policy_expire(cases[i].attempts,
		                            cases[i].last_status,
		                            cases[i].last_reason, &failure,
		                            &reason);

		CHECK(status == cases[i].status);
		CHECK(failure == cases[i].failure);
		if (cases[i].reason)
			CHECK_STR(reason, cases[i].reason);
		else
			CHECK(reason == NULL);
	}
}
