/* test_map.c - the byte-string hash map: insertion, lookup, growth. */
#include <stdio.h>
#include <string.h>

#include "map.h"
#include "t.h"

TEST(map_insert_lookup)
{
	struct map *m = map_new();
	size_t v;

	v = 7;
	CHECK(map_get_or_put(m, "alpha", 5, &v) == 0); /* inserted */
	CHECK(v == 7);
	v = 99;
	CHECK(map_get_or_put(m, "alpha", 5, &v) == 1); /* found, not changed */
	CHECK(v == 7);
	v = 8;
	CHECK(map_get_or_put(m, "beta", 4, &v) == 0);
	v = 0;
	CHECK(map_get(m, "alpha", 5, &v) == 1 && v == 7);
	CHECK(map_get(m, "beta", 4, &v) == 1 && v == 8);
	v = 12345;
	CHECK(map_get(m, "gamma", 5, &v) == 0);
	CHECK(v == 12345); /* untouched on a miss */
	/* the length is the key's: "alphabet" cut to 5 bytes is "alpha" */
	CHECK(map_get(m, "alphabet", 5, &v) == 1 && v == 7);
	CHECK(map_get(m, "alph", 4, &v) == 0);
	/* the empty key is a key like any other */
	v = 3;
	CHECK(map_get(m, "", 0, &v) == 0);
	CHECK(map_get_or_put(m, "", 0, &v) == 0);
	v = 0;
	CHECK(map_get(m, "", 0, &v) == 1 && v == 3);
	map_free(m);
}

/* Keys are byte strings: NUL bytes inside them and shared prefixes count. */
TEST(map_binary_keys)
{
	static const struct {
		const char *key;
		size_t len;
	} keys[] = {
		{"ab", 2},          {"ab\0", 3},     {"ab\0c", 4},
		{"ab\0d", 4},       {"\0", 1},       {"\0\0", 2},
		{"abc", 3},         {"abcd", 4},     {"a\0b\0c\0", 6},
		{"a\0b\0c\0\0", 7}, {"abcdefgh", 8}, {"abcdefgi", 8},
	};
	struct map *m = map_new();
	size_t i, v;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = i;
		CHECK(map_get_or_put(m, keys[i].key, keys[i].len, &v) == 0);
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = 999;
		CHECK(map_get(m, keys[i].key, keys[i].len, &v) == 1);
		if (v != i)
			fprintf(stderr, "  key %zu: got value %zu\n", i, v);
		CHECK(v == i);
	}
	CHECK(map_get(m, "ab\0e", 4, &v) == 0);
	CHECK(map_get(m, "a", 1, &v) == 0);
	CHECK(map_get(m, "\0\0\0", 3, &v) == 0);
	map_free(m);
}

TEST(map_set_existing)
{
	struct map *m = map_new();
	size_t v = 1;

	map_get_or_put(m, "k\0x", 3, &v);
	map_set(m, "k\0x", 3, 42);
	v = 0;
	CHECK(map_get(m, "k\0x", 3, &v) == 1 && v == 42);
	/* an absent key is not added */
	map_set(m, "k", 1, 5);
	CHECK(map_get(m, "k", 1, &v) == 0);
	v = 77;
	CHECK(map_get_or_put(m, "k", 1, &v) == 0 && v == 77);
	CHECK(map_get(m, "k\0x", 3, &v) == 1 && v == 42);
	map_free(m);
}

/* Far past the first table (64 slots): every key survives each growth. */
TEST(map_growth)
{
	enum { NKEYS = 100000 };
	struct map *m = map_new();
	char key[32];
	size_t i, v, bad = 0;
	int n;

	for (i = 0; i < NKEYS; i++) {
		n = snprintf(key, sizeof key, "secret/app/%zu", i);
		v = i * 3;
		if (map_get_or_put(m, key, (size_t)n, &v) != 0)
			bad++;
	}
	CHECK(bad == 0);
	for (i = 0; i < NKEYS; i++) {
		n = snprintf(key, sizeof key, "secret/app/%zu", i);
		v = 0;
		if (map_get(m, key, (size_t)n, &v) != 1 || v != i * 3)
			bad++;
		/* inserting again finds the same value */
		v = 1;
		if (map_get_or_put(m, key, (size_t)n, &v) != 1 || v != i * 3)
			bad++;
	}
	CHECK(bad == 0);
	for (i = NKEYS; i < NKEYS + 1000; i++) {
		n = snprintf(key, sizeof key, "secret/app/%zu", i);
		if (map_get(m, key, (size_t)n, &v) != 0)
			bad++;
	}
	CHECK(bad == 0);
	map_free(m);
}

TEST(map_free_null)
{
	map_free(NULL);
	map_free(map_new()); /* empty */
}

/* Reserved room: every key put and found again, reserved before or not. */
TEST(map_reserve_keeps_every_key)
{
	struct map *m = map_new();
	char key[16];
	size_t i, v;
	int ok = 1;

	map_reserve(m, 3000);
	map_reserve(m, 10); /* never shrinks */
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		v = i;
		ok &= map_get_or_put(m, key, strlen(key), &v) == 0;
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		ok &= map_get(m, key, strlen(key), &v) == 1 && v == i;
	}
	CHECK(ok);
	map_free(m);
}
