/* manifest.c - the INI manifest: inih handler -> struct manifest.
 *
 * Loading, the section handlers and the manifest's storage.  The lines reach
 * inih through mreader.c, which checks each one first and reads section
 * headers; [vault] keys are mvault.c's, [defaults] mdefaults.c's, [request]
 * sections mrequests.c's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "arena.h"
#include "manifest.h"
#include "mdefaults.h"
#include "mreader.h"
#include "mrequests.h"
#include "mvault.h"
#include "nameset.h"
#include "profile.h"
#include "readfile.h"
#include "secret.h"
#include "template.h"
#include "util.h"

/* Far beyond any real manifest; stops a runaway "-f /dev/zero". */
#define MANIFEST_CAP ((size_t)64 << 20)

enum sec {
	SEC_NONE,
	SEC_VAULT,
	SEC_MOUNTS,
	SEC_ENV,
	SEC_FILES,
	SEC_PROFILE,
	SEC_REQUEST,
	SEC_DEFAULTS
};

struct parser {
	struct mreader rd; /* first: the line, its number, the error */
	enum sec sec;
	struct mprofile *prof; /* the current [profile NAME] */
	unsigned pkey_line[3]; /* where its from, type, prefix were set */
	struct manifest *m;
	size_t cap_vars, cap_mounts, cap_profiles;
	struct nameset *vars, *mounts, *profiles;
	struct mrequests *requests;
	struct mdefaults *defaults;
};

#define fail_at(ps, line, ...) mreader_fail(&(ps)->rd, (line), __VA_ARGS__)
#define fail(ps, ...) fail_at((ps), (ps)->rd.lineno, __VA_ARGS__)

/* A section module's status, as inih wants it: 1 to go on, 0 to stop. */
static int went(struct parser *ps, int rc)
{
	if (rc != ST_OK)
		ps->rd.failed = 1;
	return !ps->rd.failed;
}

/* A profile's checks that can only be made once its section is over. */
static int end_section(struct parser *ps)
{
	if (ps->sec == SEC_PROFILE && ps->prof->from == NULL)
		return fail_at(ps, ps->prof->line, "[profile %s] needs 'from'",
		               ps->prof->name);
	return 1;
}

static int valid_profile_name(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int begin_profile(struct parser *ps, const char *name)
{
	struct manifest *m = ps->m;
	struct mprofile *p;
	unsigned first;

	if (*name == '\0')
		return fail(ps, "[profile] needs a name: [profile NAME]");
	if (!valid_profile_name(name))
		return fail(ps, "invalid profile name '%s'", name);
	m->profiles = xroom(m->profiles, m->nprofiles, &ps->cap_profiles,
	                    sizeof *m->profiles);
	p = &m->profiles[m->nprofiles++];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->line = ps->rd.lineno;
	first = nameset_add(ps->profiles, p->name, p->line);
	if (first)
		return fail(ps, "profile '%s' already defined at line %u", name,
		            first);
	ps->prof = p;
	memset(ps->pkey_line, 0, sizeof ps->pkey_line);
	ps->sec = SEC_PROFILE;
	return 1;
}

static int begin_request(struct parser *ps, const char *path)
{
	if (!went(ps, mrequests_begin(ps->requests, ps->m, path, ps->rd.lineno,
	                              ps->rd.err)))
		return 0;
	ps->sec = SEC_REQUEST;
	return 1;
}

/* A "[name]" header, checked by the reader. */
static int on_section(void *ctx, const char *name)
{
	static const struct {
		const char *name;
		enum sec sec;
	} plain[] = {
		{"vault", SEC_VAULT},       {"mounts", SEC_MOUNTS},
		{"env", SEC_ENV},           {"files", SEC_FILES},
		{"defaults", SEC_DEFAULTS},
	};
	struct parser *ps = ctx;
	const char *s;
	size_t i;

	if (!end_section(ps))
		return 0;
	ps->prof = NULL;
	for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		if (strcmp(name, plain[i].name) == 0) {
			ps->sec = plain[i].sec;
			return 1;
		}
	}
	if (strncmp(name, "profile", 7) == 0 &&
	    (name[7] == '\0' || name[7] == ' ' || name[7] == '\t')) {
		for (s = name + 7; *s == ' ' || *s == '\t'; s++)
			;
		return begin_profile(ps, s);
	}
	if (strncmp(name, "request", 7) == 0 &&
	    (name[7] == '\0' || name[7] == ' ' || name[7] == '\t')) {
		for (s = name + 7; *s == ' ' || *s == '\t'; s++)
			;
		return begin_request(ps, s);
	}
	return fail(ps, "unknown section [%s]", name);
}

static int vault_key(struct parser *ps, const char *name, const char *value)
{
	return went(ps, mvault_set(ps->m, name, value, ps->rd.lineno, ps->rd.err));
}

static int mount(struct parser *ps, const char *name, const char *value)
{
	struct manifest *m = ps->m;
	struct mmount *mt;
	unsigned first;

	int dynamic = strcmp(value, "dynamic") == 0;

	if (!valid_path(name))
		return fail(ps, "invalid mount path '%s'", name);
	if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0 && !dynamic)
		return fail(ps,
		            "KV version of mount '%s' must be 1 or 2 (or dynamic, "
		            "for an engine that is not KV)",
		            name);
	m->mounts = xroom(m->mounts, m->nmounts, &ps->cap_mounts,
	                  sizeof *m->mounts);
	mt = &m->mounts[m->nmounts++];
	mt->mount = xstrdup(name);
	mt->version = dynamic ? 0 : value[0] - '0';
	mt->dynamic = dynamic;
	mt->line = ps->rd.lineno;
	first = nameset_add(ps->mounts, mt->mount, mt->line);
	if (first)
		return fail(ps, "mount '%s' already listed at line %u", name,
		            first);
	return 1;
}

/* A reference written as an inline one ("vault:secret/x") or in quotes
 * ("secret/x"): INI takes values as written, so either would be read as a
 * path that does not exist (a 403 from Vault).  Say what to write. */
static int check_reference(struct parser *ps, const char *name, const char *value)
{
	size_t n = strlen(value);
	const char *v = value;
	int quoted = 0;

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		quoted = 1;
		v++;
		n -= 2;
	}
	if (n >= 6 && memcmp(v, "vault:", 6) == 0)
		return fail(ps,
		            "%s: write the reference without %s'vault:' (that "
		            "prefix marks a reference in the environment): "
		            "%s = %.*s",
		            name, quoted ? "quotes and " : "", name, (int)n - 6,
		            v + 6);
	if (quoted)
		return fail(ps,
		            "%s: write the reference without quotes: %s = %.*s",
		            name, name, (int)n, v);
	return 1;
}

static int var(struct parser *ps, const char *name, const char *value)
{
	struct manifest *m = ps->m;
	struct mvar *v;
	unsigned first;
	size_t nlen, vlen;

	if (!valid_env_name(name))
		return fail(ps, "invalid variable name '%s'", name);
	if (*value == '\0')
		return fail(ps, "empty reference for '%s'", name);
	if (check_reference(ps, name, value) != 1)
		return 0;
	m->vars = xroom(m->vars, m->nvars, &ps->cap_vars, sizeof *m->vars);
	v = &m->vars[m->nvars++];
	memset(v, 0, sizeof *v);
	/* The name and its reference in one piece of the arena. */
	nlen = strlen(name) + 1;
	vlen = strlen(value) + 1;
	v->name = arena_alloc(m->strings, nlen + vlen);
	memcpy(v->name, name, nlen);
	v->ref = v->name + nlen;
	memcpy(v->ref, value, vlen);
	v->line = ps->rd.lineno;
	v->section = ps->sec == SEC_FILES ? MS_FILES : MS_ENV;
	first = nameset_add(ps->vars, v->name, v->line);
	if (first)
		return fail(ps, "variable '%s' already defined at line %u",
		            name, first);
	return 1;
}

static int profile_key(struct parser *ps, const char *name, const char *value)
{
	static const char *const keys[] = {"from", "type", "prefix"};
	struct mprofile *p = ps->prof;
	char **slot[3];
	size_t k;

	slot[0] = &p->from;
	slot[1] = &p->type;
	slot[2] = &p->prefix;
	for (k = 0; k < 3; k++)
		if (strcmp(name, keys[k]) == 0)
			break;
	if (k == 3)
		return fail(ps, "unknown key '%s' in [profile %s]", name, p->name);
	if (*slot[k] != NULL)
		return fail(ps,
		            "duplicate key '%s' in [profile %s] (first set at line %u)",
		            name, p->name, ps->pkey_line[k]);
	if (*value == '\0')
		return fail(ps, "empty value for '%s' in [profile %s]", name,
		            p->name);
	if (template_is(value))
		return fail(ps,
		            "[profile %s]: '%s' holds a template ('${'): a "
		            "profile reads one secret; compose values in [env]",
		            p->name, name);
	if (k == 0 && check_reference(ps, "from", value) != 1)
		return 0;
	if (k == 1 && !profile_type_known(value))
		return fail(ps, "[profile %s]: unknown type '%s' (%s)", p->name,
		            value, profile_type_names());
	if (k == 2 && !valid_env_name(value))
		return fail(ps, "[profile %s]: invalid prefix '%s'", p->name,
		            value);
	*slot[k] = xstrdup(value);
	ps->pkey_line[k] = ps->rd.lineno;
	return 1;
}

/* [defaults] NAME = literal: the variable is looked up once the whole file
 * is read (it may be defined further down).  The value is taken as written
 * (no "${"), and may be empty. */
static int default_key(struct parser *ps, const char *name, const char *value)
{
	unsigned first;

	if (!valid_env_name(name))
		return fail(ps, "invalid variable name '%s' in [defaults]", name);
	first = mdefaults_add(ps->defaults, name, value, ps->rd.lineno);
	if (first)
		return fail(ps, "default for '%s' already given at line %u",
		            name, first);
	return 1;
}

/* Give each default to its variable; one for no [env] or [files] variable
 * is 78 (a profile's variables take none: which it sets depends on the
 * secret). */
static int match_defaults(struct parser *ps)
{
	const char *name;
	unsigned line;

	if (!mdefaults_apply(ps->defaults, ps->m, ps->vars, &name, &line))
		return fail_at(ps, line,
		               "default for '%s', which no [env] or "
		               "[files] variable defines (a profile's "
		               "variables take no defaults)",
		               name);
	return 1;
}

/* The ini_handler: called for each name = value, right after the reader has
 * returned its line, so ps->rd.lineno and ps->sec are that line's.  inih's
 * section argument is ignored: it may be truncated. */
static int handler(void *user, const char *section_name, const char *name,
                   const char *value)
{
	struct parser *ps = user;

	(void)section_name;
	mreader_pair(&ps->rd, name);
	if (ps->rd.failed)
		return 0;
	switch (ps->sec) {
	case SEC_NONE:
		return fail(ps, "key '%s' outside any section", name);
	case SEC_VAULT:
		return vault_key(ps, name, value);
	case SEC_MOUNTS:
		return mount(ps, name, value);
	case SEC_ENV:
	case SEC_FILES:
		return var(ps, name, value);
	case SEC_PROFILE:
		return profile_key(ps, name, value);
	case SEC_REQUEST:
		return went(ps, mrequests_key(ps->requests, ps->m, name, value,
		                              ps->rd.lineno, ps->rd.err));
	case SEC_DEFAULTS:
		return default_key(ps, name, value);
	}
	return fail(ps, "internal error: no section state");
}

/* The number of lines, capped: a reservation, not a limit. */
static size_t count_lines(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t n = 1;

	while (n < ((size_t)1 << 20) &&
	       (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		n++;
	}
	return n;
}

int manifest_parse(const char *name, const char *text, size_t len,
                   struct manifest **out, struct error *err)
{
	struct parser ps;
	int rc;

	*out = NULL;
	memset(&ps, 0, sizeof ps);
	mreader_init(&ps.rd, name, text, len, err);
	ps.rd.on_section = on_section;
	ps.rd.ctx = &ps;
	ps.m = xcalloc(1, sizeof *ps.m);
	ps.m->file = xstrdup(name);
	ps.m->strings = arena_new();
	ps.vars = nameset_new();
	/* At most one variable a line: no rehashing on the way. */
	nameset_reserve(ps.vars, count_lines(text, len));
	ps.mounts = nameset_new();
	ps.profiles = nameset_new();
	ps.requests = mrequests_new();
	ps.defaults = mdefaults_new();
	rc = ini_parse_stream(mreader_read, &ps.rd, handler, &ps);
	if (!ps.rd.failed && rc > 0)
		/* Every line inih refuses should have been refused above. */
		fail_at(&ps, (unsigned)rc, "syntax error");
	else if (!ps.rd.failed && rc < 0)
		error_set(err, ST_SOFTWARE, "%s: the INI parser failed (%d)",
		          name, rc);
	else if (!ps.rd.failed && end_section(&ps))
		match_defaults(&ps);
	mdefaults_free(ps.defaults);
	nameset_free(ps.vars);
	nameset_free(ps.mounts);
	nameset_free(ps.profiles);
	mrequests_free(ps.requests);
	if (ps.rd.failed || rc != 0) {
		manifest_free(ps.m);
		return ps.rd.failed ? ST_CONFIG : ST_SOFTWARE;
	}
	*out = ps.m;
	return ST_OK;
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

int manifest_load(const char *path, struct manifest **out, struct error *err)
{
	struct secret text = {NULL, 0};
	int rc;

	*out = NULL;
	rc = readfile_private(path, "manifest", MANIFEST_CAP, &text, err);
	if (rc != ST_OK)
		return rc;
	/* The text may hold a secret_id: parse it, then wipe it. */
	rc = manifest_parse(strcmp(path, "-") == 0 ? "(stdin)" : path, text.p,
	                    text.len, out, err);
	secret_wipe(&text);
	if (rc == ST_OK &&
	    (rc = manifest_expand_vault(*out, env_lookup, err)) != ST_OK) {
		manifest_free(*out);
		*out = NULL;
	}
	return rc;
}

void manifest_drop_vars(struct manifest *m)
{
	if (m == NULL)
		return;
	free(m->vars);
	m->vars = NULL;
	m->nvars = 0;
}

void manifest_free(struct manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	mvault_free(m);
	for (i = 0; i < m->nmounts; i++)
		free(m->mounts[i].mount);
	arena_free(m->strings);
	mrequests_clear(m);
	for (i = 0; i < m->nprofiles; i++) {
		free(m->profiles[i].name);
		free(m->profiles[i].from);
		free(m->profiles[i].type);
		free(m->profiles[i].prefix);
	}
	free(m->mounts);
	free(m->vars);
	free(m->profiles);
	free(m->file);
	free(m);
}
