/* test_main.c - runs every registered TEST, optionally filtered by name. */
#include <stdio.h>
#include <string.h>

#include "t.h"

static struct t_case *head, **tail = &head;
static int failures_in_case;

void t_register(struct t_case *c)
{
	*tail = c;
	tail = &c->next;
}

void t_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "  %s:%d: CHECK failed: %s\n", file, line, expr);
	failures_in_case++;
}

int main(int argc, char **argv)
{
	struct t_case *c;
	int passed = 0, failed = 0;

	for (c = head; c; c = c->next) {
		if (argc > 1 && strstr(c->name, argv[1]) == NULL)
			continue;
		failures_in_case = 0;
		c->fn();
		if (failures_in_case) {
			fprintf(stderr, "FAIL %s\n", c->name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
