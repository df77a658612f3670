/* test_env.c - the list of changes, and envp built from it. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "changes.h"
#include "env.h"
#include "t.h"

static void add(struct changes *c, const char *name, const char *value, int is_file)
{
	struct secret s = {(char *)value, strlen(value)};

	changes_add(c, name, &s, is_file, "secret/x#k", NULL);
}

static const char *find(char **envp, const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

TEST(changes_equal_compares_names_values_and_kind)
{
	struct changes *a = changes_new(), *b = changes_new();

	add(a, "A", "one", 0);
	add(b, "A", "one", 0);
	CHECK(changes_equal(a, b));
	CHECK(changes_equal(NULL, NULL));
	add(a, "B", "two", 0);
	CHECK(!changes_equal(a, b));
	add(b, "B", "twO", 0);
	CHECK(!changes_equal(a, b));
	changes_free(b);
	b = changes_new();
	add(b, "A", "one", 0);
	add(b, "B", "two", 1); /* the same bytes, through a memfd */
	CHECK(!changes_equal(a, b));
	changes_free(a);
	changes_free(b);
	changes_free(NULL);
}

TEST(changes_own_copies)
{
	struct changes *c = changes_new();
	char name[] = "NAME", value[] = "v\0w";
	struct secret s = {value, 3};
	const struct change *e;

	changes_add(c, name, &s, 0, "ref", "prof");
	memset(name, 'x', 4);
	memset(value, 'y', 3);
	REQUIRE(changes_count(c) == 1);
	e = changes_get(c, 0);
	CHECK_STR(e->name, "NAME");
	CHECK(e->value.len == 3 && memcmp(e->value.p, "v\0w", 3) == 0);
	CHECK_STR(e->profile, "prof");
	CHECK(changes_get(c, 1) == NULL);
	changes_free(c);
}

TEST(env_build_applies_changes_over_the_inherited_environment)
{
	static char *inherited[] = {"PATH=/bin", "A=old", "VAULT_TOKEN=t",
	                            "OTHER=o", NULL};
	static const char *const drop[] = {"VAULT_TOKEN", NULL};
	struct changes *c = changes_new();
	struct env_opts o;
	struct error err;
	char **envp = NULL;
	const char *f;

	memset(&o, 0, sizeof o);
	o.drop = drop;
	add(c, "A", "new", 0);
	add(c, "B", "bee", 0);
	add(c, "B", "last wins", 0);
	add(c, "F", "file body", 1);
	REQUIRE(env_build(&envp, inherited, &o, c, NULL, &err) == ST_OK);
	CHECK_STR(find(envp, "PATH"), "/bin");
	CHECK_STR(find(envp, "A"), "new");
	CHECK_STR(find(envp, "B"), "last wins");
	CHECK(find(envp, "VAULT_TOKEN") == NULL);
	CHECK_STR(find(envp, "OTHER"), "o");
	f = find(envp, "F");
	REQUIRE(f != NULL && strncmp(f, "/dev/fd/", 8) == 0);
	{
		char buf[32] = "";
		int fd = (int)strtol(f + 8, NULL, 10);

		CHECK(pread(fd, buf, sizeof buf - 1, 0) == 9);
		CHECK_STR(buf, "file body");
		close(fd);
	}
	env_free(envp);

	/* -i keeps only the defaults (PATH here) */
	o.ignore_env = 1;
	REQUIRE(env_build(&envp, inherited, &o, c, NULL, &err) == ST_OK);
	CHECK(find(envp, "OTHER") == NULL);
	CHECK_STR(find(envp, "PATH"), "/bin");
	CHECK_STR(find(envp, "A"), "new");
	env_free(envp);
	changes_free(c);
}

/* A restart closes the old [files] memfds, and only those. */
TEST(env_close_files_closes_the_memfds_envp_names)
{
	static char *inherited[] = {"PATH=/bin", "G=/dev/fd/0", NULL};
	struct changes *c = changes_new();
	struct env_opts o;
	struct error err;
	char **envp = NULL;
	int fd1, fd2;

	memset(&o, 0, sizeof o);
	add(c, "F1", "one", 1);
	add(c, "V", "/dev/fd/1", 0); /* a value that only looks like one */
	add(c, "F2", "two", 1);
	REQUIRE(env_build(&envp, inherited, &o, c, NULL, &err) == ST_OK);
	fd1 = (int)strtol(find(envp, "F1") + 8, NULL, 10);
	fd2 = (int)strtol(find(envp, "F2") + 8, NULL, 10);
	env_close_files(envp, c);
	CHECK(fcntl(fd1, F_GETFD) < 0);
	CHECK(fcntl(fd2, F_GETFD) < 0);
	CHECK(fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0);
	env_free(envp);
	changes_free(c);
}
