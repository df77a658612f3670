/* test_report.c - --check's lines and the error lines, from the list of
 * changes alone: each outcome gives its exact line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "changes.h"
#include "report.h"
#include "status.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *value;
	int is_file;
	const char *profile;
	const char *defaulted; /* why, or NULL */
	int leased;
	long duration;
	int renewable;
	const char *want;
} outcomes[] = {
	{"abc", 0, NULL, NULL, 0, 0, 0, " ok ******** (3 bytes)"},
	{"", 0, NULL, NULL, 0, 0, 0, " ok ******** (0 bytes)"},
	{"abcd", 1, NULL, NULL, 0, 0, 0, " ok ******** (4 bytes, file)"},
	{"ab", 0, NULL, NULL, 1, 3600, 1,
         " ok ******** (2 bytes, lease 1h, renewable)"},
	{"ab", 1, NULL, NULL, 1, 90, 0,
         " ok ******** (2 bytes, file, lease 1m30s, not renewable)"},
	{"dflt", 0, NULL, "key 'x' not found", 0, 0, 0,
         " default ******** (4 bytes; key 'x' not found)"},
	{"dflt", 1, NULL, "not found", 0, 0, 0,
         " default ******** (4 bytes, file; not found)"},
	{"host", 0, "db", NULL, 0, 0, 0, " (profile db) ok ******** (4 bytes)"},
	{"pem", 1, "db", NULL, 1, 60, 1,
         " (profile db) ok ******** (3 bytes, file, lease 1m, renewable)"},
};

TEST(report_change_text_gives_each_outcome_its_line)
{
	size_t i;

	for (i = 0; i < N(outcomes); i++) {
		struct changes *c = changes_new();
		struct secret s = {(char *)outcomes[i].value,
		                   strlen(outcomes[i].value)};
		char *text;

		changes_add(c, "NAME", &s, outcomes[i].is_file, "secret/a#k",
		            outcomes[i].profile);
		if (outcomes[i].defaulted)
			changes_set_default(c, outcomes[i].defaulted);
		if (outcomes[i].leased)
			changes_set_lease(c, outcomes[i].duration,
			                  outcomes[i].renewable);
		text = report_change_text(changes_get(c, 0));
		CHECK_STR(text, outcomes[i].want);
		free(text);
		changes_free(c);
	}
}

/* What f(c) writes on fd (1 or 2), in buf. */
static void capture(int fd, void (*f)(const struct changes *),
                    const struct changes *c, char *buf, size_t cap)
{
	FILE *tmp = tmpfile();
	int saved = dup(fd);
	size_t n;

	buf[0] = '\0';
	if (tmp == NULL || saved < 0)
		return;
	fflush(NULL);
	dup2(fileno(tmp), fd);
	f(c);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, cap - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

static int failed_with;

static void failures(const struct changes *c)
{
	failed_with = report_failures(c);
}

/* Two changes, failures before, between and after them (one superseded,
 * one with a shared cause). */
static struct changes *mixed(void)
{
	struct changes *c = changes_new();
	struct secret a = {"aa", 2}, b = {"bbb", 3};
	struct change_failure f;

	memset(&f, 0, sizeof f);
	f.name = "E1";
	f.ref = "secret/e1#k";
	f.where = "m.ini:3";
	f.status = ST_NOINPUT;
	f.reason = "not found";
	changes_fail(c, &f);
	changes_add(c, "A", &a, 0, "secret/a#k", NULL);
	f.name = "E2";
	f.ref = "secret/e2#k";
	f.where = "environment";
	f.status = ST_NOPERM;
	f.reason = "permission denied";
	f.superseded = 1;
	changes_fail(c, &f);
	changes_add(c, "B", &b, 1, "secret/b#k", NULL);
	f.name = "E3";
	f.ref = "secret/e3#k";
	f.where = "m.ini:9";
	f.reason = "no token";
	f.cause = "no token: set VAULT_TOKEN";
	f.superseded = 0;
	changes_fail(c, &f);
	return c;
}

TEST(report_check_puts_failures_in_plan_order)
{
	struct changes *c = mixed();
	char out[1024];

	REQUIRE(changes_nfailed(c) == 3);
	CHECK(changes_failed(c, 0)->before == 0);
	CHECK(changes_failed(c, 1)->before == 1);
	CHECK(changes_failed(c, 2)->before == 2);
	capture(STDOUT_FILENO, report_check, c, out, sizeof out);
	CHECK_STR(out, "E1 secret/e1#k error: not found\n"
	               "A secret/a#k ok ******** (2 bytes)\n"
	               "B secret/b#k ok ******** (3 bytes, file)\n"
	               "E3 secret/e3#k error: no token\n");
	changes_free(c);
}

TEST(report_failures_says_each_once_and_returns_the_first_status)
{
	struct changes *c = mixed(), *none = changes_new();
	char out[1024];

	capture(STDERR_FILENO, failures, none, out, sizeof out);
	CHECK(failed_with == ST_OK);
	CHECK_STR(out, "");
	capture(STDERR_FILENO, failures, c, out, sizeof out);
	CHECK(failed_with == ST_NOINPUT);
	CHECK_STR(out, "vaultrun: m.ini:3: E1: secret/e1#k: not found\n"
	               "vaultrun: environment: E2: secret/e2#k: permission "
	               "denied\n"
	               "vaultrun: no token: set VAULT_TOKEN\n"
	               "vaultrun: m.ini:9: E3: secret/e3#k: no token\n");
	changes_free(c);
	changes_free(none);
}
