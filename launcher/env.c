/* env.c - build envp for execve. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "map.h"
#include "util.h"

/* MAX_ARG_STRLEN: the kernel refuses a single argument or environment string
 * longer than 32 pages, NUL included. */
#define STRING_MAX (32 * 4096)

static const char *const defaults_kept[] = {"PATH", "HOME", "USER", "LANG",
                                            "TZ",   "TERM", NULL};

struct envb {
	char **v;
	size_t n, cap;
	struct map *byname; /* name -> index in v */
};

static size_t name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Set an entry, replacing an existing one of the same name in place. */
static void put(struct envb *b, char *entry)
{
	size_t i = b->n;

	if (map_get_or_put(b->byname, entry, name_len(entry), &i)) {
		wipe_free(b->v[i], strlen(b->v[i]));
		b->v[i] = entry;
		return;
	}
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xreallocarray(b->v, b->cap, sizeof *b->v);
	}
	b->v[b->n++] = entry;
	b->v[b->n] = NULL;
}

static char *join(const char *name, const char *value, size_t vlen)
{
	size_t n = strlen(name);
	char *e = xmalloc(n + 1 + vlen + 1);

	memcpy(e, name, n);
	e[n] = '=';
	memcpy(e + n + 1, value, vlen);
	e[n + 1 + vlen] = '\0';
	return e;
}

static int in_list(const char *name, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; list && (count ? i < count : list[i] != NULL); i++)
		if (strlen(list[i]) == n && strncmp(list[i], name, n) == 0)
			return 1;
	return 0;
}

static int inherit(const char *entry, const struct env_opts *o)
{
	size_t n = name_len(entry);

	if (entry[n] != '=')
		return 0;
	if (!o->keep_vault_env && in_list(entry, n, o->drop, 0))
		return 0;
	if (!o->ignore_env)
		return 1;
	if (o->nkeep > 0)
		return in_list(entry, n, o->keep, o->nkeep);
	return in_list(entry, n, defaults_kept, 0);
}

/* A [files] value: a sealed memfd left open (no FD_CLOEXEC) for the command. */
static int to_memfd(const char *var, const struct secret *value, int *fd,
                    struct error *err)
{
	char name[64];
	size_t off = 0;

	snprintf(name, sizeof name, "vaultrun:%.50s", var);
	*fd = memfd_create(name, MFD_ALLOW_SEALING);
	if (*fd < 0)
		return error_set(err, ST_OSERR, "%s: memfd_create: %s", var,
		                 strerror(errno));
	while (off < value->len) {
		ssize_t w = write(*fd, value->p + off, value->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(*fd);
			return error_set(err, ST_OSERR, "%s: writing a memfd: %s",
			                 var, strerror(errno));
		}
		off += (size_t)w;
	}
	/* Owner-read only: clients such as mysql and libpq ignore or refuse a
	 * world-accessible option or key file, and memfds start out 0777. */
	if (fchmod(*fd, 0400) != 0 ||
	    fcntl(*fd, F_ADD_SEALS,
	          F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0 ||
	    lseek(*fd, 0, SEEK_SET) != 0) {
		close(*fd);
		return error_set(err, ST_OSERR, "%s: sealing a memfd: %s", var,
		                 strerror(errno));
	}
	return ST_OK;
}

static int set_var(struct envb *b, const char *name, const struct secret *value,
                   int is_file, struct error *err)
{
	char path[32];
	int fd, rc;

	if (!is_file) {
		put(b, join(name, value->p, value->len));
		return ST_OK;
	}
	if ((rc = to_memfd(name, value, &fd, err)) != ST_OK)
		return rc;
	snprintf(path, sizeof path, "/dev/fd/%d", fd);
	put(b, join(name, path, strlen(path)));
	return ST_OK;
}

int env_value_fits(const char *name, size_t len)
{
	return strlen(name) + 1 + len + 1 <= STRING_MAX;
}

static int check_size(char **envp, char *const *argv, struct error *err)
{
	long max = sysconf(_SC_ARG_MAX);
	size_t total = 0, i;

	/* Each string's own limit was checked as values were resolved
	 * (env_value_fits), so that --check reports it too. */
	for (i = 0; envp[i]; i++)
		total += strlen(envp[i]) + 1 + sizeof(char *);
	for (i = 0; argv && argv[i]; i++)
		total += strlen(argv[i]) + 1 + sizeof(char *);
	if (max > 0 && total > (size_t)max)
		return error_set(err, ST_DATA,
		                 "the environment and arguments (%zu bytes) exceed "
		                 "ARG_MAX (%ld); move large values to [files]",
		                 total, max);
	return ST_OK;
}

int env_build(char ***envp, char *const *inherited, const struct env_opts *o,
              const struct changes *c, char *const *argv, struct error *err)
{
	struct envb b = {NULL, 0, 0, NULL};
	size_t i;
	int rc = ST_OK;

	b.byname = map_new();
	b.cap = 64;
	b.v = xcalloc(b.cap, sizeof *b.v);
	for (i = 0; inherited && inherited[i]; i++)
		if (inherit(inherited[i], o))
			put(&b, xstrdup(inherited[i]));
	if (o->keep_vault_env && o->token)
		put(&b, join("VAULT_TOKEN", o->token->p, o->token->len));
	for (i = 0; i < changes_count(c) && rc == ST_OK; i++) {
		const struct change *e = changes_get(c, i);

		rc = set_var(&b, e->name, &e->value, e->is_file, err);
	}
	map_free(b.byname);
	if (rc == ST_OK)
		rc = check_size(b.v, argv, err);
	if (rc != ST_OK) {
		env_free(b.v);
		return rc;
	}
	*envp = b.v;
	return ST_OK;
}

void env_close_files(char **envp, const struct changes *c)
{
	size_t i, j, n;

	for (i = 0; envp && i < changes_count(c); i++) {
		const struct change *e = changes_get(c, i);

		if (!e->is_file)
			continue;
		n = strlen(e->name);
		for (j = 0; envp[j]; j++) {
			unsigned long fd;

			if (strncmp(envp[j], e->name, n) == 0 &&
			    strncmp(envp[j] + n, "=/dev/fd/", 9) == 0 &&
			    parse_ulong(envp[j] + n + 9, 3, 1 << 20, &fd) == 0)
				close((int)fd);
		}
	}
}

void env_free(char **envp)
{
	size_t i;

	if (envp == NULL)
		return;
	for (i = 0; envp[i]; i++)
		wipe_free(envp[i], strlen(envp[i]));
	free(envp);
}
