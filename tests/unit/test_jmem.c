/* test_jmem.c - jansson's loader: numbers keep their exact text, strings
 * are never numbers, jansson's flags and errors pass through. */
#include <string.h>

#include "jmem.h"
#include "t.h"

static int text_is(json_t *v, const char *want)
{
	const struct secret *s = jmem_number(v);

	if (want == NULL)
		return s == NULL;
	return s != NULL && s->len == strlen(want) &&
	       memcmp(s->p, want, s->len) == 0;
}

TEST(jmem_numbers_keep_their_text)
{
	static const char body[] = "[1.50, 2, -0, 18446744073709551616, \"3.0\", "
				   "1e400, -9223372036854775808, 0.1, null]";
	static const char *const want[] = {
		"1.50", NULL,  "-0", "18446744073709551616", NULL, "1e400",
		NULL,   "0.1", NULL,
	};
	json_error_t jerr;
	json_t *v;
	size_t i;

	v = jmem_load(body, strlen(body), 0, &jerr);
	REQUIRE(v != NULL && json_array_size(v) == sizeof want / sizeof want[0]);
	for (i = 0; i < json_array_size(v); i++)
		CHECK(text_is(json_array_get(v, i), want[i]));
	CHECK(json_is_integer(json_array_get(v, 1)) &&
	      json_integer_value(json_array_get(v, 1)) == 2);
	CHECK(json_is_string(json_array_get(v, 4)));
	json_decref(v);
}

TEST(jmem_numbers_nested_and_plain_texts)
{
	/* no number that keeps its text: jansson reads the text itself */
	static const char plain[] = "{\"a\":[1,2],\"s\":\"1.5\"}";
	static const char nested[] = "{\"a\":{\"b\":[[2.5e-7]]},\"c\":1.0}";
	json_error_t jerr;
	json_t *v, *b;

	v = jmem_load(plain, strlen(plain), 0, &jerr);
	REQUIRE(v != NULL);
	CHECK(text_is(json_array_get(json_object_get(v, "a"), 0), NULL));
	CHECK(text_is(json_object_get(v, "s"), NULL));
	json_decref(v);
	v = jmem_load(nested, strlen(nested), 0, &jerr);
	REQUIRE(v != NULL);
	b = json_object_get(json_object_get(v, "a"), "b");
	CHECK(text_is(json_array_get(json_array_get(b, 0), 0), "2.5e-7"));
	CHECK(text_is(json_object_get(v, "c"), "1.0"));
	json_decref(v);
}

/* A real the loader did not make carries no text: never an index. */
TEST(jmem_number_of_a_built_real)
{
	json_t *r;

	jmem_init();
	jmem_init();
	r = json_real(1.5);
	REQUIRE(r != NULL);
	CHECK(jmem_number(r) == NULL);
	json_decref(r);
}

TEST(jmem_load_flags_and_errors)
{
	static const char nul[] = "\"a\\u0000b\"";
	static const char dup[] = "{\"a\":1.5,\"a\":2}";
	static const char bad[] = "{\"a\":1.5,";
	json_error_t jerr;
	json_t *v;

	/* NUL bytes always load; JSON_DECODE_ANY passes through */
	v = jmem_load(nul, strlen(nul), JSON_DECODE_ANY, &jerr);
	REQUIRE(v != NULL);
	CHECK(json_string_length(v) == 3 &&
	      memcmp(json_string_value(v), "a\0b", 3) == 0);
	json_decref(v);
	CHECK(jmem_load(nul, strlen(nul), 0, &jerr) == NULL);
	/* as do jansson's errors, with numbers widened or not */
	CHECK(jmem_load(dup, strlen(dup), JSON_REJECT_DUPLICATES, &jerr) == NULL);
	CHECK(json_error_code(&jerr) == json_error_duplicate_key);
	v = jmem_load(dup, strlen(dup), 0, &jerr);
	CHECK(v != NULL && text_is(json_object_get(v, "a"), NULL));
	json_decref(v);
	CHECK(jmem_load(bad, strlen(bad), 0, &jerr) == NULL);
	CHECK(jmem_load("", 0, 0, &jerr) == NULL);
}
