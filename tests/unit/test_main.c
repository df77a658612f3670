/* test_main.c - runs every registered TEST, optionally filtered by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "json.h"
#include "t.h"
#include "util.h"

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

struct jdoc *t_doc(const char *obj)
{
	struct error err;
	struct jdoc *d = NULL;
	char *body = xasprintf("{\"data\":%s}", obj);

	json_init();
	if (answer_secret(body, strlen(body), 1, &d, &err) != ST_OK)
		fprintf(stderr, "  doc %s: %s\n", obj, err.msg);
	free(body);
	return d;
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
