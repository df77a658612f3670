/* mrequests.c - [request PATH] sections: what a request's body may hold. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mrequests.h"
#include "nameset.h"
#include "template.h"
#include "util.h"

struct mrequests {
	struct nameset *paths;
	size_t cap_requests;
	struct mrequest *cur; /* the last section's, in its manifest */
	size_t cap_pairs;     /* of its body */
};

struct mrequests *mrequests_new(void)
{
	struct mrequests *rs = xcalloc(1, sizeof *rs);

	rs->paths = nameset_new();
	return rs;
}

/* A path only, as a reference would name it. */
int mrequests_begin(struct mrequests *rs, struct manifest *m, const char *path,
                    unsigned line, struct error *err)
{
	struct mrequest *r;
	unsigned first;
	size_t n = strlen(path);

	while (n > 0 && (path[n - 1] == ' ' || path[n - 1] == '\t'))
		n--;
	if (n == 0)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request] needs a path: [request PATH]",
		                 m->file, line);
	if (strcspn(path, "?#") < n)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %.*s]: a request takes a path "
		                 "only, without ?version= or #selector",
		                 m->file, line, (int)n, path);
	m->requests = xroom(m->requests, m->nrequests, &rs->cap_requests,
	                    sizeof *m->requests);
	r = &m->requests[m->nrequests++];
	memset(r, 0, sizeof *r);
	r->path = xstrndup(path, n);
	r->line = line;
	if (!valid_path(r->path))
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s]: invalid path (empty, '.' or "
		                 "'..' segment)",
		                 m->file, line, r->path);
	first = nameset_add(rs->paths, r->path, r->line);
	if (first)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s] already defined at line %u",
		                 m->file, line, r->path, first);
	rs->cur = r;
	rs->cap_pairs = 0;
	return ST_OK;
}

static int body_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' ||
		      *s == '.'))
			return 0;
	return 1;
}

/* Every value is sent as a JSON string, as `vault write PATH k=v` sends it
 * (Vault parses "3600" or "true" from a string); what a string cannot carry
 * is refused: no value at all, a JSON array or object, and vault write's
 * "@file" and "-" forms. */
int mrequests_key(struct mrequests *rs, struct manifest *m, const char *name,
                  const char *value, unsigned line, struct error *err)
{
	struct mrequest *r = rs->cur;
	size_t i;

	if (!body_name_ok(name))
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s]: invalid body key '%s' "
		                 "(letters, digits, '_', '-', '.')",
		                 m->file, line, r->path, name);
	for (i = 0; i < r->npairs; i++)
		if (strcmp(r->pairs[2 * i], name) == 0)
			return error_set(err, ST_CONFIG,
			                 "%s:%u: [request %s]: duplicate body key "
			                 "'%s'",
			                 m->file, line, r->path, name);
	if (*value == '\0')
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s]: '%s' has no value: a body "
		                 "value is a non-empty string (leave the key out "
		                 "instead)",
		                 m->file, line, r->path, name);
	if (*value == '[' || *value == '{')
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s]: '%s' is not a string: the "
		                 "body holds strings only (a list is written "
		                 "comma-separated, as vault write takes it)",
		                 m->file, line, r->path, name);
	if (template_is(value))
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s]: '%s' holds a template "
		                 "('${'): a request body is sent as written, not "
		                 "composed",
		                 m->file, line, r->path, name);
	if (*value == '@' || strcmp(value, "-") == 0)
		return error_set(err, ST_CONFIG,
		                 "%s:%u: [request %s]: '%s' is not a string value: "
		                 "vault write's @file and - forms are not supported",
		                 m->file, line, r->path, name);
	r->pairs = xroom(r->pairs, r->npairs, &rs->cap_pairs, 2 * sizeof *r->pairs);
	r->pairs[2 * r->npairs] = xstrdup(name);
	r->pairs[2 * r->npairs + 1] = xstrdup(value);
	r->npairs++;
	return ST_OK;
}

void mrequests_free(struct mrequests *rs)
{
	if (rs == NULL)
		return;
	nameset_free(rs->paths);
	free(rs);
}

void mrequests_clear(struct manifest *m)
{
	size_t i, j;

	for (i = 0; i < m->nrequests; i++) {
		for (j = 0; j < 2 * m->requests[i].npairs; j++)
			free(m->requests[i].pairs[j]);
		free(m->requests[i].pairs);
		free(m->requests[i].path);
	}
	free(m->requests);
	m->requests = NULL;
	m->nrequests = 0;
}
