/* test_arena.c - strings that stay where they are until one free. */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "t.h"

/* Strings of every size up to a few blocks: each stays intact while the
 * arena grows, including one larger than any block. */
TEST(arena_strings_stay)
{
	static const size_t sizes[] = {0, 1, 7, 255, 256, 1000, 70000, 3};
	struct arena *a = arena_new();
	char *kept[8][50], text[70001];
	size_t i, j, k;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		memset(text, 'a' + (int)i, sizes[i]);
		text[sizes[i]] = '\0';
		for (j = 0; j < 50; j++)
			kept[i][j] = arena_strdup(a, text);
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (j = 0; j < 50; j++) {
			CHECK(strlen(kept[i][j]) == sizes[i]);
			for (k = 0; k < sizes[i]; k++)
				if (kept[i][j][k] != 'a' + (int)i)
					break;
			CHECK(k == sizes[i]);
		}
	arena_free(a);
	arena_free(NULL);
}

/* strndup copies n bytes and terminates them; the text may go on. */
TEST(arena_strndup_cuts)
{
	struct arena *a = arena_new();
	char *s = arena_strndup(a, "secret/app#value", 10);

	CHECK(strcmp(s, "secret/app") == 0);
	s = arena_strndup(a, "", 0);
	CHECK(*s == '\0');
	arena_free(a);
}
