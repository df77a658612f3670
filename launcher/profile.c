/* profile.c - a typed connection secret -> the variables its clients read.
 *
 * Each type is a table of fields.  postgres, mysql and s3 export the
 * variables their tables name; ftp, http and generic export every field as
 * PREFIX_FIELD, their tables only adding the required field and defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* json_member walks from the first member on every call: a cap keeps a
 * hostile secret from costing quadratic time. */
#define MAX_FIELDS 1024
/* MySQL reads option files in 4096-byte lines; a longer one would be cut
 * and its rest read as another option. */
#define MAX_OPTLINE 4000

enum { F_REQ = 1, F_URL = 2 };

struct field {
	const char *var; /* NULL: only for the option file, or a PREFIX type */
	const char *key; /* the field's name */
	const char *alias; /* another name clients' secrets use, or NULL */
	const char *dflt;  /* when absent or empty, or NULL */
	int flags;
};

static const struct field postgres[] = {
	{"PGHOST", "host", NULL, NULL, F_REQ},
	{"PGPORT", "port", NULL, "5432", 0},
	{"PGUSER", "username", "user", NULL, F_REQ},
	{"PGPASSWORD", "password", NULL, NULL, 0},
	{"PGDATABASE", "database", "dbname", NULL, 0},
	{"PGSSLMODE", "sslmode", NULL, NULL, 0},
	{NULL, NULL, NULL, NULL, 0},
};

/* The user name goes only into the option file: no mysql client reads it
 * from the environment on Unix. */
static const struct field mysql[] = {
	{"MYSQL_HOST", "host", NULL, NULL, F_REQ},
	{"MYSQL_TCP_PORT", "port", NULL, "3306", 0},
	{NULL, "username", "user", NULL, F_REQ},
	{"MYSQL_PWD", "password", NULL, NULL, 0},
	{"MYSQL_DATABASE", "database", "dbname", NULL, 0},
	{NULL, NULL, NULL, NULL, 0},
};

static const struct field s3[] = {
	{"AWS_ACCESS_KEY_ID", "access_key_id", NULL, NULL, F_REQ},
	{"AWS_SECRET_ACCESS_KEY", "secret_access_key", NULL, NULL, F_REQ},
	{"AWS_REGION", "region", NULL, "us-east-1", 0},
	{"AWS_DEFAULT_REGION", "region", NULL, "us-east-1", 0},
	{"AWS_ENDPOINT_URL", "hostname", "endpoint", NULL, F_URL},
	{NULL, NULL, NULL, NULL, 0},
};

static const struct field ftp[] = {
	{NULL, "hostname", NULL, NULL, F_REQ},
	{NULL, "port", NULL, "21", 0},
	{NULL, "secure", NULL, "false", 0},
	{NULL, NULL, NULL, NULL, 0},
};

static const struct field http[] = {
	{NULL, "endpoint", NULL, NULL, F_REQ},
	{NULL, "method", NULL, "GET", 0},
	{NULL, "headers", NULL, "{}", 0},
	{NULL, NULL, NULL, NULL, 0},
};

static const struct field generic[] = {{NULL, NULL, NULL, NULL, 0}};

enum style { S_VARS, S_MYSQL, S_PREFIX };

static const struct ptype {
	const char *name;
	const struct field *fields;
	enum style style;
} types[] = {
	{"postgres", postgres, S_VARS}, {"mysql", mysql, S_MYSQL},
	{"mariadb", mysql, S_MYSQL},    {"s3", s3, S_VARS},
	{"ftp", ftp, S_PREFIX},         {"http", http, S_PREFIX},
	{"generic", generic, S_PREFIX},
};

/* The secret's fields, top level then details, a details field replacing
 * its top-level namesake in place.  Keys are borrowed from the documents. */
struct member {
	const char *key;
	struct secret val;
};

struct fields {
	struct member *m;
	size_t n, cap;
};

/* A field's value as found (not owned); key names it in messages. */
struct view {
	const char *key;
	const char *p;
	size_t len;
};

struct exports {
	struct pexport *e;
	size_t n, cap;
};

/* Field names come from the secret: keep control bytes and length out of
 * the one-line message. */
static const char *safe(const char *s, char buf[65])
{
	size_t i;

	for (i = 0; i < 64 && s[i] != '\0'; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static struct member *member(struct fields *fs, const char *key)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->m[i].key, key) == 0)
			return &fs->m[i];
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? 2 * fs->cap : 16;
		fs->m = xreallocarray(fs->m, fs->cap, sizeof *fs->m);
	}
	fs->m[fs->n].key = key;
	fs->m[fs->n].val.p = NULL;
	fs->m[fs->n].val.len = 0;
	return &fs->m[fs->n++];
}

static int collect(const char *name, const struct jdoc *obj,
                   const struct jdoc *details, struct fields *fs,
                   struct error *err)
{
	const struct jdoc *src[2] = {obj, details};
	struct secret v = {NULL, 0};
	struct member *m;
	const char *key;
	size_t s, i;

	for (s = 0; s < 2 && src[s] != NULL; s++) {
		for (i = 0; json_member(src[s], i, &key, &v) == 0; i++) {
			/* The type is no field; a details object is a container. */
			if (strcmp(key, "type") == 0 ||
			    (s == 0 && details && strcmp(key, "details") == 0))
				continue;
			m = member(fs, key);
			if (fs->n > MAX_FIELDS) {
				secret_wipe(&v);
				return error_set(err, ST_DATA,
				                 "profile %s: more than %d fields",
				                 name, MAX_FIELDS);
			}
			secret_wipe(&m->val);
			m->val = v;
			v.p = NULL;
			v.len = 0;
		}
	}
	secret_wipe(&v); /* a skipped last member */
	return ST_OK;
}

/* A field by its name or alias; empty (or null) counts as absent. */
static int find(const struct fields *fs, const struct field *f, struct view *v)
{
	const char *names[2] = {f->key, f->alias};
	size_t i, k;

	for (k = 0; k < 2 && names[k] != NULL; k++)
		for (i = 0; i < fs->n; i++)
			if (fs->m[i].val.len > 0 &&
			    strcmp(fs->m[i].key, names[k]) == 0) {
				v->key = fs->m[i].key;
				v->p = fs->m[i].val.p;
				v->len = fs->m[i].val.len;
				return 1;
			}
	if (f->dflt == NULL)
		return 0;
	v->key = f->key;
	v->p = f->dflt;
	v->len = strlen(f->dflt);
	return 1;
}

static struct pexport *push(struct exports *o, char *name, int is_file)
{
	struct pexport *e;

	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 8;
		o->e = xreallocarray(o->e, o->cap, sizeof *o->e);
	}
	e = &o->e[o->n++];
	e->name = name;
	e->value.p = NULL;
	e->value.len = 0;
	e->is_file = is_file;
	return e;
}

/* An environment string ends at its first NUL: the value would be cut. */
static int add(struct exports *o, const char *pname, char *var,
               const struct view *v, int url, struct error *err)
{
	struct pexport *e;
	char b[65];
	char *s;

	if (memchr(v->p, '\0', v->len) != NULL) {
		free(var);
		return error_set(err, ST_DATA,
		                 "profile %s: field '%s' holds a NUL byte",
		                 pname, safe(v->key, b));
	}
	e = push(o, var, 0);
	if (url && strstr(v->p, "://") == NULL) { /* no printf on values */
		e->value.p = s = xmalloc(8 + v->len + 1);
		memcpy(s, "https://", 8);
		memcpy(s + 8, v->p, v->len + 1);
		e->value.len = 8 + v->len;
	} else {
		secret_set(&e->value, v->p, v->len);
	}
	return ST_OK;
}

/* The one way to hand mysql a user and password without an argument that
 * ps shows: --defaults-extra-file=$MYSQL_DEFAULTS_FILE.  Option-file rules:
 * inside double quotes '#' starts no comment and spaces stay; \" and \\ are
 * the escapes.  A line break cannot be written at all. */
static int option_file(const char *pname, const struct fields *fs,
                       struct exports *o, struct error *err)
{
	static const char *const opt[4] = {"user", "password", "host", "port"};
	static const struct field *const f[4] = {&mysql[2], &mysql[3],
	                                         &mysql[0], &mysql[1]};
	struct view v[4];
	struct pexport *e;
	size_t i, j, cap = sizeof "[client]\n";
	char b[65], *p, *q, *line;

	for (i = 0; i < 4; i++) {
		if (!find(fs, f[i], &v[i])) {
			v[i].p = NULL;
			continue;
		}
		if (memchr(v[i].p, '\n', v[i].len) ||
		    memchr(v[i].p, '\r', v[i].len) ||
		    memchr(v[i].p, '\0', v[i].len))
			return error_set(err, ST_DATA,
			                 "profile %s: field '%s' has a line break "
			                 "or NUL byte, which an option file "
			                 "cannot hold",
			                 pname, safe(v[i].key, b));
		cap += strlen(opt[i]) + 4 + 2 * v[i].len;
	}
	q = p = xmalloc(cap);
	memcpy(q, "[client]\n", 9);
	q += 9;
	for (i = 0; i < 4; i++) {
		if (v[i].p == NULL)
			continue;
		line = q;
		memcpy(q, opt[i], strlen(opt[i]));
		q += strlen(opt[i]);
		*q++ = '=';
		*q++ = '"';
		for (j = 0; j < v[i].len; j++) {
			if (v[i].p[j] == '"' || v[i].p[j] == '\\')
				*q++ = '\\';
			*q++ = v[i].p[j];
		}
		*q++ = '"';
		*q++ = '\n';
		if (q - line > MAX_OPTLINE) {
			wipe_free(p, cap);
			return error_set(err, ST_DATA,
			                 "profile %s: field '%s' is too long for "
			                 "an option file",
			                 pname, safe(v[i].key, b));
		}
	}
	*q = '\0';
	e = push(o, xstrdup("MYSQL_DEFAULTS_FILE"), 1);
	e->value.p = p;
	e->value.len = (size_t)(q - p);
	return ST_OK;
}

int profile_type_known(const char *name)
{
	size_t i;

	for (i = 0; i < N(types); i++)
		if (strcmp(name, types[i].name) == 0)
			return 1;
	return 0;
}

const char *profile_type_names(void)
{
	static char names[128];
	size_t i, n = 0;

	if (names[0] == '\0')
		for (i = 0; i < N(types); i++)
			n += (size_t)snprintf(names + n, sizeof names - n, "%s%s",
			                      i == 0           ? "" :
			                      i + 1 < N(types) ? ", " :
			                                         " or ",
			                      types[i].name);
	return names;
}

static int pick_type(const char *pname, const char *type, const struct jdoc *obj,
                     const struct ptype **out, struct error *err)
{
	struct secret t = {NULL, 0};
	struct error ignore;
	size_t i;
	int rc;

	if (type != NULL)
		secret_set(&t, type, strlen(type));
	else if (json_select(obj, SEL_KEY, "type", &t, &ignore) != ST_OK ||
	         t.len == 0) {
		secret_wipe(&t);
		return error_set(err, ST_DATA,
		                 "profile %s: no type (set type = ... or a "
		                 "\"type\" field)",
		                 pname);
	}
	for (i = 0; i < N(types); i++)
		if (strlen(types[i].name) == t.len &&
		    memcmp(types[i].name, t.p, t.len) == 0) {
			*out = &types[i];
			secret_wipe(&t);
			return ST_OK;
		}
	/* The manifest's type = is echoed; the secret's own field is not:
	 * nothing read from a secret is ever printed. */
	if (type != NULL)
		rc = error_set(err, ST_DATA, "profile %s: unknown type '%s'",
		               pname, t.p);
	else
		rc = error_set(err, ST_DATA,
		               "profile %s: unknown type in its \"type\" field "
		               "(expected %s)",
		               pname, profile_type_names());
	secret_wipe(&t);
	return rc;
}

static int by_table(const char *pname, const struct ptype *t,
                    const struct fields *fs, struct exports *o, struct error *err)
{
	const struct field *f;
	struct view v;
	int rc;

	for (f = t->fields; f->key != NULL; f++) {
		if (f->var == NULL || !find(fs, f, &v))
			continue;
		rc = add(o, pname, xstrdup(f->var), &v, f->flags & F_URL, err);
		if (rc != ST_OK)
			return rc;
	}
	return t->style == S_MYSQL ? option_file(pname, fs, o, err) : ST_OK;
}

/* Upper-case, and anything outside [A-Z0-9_] becomes '_'. */
static void upcase(char *c)
{
	for (; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
		else if (!(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9'))
			*c = '_';
}

static int by_prefix(const char *pname, const char *prefix, const struct ptype *t,
                     struct fields *fs, struct exports *o, struct error *err)
{
	const struct field *f;
	struct member *m;
	struct view v;
	char b1[65], b2[65], *var;
	size_t i, k;
	int rc;

	/* Defaults take a missing field's place, or are appended in the
	 * table's order, so that the output stays stable. */
	for (f = t->fields; f->key != NULL; f++) {
		if (f->dflt == NULL || find(fs, f, &v) == 0 || v.p != f->dflt)
			continue;
		m = member(fs, f->key);
		secret_set(&m->val, f->dflt, strlen(f->dflt));
	}
	/* One export per field, in order: export k is field k. */
	for (i = 0; i < fs->n; i++) {
		var = xasprintf("%s_%s", prefix, fs->m[i].key);
		upcase(var + strlen(prefix) + 1);
		for (k = 0; k < o->n && strcmp(o->e[k].name, var) != 0; k++)
			;
		if (k < o->n) {
			free(var);
			return error_set(err, ST_DATA,
			                 "profile %s: fields '%s' and '%s' give "
			                 "the same variable",
			                 pname, safe(fs->m[k].key, b1),
			                 safe(fs->m[i].key, b2));
		}
		v.key = fs->m[i].key;
		v.p = fs->m[i].val.p ? fs->m[i].val.p : "";
		v.len = fs->m[i].val.len;
		if ((rc = add(o, pname, var, &v, 0, err)) != ST_OK)
			return rc;
	}
	return ST_OK;
}

static int required(const char *pname, const struct ptype *t,
                    const struct fields *fs, struct error *err)
{
	const struct field *f;
	struct view v;

	for (f = t->fields; f->key != NULL; f++)
		if ((f->flags & F_REQ) && !find(fs, f, &v))
			return error_set(err, ST_DATA,
			                 "profile %s: missing required field '%s'",
			                 pname, f->key);
	return ST_OK;
}

int profile_export(const char *name, const char *type, const char *prefix,
                   const struct jdoc *obj, struct pexport **out, size_t *n,
                   struct error *err)
{
	const struct ptype *t = NULL;
	struct jdoc *details = NULL;
	struct fields fs = {NULL, 0, 0};
	struct exports o = {NULL, 0, 0};
	struct error ignore;
	char *pfx;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pick_type(name, type, obj, &t, err)) != ST_OK)
		return rc;
	/* details that is no object is an ordinary field. */
	if (json_subobject(obj, "/details", &details, &ignore) != ST_OK)
		details = NULL;
	pfx = xstrdup(prefix ? prefix : name);
	if (prefix == NULL) /* a profile name may hold '-' */
		upcase(pfx);
	rc = collect(name, obj, details, &fs, err);
	if (rc == ST_OK)
		rc = required(name, t, &fs, err);
	if (rc == ST_OK && t->style == S_PREFIX)
		rc = by_prefix(name, pfx, t, &fs, &o, err);
	else if (rc == ST_OK)
		rc = by_table(name, t, &fs, &o, err);
	for (i = 0; i < fs.n; i++)
		secret_wipe(&fs.m[i].val);
	free(fs.m);
	free(pfx);
	json_free(details);
	if (rc != ST_OK) {
		profile_free_exports(o.e, o.n);
		return rc;
	}
	*out = o.e;
	*n = o.n;
	return ST_OK;
}

void profile_free_exports(struct pexport *e, size_t n)
{
	size_t i;

	for (i = 0; i < n && e != NULL; i++) {
		free(e[i].name);
		secret_wipe(&e[i].value);
	}
	free(e);
}
