/* test_engine.c - when a path may be sent, and how: the decision table. */
#include "engine.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

TEST(engine_action_table)
{
	static const struct {
		enum mount_kind kind;
		int request;
		unsigned long version;
		enum read_action want;
	} cases[] = {
		/* unknown mount: only a KV-form read goes out beside the
		 * preflight; a write waits; a read as written never happens
		 * before the preflight has answered */
		{MK_UNKNOWN, 0, 0, RA_SPECULATE},
		{MK_UNKNOWN, 0, 3, RA_SPECULATE},
		{MK_UNKNOWN, 1, 0, RA_WAIT},
		{MK_UNKNOWN, 1, 2, RA_WAIT},
		/* detection refused: KV is guessed, a write is not sent blind */
		{MK_GUESS, 0, 0, RA_GUESS},
		{MK_GUESS, 0, 1, RA_GUESS},
		{MK_GUESS, 1, 0, RA_BLIND},
		/* KV mounts are read, never written */
		{MK_KV1, 0, 0, RA_KV1},
		{MK_KV1, 0, 2, RA_BAD_VERSION},
		{MK_KV1, 1, 0, RA_BAD_REQUEST},
		{MK_KV1, 1, 2, RA_BAD_REQUEST},
		{MK_KV2, 0, 0, RA_KV2},
		{MK_KV2, 0, 7, RA_KV2},
		{MK_KV2, 1, 0, RA_BAD_REQUEST},
		/* engines: as written, GET or POST, never with a version */
		{MK_ENGINE, 0, 0, RA_ENGINE_GET},
		{MK_ENGINE, 1, 0, RA_ENGINE_POST},
		{MK_ENGINE, 0, 1, RA_BAD_VERSION},
		{MK_ENGINE, 1, 1, RA_BAD_VERSION},
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		enum read_action got = engine_action(cases[i].kind,
		                                     cases[i].request,
		                                     cases[i].version);

		if (got != cases[i].want)
			fprintf(stderr, "  case %zu: got %d, want %d\n", i,
			        (int)got, (int)cases[i].want);
		CHECK(got == cases[i].want);
	}
}
