/* manifest.c - the INI manifest: inih handler -> struct manifest.
 *
 * inih does the splitting into sections and name = value pairs, but Debian's
 * build silently cuts lines at 199 bytes and merges an indented line into the
 * previous value.  So inih reads through our own reader, which sees every raw
 * line first: it counts lines (the handler runs right after the reader has
 * returned the line that holds the pair), refuses what inih would mangle,
 * and keeps track of sections itself (inih truncates their names at 49 bytes
 * and says nothing about a section without keys).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "manifest.h"
#include "profile.h"
#include "readfile.h"
#include "secret.h"
#include "template.h"
#include "util.h"

/* Far beyond any real manifest; stops a runaway "-f /dev/zero". */
#define MANIFEST_CAP ((size_t)64 << 20)
/* Longest line, without its "\n" or "\r\n", that Debian's inih (INI_MAX_LINE
 * 200, which includes the terminating NUL) can hold whole. */
#define MAX_LINE 199

static const char *const vkey_names[VK__COUNT] = {
	[VK_ADDRESS] = "address",
	[VK_NAMESPACE] = "namespace",
	[VK_AUTH] = "auth",
	[VK_AUTH_MOUNT] = "auth_mount",
	[VK_TOKEN_FILE] = "token_file",
	[VK_ROLE_ID] = "role_id",
	[VK_ROLE_ID_FILE] = "role_id_file",
	[VK_SECRET_ID] = "secret_id",
	[VK_SECRET_ID_FILE] = "secret_id_file",
	[VK_ROLE] = "role",
	[VK_JWT_FILE] = "jwt_file",
	[VK_JWT_ENV] = "jwt_env",
	[VK_CA_CERT] = "ca_cert",
	[VK_CA_PATH] = "ca_path",
	[VK_CLIENT_CERT] = "client_cert",
	[VK_CLIENT_KEY] = "client_key",
	[VK_TLS_SERVER_NAME] = "tls_server_name",
	[VK_SKIP_VERIFY] = "skip_verify",
};

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

/* A set of names with the line that defined each: duplicates among 100,000
 * variables must be found without comparing every pair.  Keys are borrowed
 * from the manifest, whose strings do not move. */
struct seen_slot {
	const char *key;
	unsigned line;
};

struct seen {
	struct seen_slot *slot;
	size_t cap, n; /* cap is 0 or a power of two */
};

struct pending_default { /* [defaults] NAME = value, matched at the end */
	char *name, *value;
	unsigned line;
};

struct parser {
	const char *file;
	const char *p, *end; /* the text not yet handed to inih */
	unsigned lineno;
	int partial;   /* the last line filled inih's buffer exactly */
	int bufsize;   /* and that buffer's size */
	int prev_name; /* inih would take an indented line as continuation */
	enum sec sec;
	struct mprofile *prof; /* the current [profile NAME] */
	struct mrequest *req;  /* the current [request PATH] */
	size_t cap_pairs;
	unsigned pkey_line[3]; /* where its from, type, prefix were set */
	struct manifest *m;
	size_t cap_vars, cap_mounts, cap_profiles, cap_requests;
	struct seen vars, mounts, profiles, requests, defaults;
	struct pending_default *defs;
	size_t ndefs, cap_defs;
	struct error *err;
	int failed;
};

static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return (size_t)h;
}

/* Record key at line; returns 0, or the line of an earlier equal key. */
static unsigned seen_add(struct seen *t, const char *key, unsigned line)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		struct seen old = *t;

		t->cap = old.cap ? old.cap * 2 : 64;
		t->slot = xcalloc(t->cap, sizeof *t->slot);
		for (i = 0; i < old.cap; i++) {
			size_t j;

			if (old.slot[i].key == NULL)
				continue;
			for (j = hash(old.slot[i].key) & (t->cap - 1);
			     t->slot[j].key != NULL; j = (j + 1) & (t->cap - 1))
				;
			t->slot[j] = old.slot[i];
		}
		free(old.slot);
	}
	for (i = hash(key) & (t->cap - 1); t->slot[i].key != NULL;
	     i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slot[i].key, key) == 0)
			return t->slot[i].line;
	t->slot[i].key = key;
	t->slot[i].line = line;
	t->n++;
	return 0;
}

/* The line of key, or 0. */
static unsigned seen_find(const struct seen *t, const char *key)
{
	size_t i;

	if (t->cap == 0)
		return 0;
	for (i = hash(key) & (t->cap - 1); t->slot[i].key != NULL;
	     i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slot[i].key, key) == 0)
			return t->slot[i].line;
	return 0;
}

static void seen_free(struct seen *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
}

/* Record a configuration error at line; returns 0 for the handler. */
__attribute__((format(printf, 3, 4))) static int
fail_at(struct parser *ps, unsigned line, const char *fmt, ...)
{
	char msg[sizeof ps->err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	error_set(ps->err, ST_CONFIG, "%s:%u: %s", ps->file, line, msg);
	ps->failed = 1;
	return 0;
}

#define fail(ps, ...) fail_at((ps), (ps)->lineno, __VA_ARGS__)

/* inih's own scan (ini.c, find_chars_or_comment): the first of chars, or a
 * ';' that follows whitespace, or e.  Mirrored so that we classify a line
 * exactly as inih will. */
static const char *find_chars_or_comment(const char *s, const char *e,
                                         const char *chars)
{
	int was_space = 0;

	/* Once per manifest line: the set (one or two characters) is
	 * compared inline, not with a strchr call per character. */
	for (; s < e && !(was_space && *s == ';'); s++) {
		const char *c;

		for (c = chars; c && *c && *c != *s; c++)
			;
		if (c && *c)
			break;
		was_space = *s == ' ' || (*s >= '\t' && *s <= '\r');
	}
	return s;
}

static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return xreallocarray(p, *cap, size);
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
	m->profiles = grow(m->profiles, m->nprofiles, &ps->cap_profiles,
	                   sizeof *m->profiles);
	p = &m->profiles[m->nprofiles++];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->line = ps->lineno;
	first = seen_add(&ps->profiles, p->name, p->line);
	if (first)
		return fail(ps, "profile '%s' already defined at line %u", name,
		            first);
	ps->prof = p;
	memset(ps->pkey_line, 0, sizeof ps->pkey_line);
	ps->sec = SEC_PROFILE;
	return 1;
}

static int valid_mount(const char *s);

/* [request PATH]: a path only, as a reference would name it. */
static int begin_request(struct parser *ps, const char *path)
{
	struct manifest *m = ps->m;
	struct mrequest *r;
	unsigned first;
	size_t n = strlen(path);

	while (n > 0 && (path[n - 1] == ' ' || path[n - 1] == '\t'))
		n--;
	if (n == 0)
		return fail(ps, "[request] needs a path: [request PATH]");
	if (strcspn(path, "?#") < n)
		return fail(ps,
		            "[request %.*s]: a request takes a path only, "
		            "without ?version= or #selector",
		            (int)n, path);
	m->requests = grow(m->requests, m->nrequests, &ps->cap_requests,
	                   sizeof *m->requests);
	r = &m->requests[m->nrequests++];
	memset(r, 0, sizeof *r);
	r->path = xstrndup(path, n);
	r->line = ps->lineno;
	if (!valid_mount(r->path))
		return fail(ps,
		            "[request %s]: invalid path (empty, '.' or '..' "
		            "segment)",
		            r->path);
	first = seen_add(&ps->requests, r->path, r->line);
	if (first)
		return fail(ps, "[request %s] already defined at line %u",
		            r->path, first);
	ps->req = r;
	ps->cap_pairs = 0;
	ps->sec = SEC_REQUEST;
	return 1;
}

/* A "[name]" line; s..e is the line without surrounding whitespace. */
static int section(struct parser *ps, const char *s, const char *e)
{
	static const struct {
		const char *name;
		enum sec sec;
	} plain[] = {
		{"vault", SEC_VAULT},       {"mounts", SEC_MOUNTS},
		{"env", SEC_ENV},           {"files", SEC_FILES},
		{"defaults", SEC_DEFAULTS},
	};
	const char *close = find_chars_or_comment(s + 1, e, "]"), *rest;
	char name[MAX_LINE + 1];
	size_t i, n;

	if (close == e || *close != ']')
		return fail(ps, "syntax error (section header without ']')");
	/* inih ignores whatever follows the ']'; we allow only a comment. */
	for (rest = close + 1; rest < e && isspace((unsigned char)*rest); rest++)
		;
	n = (size_t)(close - (s + 1));
	memcpy(name, s + 1, n);
	name[n] = '\0';
	if (rest < e && *rest != ';' && *rest != '#')
		return fail(ps, "unexpected text after [%s]", name);
	if (!end_section(ps))
		return 0;
	ps->prev_name = 0;
	ps->prof = NULL;
	ps->req = NULL;
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

/* Refuse what inih would cut, merge or misread; follow its idea of sections
 * and of the previous name so that continuations are found exactly when
 * inih would make one (ini.c, ini_parse_stream). */
static int check_line(struct parser *ps, const char *line, size_t len)
{
	const char *s = line, *e = line + len, *q;

	if (len > MAX_LINE)
		return fail(ps, "line is longer than %d bytes", MAX_LINE);
	/* A stray CR or escape would hide in a value that looks right on a
	 * terminal.  One test per byte on the common path (bytes from 0x20
	 * up are fine but DEL), the reason only once one is found. */
	for (q = line; q < e; q++) {
		unsigned char c = (unsigned char)*q;

		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == '\0')
			return fail(ps, "NUL byte in line");
		if (c != '\t')
			return fail(ps, "control character in line");
	}
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (s == e || *s == ';' || *s == '#')
		return 1; /* blank or comment: changes nothing in inih */
	if (ps->prev_name && s > line)
		return fail(ps, "unexpected continuation line (indented)");
	if (*s == '[')
		return section(ps, s, e);
	q = find_chars_or_comment(s, e, "=:");
	if (q == e || (*q != '=' && *q != ':'))
		return fail(ps, "syntax error (expected NAME = VALUE)");
	while (q > s && isspace((unsigned char)q[-1]))
		q--;
	ps->prev_name = q > s;
	return 1;
}

/* The ini_reader: one line of the text per call, fgets-style. */
static char *reader(char *buf, int num, void *stream)
{
	struct parser *ps = stream;
	const char *line, *nl;
	size_t len;

	if (ps->partial) {
		ps->partial = 0;
		/* inih reads on with a small buffer to discard the rest of a
		 * line that filled its own; there is no rest. */
		if (num != ps->bufsize)
			return NULL;
	}
	if (num < 2)
		return NULL;
	if (ps->failed || ps->p == ps->end) {
		/* The last line handed over (a secret_id, perhaps) would
		 * otherwise stay behind in inih's stack buffer. */
		explicit_bzero(buf, (size_t)num);
		return NULL;
	}
	line = ps->p;
	nl = memchr(line, '\n', (size_t)(ps->end - line));
	len = (size_t)((nl ? nl : ps->end) - line);
	ps->p = nl ? nl + 1 : ps->end;
	ps->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* inih skips a UTF-8 BOM on line 1; it is no part of the line. */
	if (ps->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (!check_line(ps, line, len)) {
		explicit_bzero(buf, (size_t)num);
		return NULL;
	}
	/* inih strips trailing blanks anyway; dropping them here leaves room
	 * for the newline in most lines of exactly MAX_LINE bytes. */
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len > (size_t)num - 1) {
		fail(ps, "line is longer than %d bytes", num - 1);
		explicit_bzero(buf, (size_t)num);
		return NULL;
	}
	memcpy(buf, line, len);
	if (len < (size_t)num - 1) {
		buf[len++] = '\n';
	} else {
		ps->partial = 1;
		ps->bufsize = num;
	}
	buf[len] = '\0';
	return buf;
}

static int vault_key(struct parser *ps, const char *name, const char *value)
{
	struct manifest *m = ps->m;
	int k;

	for (k = 0; k < VK__COUNT; k++)
		if (strcmp(name, vkey_names[k]) == 0)
			break;
	if (k == VK__COUNT)
		return fail(ps, "unknown key '%s' in [vault]", name);
	if (m->vault[k] != NULL)
		return fail(ps,
		            "duplicate key '%s' in [vault] (first set at line %u)",
		            name, m->vault_line[k]);
	if (*value == '\0')
		return fail(ps, "empty value for '%s' in [vault]", name);
	if (k == VK_SKIP_VERIFY && !template_is(value) && parse_bool(value) < 0)
		return fail(ps, "skip_verify must be true or false");
	m->vault[k] = xstrdup(value);
	m->vault_line[k] = ps->lineno;
	return 1;
}

/* A mount path as Vault lists it, minus the trailing '/': segments that are
 * neither empty nor "." or "..". */
static int valid_mount(const char *s)
{
	const char *seg = s, *q;

	for (;;) {
		size_t n;

		q = strchr(seg, '/');
		n = q ? (size_t)(q - seg) : strlen(seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (q == NULL)
			return 1;
		seg = q + 1;
	}
}

static int mount(struct parser *ps, const char *name, const char *value)
{
	struct manifest *m = ps->m;
	struct mmount *mt;
	unsigned first;

	int dynamic = strcmp(value, "dynamic") == 0;

	if (!valid_mount(name))
		return fail(ps, "invalid mount path '%s'", name);
	if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0 && !dynamic)
		return fail(ps,
		            "KV version of mount '%s' must be 1 or 2 (or dynamic, "
		            "for an engine that is not KV)",
		            name);
	m->mounts = grow(m->mounts, m->nmounts, &ps->cap_mounts, sizeof *m->mounts);
	mt = &m->mounts[m->nmounts++];
	mt->mount = xstrdup(name);
	mt->version = dynamic ? 0 : value[0] - '0';
	mt->dynamic = dynamic;
	mt->line = ps->lineno;
	first = seen_add(&ps->mounts, mt->mount, mt->line);
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
	if (n >= 6 && strncmp(v, "vault:", 6) == 0)
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

	if (!valid_env_name(name))
		return fail(ps, "invalid variable name '%s'", name);
	if (*value == '\0')
		return fail(ps, "empty reference for '%s'", name);
	if (check_reference(ps, name, value) != 1)
		return 0;
	m->vars = grow(m->vars, m->nvars, &ps->cap_vars, sizeof *m->vars);
	v = &m->vars[m->nvars++];
	memset(v, 0, sizeof *v);
	v->name = xstrdup(name);
	v->ref = xstrdup(value);
	v->line = ps->lineno;
	v->section = ps->sec == SEC_FILES ? MS_FILES : MS_ENV;
	first = seen_add(&ps->vars, v->name, v->line);
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
	ps->pkey_line[k] = ps->lineno;
	return 1;
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

/* A key of a [request]'s body.  Every value is sent as a JSON string, as
 * `vault write PATH k=v` sends it (Vault parses "3600" or "true" from a
 * string); what a string cannot carry is refused: no value at all, a JSON
 * array or object, and vault write's "@file" and "-" forms. */
static int request_key(struct parser *ps, const char *name, const char *value)
{
	struct mrequest *r = ps->req;
	size_t i;

	if (!body_name_ok(name))
		return fail(ps,
		            "[request %s]: invalid body key '%s' (letters, "
		            "digits, '_', '-', '.')",
		            r->path, name);
	for (i = 0; i < r->npairs; i++)
		if (strcmp(r->pairs[2 * i], name) == 0)
			return fail(ps, "[request %s]: duplicate body key '%s'",
			            r->path, name);
	if (*value == '\0')
		return fail(ps,
		            "[request %s]: '%s' has no value: a body value "
		            "is a non-empty string (leave the key out instead)",
		            r->path, name);
	if (*value == '[' || *value == '{')
		return fail(ps,
		            "[request %s]: '%s' is not a string: the body holds "
		            "strings only (a list is written comma-separated, "
		            "as vault write takes it)",
		            r->path, name);
	if (template_is(value))
		return fail(ps,
		            "[request %s]: '%s' holds a template ('${'): a "
		            "request body is sent as written, not composed",
		            r->path, name);
	if (*value == '@' || strcmp(value, "-") == 0)
		return fail(ps,
		            "[request %s]: '%s' is not a string value: vault "
		            "write's @file and - forms are not supported",
		            r->path, name);
	r->pairs = grow(r->pairs, r->npairs, &ps->cap_pairs, 2 * sizeof *r->pairs);
	r->pairs[2 * r->npairs] = xstrdup(name);
	r->pairs[2 * r->npairs + 1] = xstrdup(value);
	r->npairs++;
	return 1;
}

/* [defaults] NAME = literal: the variable is looked up once the whole file
 * is read (it may be defined further down).  The value is taken as written
 * (no "${"), and may be empty. */
static int default_key(struct parser *ps, const char *name, const char *value)
{
	struct pending_default *d;
	unsigned first;

	if (!valid_env_name(name))
		return fail(ps, "invalid variable name '%s' in [defaults]", name);
	ps->defs = grow(ps->defs, ps->ndefs, &ps->cap_defs, sizeof *ps->defs);
	d = &ps->defs[ps->ndefs++];
	d->name = xstrdup(name);
	d->value = xstrdup(value);
	d->line = ps->lineno;
	first = seen_add(&ps->defaults, d->name, d->line);
	if (first)
		return fail(ps, "default for '%s' already given at line %u",
		            name, first);
	return 1;
}

/* The variable defined at line (vars are in line order). */
static struct mvar *var_at(struct manifest *m, unsigned line)
{
	size_t lo = 0, hi = m->nvars;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->vars[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nvars && m->vars[lo].line == line ? &m->vars[lo] : NULL;
}

/* Give each default to its variable; one for no [env] or [files] variable
 * is 78 (a profile's variables take none: which it sets depends on the
 * secret). */
static int match_defaults(struct parser *ps)
{
	size_t i;

	for (i = 0; i < ps->ndefs; i++) {
		struct pending_default *d = &ps->defs[i];
		struct mvar *v = var_at(ps->m, seen_find(&ps->vars, d->name));

		if (v == NULL)
			return fail_at(ps, d->line,
			               "default for '%s', which no [env] or "
			               "[files] variable defines (a profile's "
			               "variables take no defaults)",
			               d->name);
		v->fallback = d->value;
		v->fallback_line = d->line;
		d->value = NULL;
	}
	return 1;
}

static void free_defaults(struct parser *ps)
{
	size_t i;

	for (i = 0; i < ps->ndefs; i++) {
		free(ps->defs[i].name);
		free(ps->defs[i].value);
	}
	free(ps->defs);
}

/* The ini_handler: called for each name = value, right after the reader has
 * returned its line, so ps->lineno and ps->sec are that line's.  inih's
 * section argument is ignored: it may be truncated. */
static int handler(void *user, const char *section_name, const char *name,
                   const char *value)
{
	struct parser *ps = user;

	(void)section_name;
	if (ps->failed)
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
		return request_key(ps, name, value);
	case SEC_DEFAULTS:
		return default_key(ps, name, value);
	}
	return fail(ps, "internal error: no section state");
}

int manifest_parse(const char *name, const char *text, size_t len,
                   struct manifest **out, struct error *err)
{
	struct parser ps;
	int rc;

	*out = NULL;
	memset(&ps, 0, sizeof ps);
	ps.file = name;
	ps.p = text;
	ps.end = text + len;
	ps.err = err;
	ps.m = xcalloc(1, sizeof *ps.m);
	ps.m->file = xstrdup(name);
	rc = ini_parse_stream(reader, &ps, handler, &ps);
	if (!ps.failed && rc > 0)
		/* Every line inih refuses should have been refused above. */
		fail_at(&ps, (unsigned)rc, "syntax error");
	else if (!ps.failed && rc < 0)
		error_set(err, ST_SOFTWARE, "%s: the INI parser failed (%d)",
		          name, rc);
	else if (!ps.failed && end_section(&ps))
		match_defaults(&ps);
	free_defaults(&ps);
	seen_free(&ps.defaults);
	seen_free(&ps.vars);
	seen_free(&ps.mounts);
	seen_free(&ps.profiles);
	seen_free(&ps.requests);
	if (ps.failed || rc != 0) {
		manifest_free(ps.m);
		return ps.failed ? ST_CONFIG : ST_SOFTWARE;
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

int manifest_expand_vault(struct manifest *m,
                          const char *(*lookup)(const char *name),
                          struct error *err)
{
	struct error e;
	char *v;
	int k;

	for (k = 0; k < VK__COUNT; k++) {
		if (m->vault[k] == NULL || strchr(m->vault[k], '$') == NULL)
			continue;
		if (template_expand_env(m->vault[k], lookup, &v, &e) != ST_OK)
			return error_set(err, ST_CONFIG, "%s:%u: %s: %s", m->file,
			                 m->vault_line[k], vkey_names[k], e.msg);
		wipe_free(m->vault[k], strlen(m->vault[k]) + 1);
		m->vault[k] = v;
		if (*v == '\0')
			return error_set(err, ST_CONFIG,
			                 "%s:%u: empty value for '%s' in [vault] "
			                 "(after expanding the environment)",
			                 m->file, m->vault_line[k], vkey_names[k]);
		if (k == VK_SKIP_VERIFY && parse_bool(v) < 0)
			return error_set(err, ST_CONFIG,
			                 "%s:%u: skip_verify must be true or false",
			                 m->file, m->vault_line[k]);
	}
	return ST_OK;
}

void manifest_free(struct manifest *m)
{
	size_t i;
	int k;

	if (m == NULL)
		return;
	/* [vault] values may be a secret_id or a role_id. */
	for (k = 0; k < VK__COUNT; k++)
		if (m->vault[k] != NULL)
			wipe_free(m->vault[k], strlen(m->vault[k]) + 1);
	for (i = 0; i < m->nmounts; i++)
		free(m->mounts[i].mount);
	for (i = 0; i < m->nvars; i++) {
		free(m->vars[i].name);
		free(m->vars[i].ref);
		free(m->vars[i].fallback);
	}
	for (i = 0; i < m->nprofiles; i++) {
		free(m->profiles[i].name);
		free(m->profiles[i].from);
		free(m->profiles[i].type);
		free(m->profiles[i].prefix);
	}
	for (i = 0; i < m->nrequests; i++) {
		size_t j;

		for (j = 0; j < 2 * m->requests[i].npairs; j++)
			free(m->requests[i].pairs[j]);
		free(m->requests[i].pairs);
		free(m->requests[i].path);
	}
	free(m->requests);
	free(m->mounts);
	free(m->vars);
	free(m->profiles);
	free(m->file);
	free(m);
}

const char *manifest_vkey_name(enum vkey k)
{
	if ((int)k < 0 || k >= VK__COUNT)
		return NULL;
	return vkey_names[k];
}
