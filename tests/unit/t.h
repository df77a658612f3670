/* t.h - a minimal unit test harness.
 *
 * TEST(name) { ... } defines a test that registers itself at start-up;
 * test_main.c runs them all and prints "N passed, N failed".  CHECK records a
 * failure and goes on; REQUIRE returns from the test.
 */
#ifndef VAULTRUN_T_H
#define VAULTRUN_T_H

#include <stdio.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
	struct t_case *next;
};

void t_register(struct t_case *c);
void t_fail(const char *file, int line, const char *expr);

/* A secret object given as JSON text, parsed through the KV v1 envelope
 * (NULL, with a note on stderr, when it does not parse). */
struct jdoc;
struct jdoc *t_doc(const char *obj);

#define TEST(name)                                                             \
	static void name(void);                                                \
	static struct t_case t_case_##name = {#name, name, NULL};              \
	__attribute__((constructor)) static void t_reg_##name(void)            \
	{                                                                      \
		t_register(&t_case_##name);                                    \
	}                                                                      \
	static void name(void)

#define CHECK(e)                                                               \
	do {                                                                   \
		if (!(e))                                                      \
			t_fail(__FILE__, __LINE__, #e);                        \
	} while (0)
#define REQUIRE(e)                                                             \
	do {                                                                   \
		if (!(e)) {                                                    \
			t_fail(__FILE__, __LINE__, #e);                        \
			return;                                                \
		}                                                              \
	} while (0)
#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *t_a = (a), *t_b = (b);                             \
		if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {     \
			fprintf(stderr, "  got \"%s\", want \"%s\"\n",         \
			        t_a ? t_a : "(null)", t_b ? t_b : "(null)");   \
			t_fail(__FILE__, __LINE__, #a " == " #b);              \
		}                                                              \
	} while (0)

#endif
