/* test_plan.c - variables, references, distinct reads and declared mounts,
 * before any traffic.  Table-driven: each case is a manifest and an
 * environment, and the plan is summarised in two lines, one for the
 * variables and one for the items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "plan.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct manifest *parse(const char *text)
{
	struct manifest *m = NULL;
	struct error err;

	if (text == NULL)
		return NULL;
	memset(&err, 0, sizeof err);
	if (manifest_parse("t.ini", text, strlen(text), &m, &err) != ST_OK) {
		fprintf(stderr, "  manifest: %s\n", err.msg);
		return NULL;
	}
	return m;
}

/* "NAME>item" per variable ("~" before an inline one, "!status" for a
 * failed one), space-separated. */
static void vars_line(const struct plan *p, char *buf, size_t cap)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nvars && n < cap; i++) {
		const struct pvar *v = &p->vars[i];

		n += (size_t)snprintf(buf + n, cap - n, "%s%s%s", i ? " " : "",
		                      v->is_inline ? "~" : "", v->name);
		if (n < cap && v->status != ST_OK)
			n += (size_t)snprintf(buf + n, cap - n, "!%d", v->status);
		else if (n < cap)
			n += (size_t)snprintf(buf + n, cap - n, ">%zu",
			                      (size_t)v->item);
	}
}

/* "path[?N][ mount|rest][ =>alias][ !status]" per item, "; "-separated. */
static void items_line(const struct plan *p, char *buf, size_t cap)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nitems && n < cap; i++) {
		const struct pitem *it = &p->items[i];

		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "; " : "",
		                      it->path);
		if (n < cap && it->version)
			n += (size_t)snprintf(buf + n, cap - n, "?%lu",
			                      it->version);
		if (n < cap && it->mount != NO_INDEX)
			n += (size_t)snprintf(buf + n, cap - n, " %s|%s",
			                      p->mounts[it->mount].path,
			                      plan_rest(it) ? plan_rest(it) :
			                                      "(null)");
		if (n < cap && it->alias != NO_INDEX)
			n += (size_t)snprintf(buf + n, cap - n, " =>%zu",
			                      (size_t)it->alias);
		if (n < cap && it->status != ST_OK)
			n += (size_t)snprintf(buf + n, cap - n, " !%d", it->status);
	}
}

struct pcase {
	const char *manifest; /* NULL: none */
	const char *env[8];   /* NULL-terminated */
	int status;           /* of plan_build */
	const char *vars, *items;
};

/* clang-format off */
static const struct pcase cases[] = {
	/* nothing at all */
	{NULL, {NULL}, ST_OK, "", ""},
	{NULL, {"PATH=/bin", "HOME=/root", NULL}, ST_OK, "", ""},
	/* manifest order, profiles merged by line, inline afterwards in
	 * environment order */
	{"[env]\n"
	 "A = secret/a#k\n"
	 "[profile db]\n"
	 "from = secret/db\n"
	 "[env]\n"
	 "B = secret/b\n"
	 "[files]\n"
	 "F = secret/tls#ca.crt\n"
	 "[profile s3]\n"
	 "from = secret/s3#/details\n",
	 {"PATH=/bin", "Z=vault:secret/z#k", "X=plain", "Y=vault:secret/y", NULL},
	 ST_OK, "A>0 db>1 B>2 F>3 s3>4 ~Z>5 ~Y>6",
	 "secret/a; secret/db; secret/b; secret/tls; secret/s3; secret/z; secret/y"},
	{"[profile first]\nfrom = p/one\n[env]\nA = p/two\n", {NULL}, ST_OK,
	 "first>0 A>1", "p/one; p/two"},
	/* inline only, no manifest */
	{NULL, {"PGPASSWORD=vault:secret/db#password", "PGUSER=vault:secret/db#user",
	        NULL}, ST_OK, "~PGPASSWORD>0 ~PGUSER>0", "secret/db"},
	/* an inline variable that [env] or [files] also sets is skipped, a
	 * profile's name is not a variable */
	{"[env]\nA = secret/a\n[files]\nF = secret/f\n[profile P]\nfrom = secret/p\n",
	 {"A=vault:secret/other", "F=vault:secret/other", "P=vault:secret/q", NULL},
	 ST_OK, "A>0 F>1 P>2 ~P>3", "secret/a; secret/f; secret/p; secret/q"},
	/* inline whatever the name (execve takes any); an empty name, and
	 * what is not inline at all, are not */
	{NULL, {"1BAD=vault:secret/x", "=vault:secret/x", "A-B=vault:secret/x",
	        "A.B=vault:secret/x", "vault:secret/x", "V=Vault:secret/x",
	        "W= vault:secret/x", NULL}, ST_OK, "~1BAD>0 ~A-B>0 ~A.B>0",
	 "secret/x"},
	{NULL, {"spring.datasource.password=vault:secret/db#pw", NULL}, ST_OK,
	 "~spring.datasource.password>0", "secret/db"},
	{NULL, {"_ok1=vault:secret/x", NULL}, ST_OK, "~_ok1>0", "secret/x"},
	/* bad references fail their variable; the rest are planned */
	{"[env]\nA = secret//x\nB = secret/ok\nC = secret/../x\n", {NULL},
	 ST_CONFIG, "A!78 B>0 C!78", "secret/ok"},
	{"[env]\nA = secret/x?version=0\nB = secret/x?v=1\nC = secret/x#\n"
	 "D = secret/x#/~2\n", {NULL},
	 ST_CONFIG, "A!78 B!78 C!78 D!78", ""},
	{NULL, {"E=vault:", "G=vault:secret/g", "H=vault:/x", NULL}, ST_CONFIG,
	 "~E!78 ~G>0 ~H!78", "secret/g"},
	/* a profile takes a whole secret or a pointer, not a key */
	{"[profile db]\nfrom = secret/db#password\n", {NULL}, ST_CONFIG, "db!78",
	 ""},
	{"[profile db]\nfrom = secret/db#*\n", {NULL}, ST_CONFIG, "db!78", ""},
	{"[profile db]\nfrom = secret/db?version=2#/\n", {NULL}, ST_OK, "db>0",
	 "secret/db?2"},
	/* one item per distinct (path, version), whatever the selectors */
	{"[env]\nA = secret/app#a\nB = secret/app#b\nC = secret/app\n"
	 "D = secret/app#*\nE = secret/app#/x/y\n", {"I=vault:secret/app#i", NULL},
	 ST_OK, "A>0 B>0 C>0 D>0 E>0 ~I>0", "secret/app"},
	{"[env]\nA = secret/app?version=1#a\nB = secret/app?version=2#a\n"
	 "C = secret/app?version=1#b\nD = secret/app#a\nE = secret/app?version=01\n",
	 {NULL}, ST_OK, "A>0 B>1 C>0 D>2 E>0",
	 "secret/app?1; secret/app?2; secret/app"},
	/* the API form is another path until its mount is known */
	{"[env]\nA = x/app\nB = x/data/app\n", {NULL}, ST_OK, "A>0 B>1",
	 "x/app; x/data/app"},
	/* [mounts]: the longest segment-aligned prefix */
	{"[mounts]\nteam = 1\nteam/kv = 2\n[env]\n"
	 "A = team/kv/app#k\nB = team/other#k\nC = teamx/kv/app\n"
	 "D = team/kvx/app\nE = team/kv/deep/er/app\n", {NULL}, ST_OK,
	 "A>0 B>1 C>2 D>3 E>4",
	 "team/kv/app team/kv|app; team/other team|other; teamx/kv/app; "
	 "team/kvx/app team|kvx/app; team/kv/deep/er/app team/kv|deep/er/app"},
	/* order in [mounts] does not matter */
	{"[mounts]\nteam/kv = 2\nteam = 1\n[env]\nA = team/kv/app\nB = team/x\n",
	 {NULL}, ST_OK, "A>0 B>1", "team/kv/app team/kv|app; team/x team|x"},
	/* KV v2: the API form is the same secret, read once */
	{"[mounts]\nsecret = 2\n[env]\nA = secret/app#a\nB = secret/data/app#b\n",
	 {"C=vault:secret/data/app#c", NULL}, ST_OK, "A>0 B>1 ~C>1",
	 "secret/app secret|app; secret/data/app secret|app =>0"},
	{"[mounts]\nsecret = 2\n[env]\nB = secret/data/app#b\nA = secret/app#a\n",
	 {NULL}, ST_OK, "B>0 A>1",
	 "secret/data/app secret|app; secret/app secret|app =>0"},
	{"[mounts]\nsecret = 2\n[env]\nA = secret/app?version=3\n"
	 "B = secret/data/app?version=3\nC = secret/data/app?version=4\n", {NULL},
	 ST_OK, "A>0 B>1 C>2",
	 "secret/app?3 secret|app; secret/data/app?3 secret|app =>0; "
	 "secret/data/app?4 secret|app"},
	/* KV v1: data/ is a path like any other, and versions are refused */
	{"[mounts]\nlegacy = 1\n[env]\nA = legacy/app\nB = legacy/data/app\n",
	 {NULL}, ST_OK, "A>0 B>1",
	 "legacy/app legacy|app; legacy/data/app legacy|data/app"},
	{"[mounts]\nlegacy = 1\n[env]\nA = legacy/app?version=2#k\nB = legacy/b\n",
	 {NULL}, ST_CONFIG, "A>0 B>1",
	 "legacy/app?2 legacy|(null) !78; legacy/b legacy|b"},
	/* dynamic mounts: data/ is a path like any other, versions refused */
	{"[mounts]\ndatabase = dynamic\n[env]\nU = database/creds/r#username\n"
	 "P = database/creds/r#password\nD = database/data/x\n", {NULL}, ST_OK,
	 "U>0 P>0 D>1", "database/creds/r database|creds/r; database/data/x database|data/x"},
	{"[mounts]\ndatabase = dynamic\n[env]\nU = database/creds/r?version=1\n",
	 {NULL}, ST_CONFIG, "U>0", "database/creds/r?1 database|(null) !78"},
	/* [request]: on a KV mount refused; with ?version refused */
	{"[mounts]\nsecret = 2\n[request secret/x]\nk = v\n[env]\nX = secret/x\n",
	 {NULL}, ST_CONFIG, "X>0", "secret/x secret|(null) !78"},
	{"[mounts]\npki = dynamic\n[request pki/issue/r]\ncommon_name = a\n"
	 "[env]\nX = pki/issue/r#certificate\nY = pki/issue/r?version=2\n",
	 {"Z=vault:pki/issue/r#private_key", NULL}, ST_CONFIG, "X>0 Y>1 ~Z>0",
	 "pki/issue/r pki|issue/r; pki/issue/r?2 pki|(null) !78"},
	/* an unused [request] fails the plan (plan.problem), not a variable */
	{"[request pki/issue/r]\ncommon_name = a\n[env]\nX = pki/issue/q\n",
	 {NULL}, ST_CONFIG, "X>0", "pki/issue/q"},
	/* used by an inline reference only: used */
	{"[request pki/issue/r]\ncommon_name = a\n",
	 {"Z=vault:pki/issue/r#private_key", NULL}, ST_OK, "~Z>0", "pki/issue/r"},
};
/* clang-format on */

TEST(plan_table)
{
	struct plan p;
	struct manifest *m;
	char vars[1024], items[1024];
	size_t i;
	int rc;

	for (i = 0; i < N(cases); i++) {
		m = parse(cases[i].manifest);
		if (cases[i].manifest && m == NULL) {
			CHECK(m != NULL);
			continue;
		}
		rc = plan_build(&p, m, (char *const *)cases[i].env);
		vars_line(&p, vars, sizeof vars);
		items_line(&p, items, sizeof items);
		if (rc != cases[i].status || strcmp(vars, cases[i].vars) != 0 ||
		    strcmp(items, cases[i].items) != 0)
			fprintf(stderr, "  case %zu: %d\n", i, rc);
		CHECK(rc == cases[i].status);
		CHECK_STR(vars, cases[i].vars);
		CHECK_STR(items, cases[i].items);
		plan_free(&p);
		manifest_free(m);
	}
}

/* What each variable records: where, which section, which reference. */
TEST(plan_variables)
{
	static const char text[] = "[vault]\n"
				   "address = http://v\n"
				   "[env]\n"
				   "A = secret/a#k\n"
				   "[profile db]\n"
				   "from = secret/db\n"
				   "type = generic\n"
				   "prefix = DBX\n"
				   "[files]\n"
				   "F = secret/tls#/ca\n";
	char e0[] = "PATH=/bin", e1[] = "Z=vault:secret/z#*";
	char *env[] = {e0, e1, NULL};
	struct manifest *m = parse(text);
	struct plan p;
	char where[64];
	const struct pvar *v;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, env) == ST_OK);
	REQUIRE(p.nvars == 4);

	v = &p.vars[0];
	CHECK_STR(v->name, "A");
	CHECK_STR(v->reftext, "secret/a#k");
	CHECK(v->name == m->vars[0].name); /* borrowed, not copied */
	CHECK(v->section == MS_ENV && !v->is_inline && v->ext == NULL);
	CHECK(v->sel == SEL_KEY);
	CHECK_STR(plan_selector(v), "k");
	CHECK_STR(plan_where(&p, v, where, sizeof where), "t.ini:4");
	CHECK(v->status == ST_OK && plan_var_reason(v) == NULL);

	v = &p.vars[1];
	CHECK_STR(v->name, "db");
	CHECK(v->section == MS_PROFILE);
	REQUIRE(v->ext != NULL);
	CHECK_STR(v->ext->ptype, "generic");
	CHECK_STR(v->ext->pprefix, "DBX");
	CHECK(v->sel == SEL_POINTER); /* the whole secret */
	CHECK_STR(plan_selector(v), "");
	CHECK_STR(plan_where(&p, v, where, sizeof where), "t.ini:5");

	v = &p.vars[2];
	CHECK_STR(v->name, "F");
	CHECK(v->section == MS_FILES);
	CHECK(v->sel == SEL_POINTER);
	CHECK_STR(plan_selector(v), "/ca");
	CHECK_STR(plan_where(&p, v, where, sizeof where), "t.ini:10");

	v = &p.vars[3];
	CHECK_STR(v->name, "Z");
	CHECK(v->is_inline && v->section == MS_ENV);
	CHECK_STR(v->name, "Z"); /* a copy: env holds "Z=vault:..." */
	CHECK_STR(v->reftext, "secret/z#*"); /* "vault:" removed */
	CHECK(v->reftext == e1 + 8);         /* borrowed from env */
	CHECK(v->sel == SEL_WHOLE);
	CHECK(v->line == 0);
	CHECK_STR(plan_where(&p, v, where, sizeof where), "environment");
	CHECK(!v->superseded);

	/* plan_where cuts to the buffer */
	CHECK_STR(plan_where(&p, &p.vars[2], where, 5), "t.in");
	plan_free(&p);
	manifest_free(m);
}

/* A failed variable keeps its reason and reads nothing. */
TEST(plan_bad_reference_reason)
{
	static const char text[] = "[env]\nA = secret//x\nB = secret/ok\n";
	struct manifest *m = parse(text);
	struct plan p;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_CONFIG);
	REQUIRE(p.nvars == 2);
	CHECK(p.vars[0].status == ST_CONFIG);
	CHECK_STR(plan_var_reason(&p.vars[0]), "empty path segment in 'secret//x'");
	CHECK(p.vars[0].item == NO_INDEX);
	CHECK(plan_item(&p, &p.vars[0]) == NULL);
	CHECK(p.vars[1].status == ST_OK && plan_var_reason(&p.vars[1]) == NULL);
	CHECK(plan_item(&p, &p.vars[1]) == &p.items[0]);
	plan_free(&p);
	manifest_free(m);
}

/* 40 variables on one path: one read. */
TEST(plan_dedupe_many)
{
	char text[4096], name[32];
	struct manifest *m;
	struct plan p;
	size_t n, i;

	n = (size_t)snprintf(text, sizeof text, "[env]\n");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
		                      "V%zu = secret/shared/app#k%zu\n", i, i);
	REQUIRE(n < sizeof text);
	m = parse(text);
	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_OK);
	CHECK(p.nvars == 40);
	CHECK(p.nitems == 1);
	for (i = 0; i < p.nvars; i++) {
		snprintf(name, sizeof name, "V%zu", i);
		CHECK_STR(p.vars[i].name, name);
		CHECK(p.vars[i].item == 0);
	}
	plan_free(&p);
	manifest_free(m);
}

/* A run's plan is mostly its variables and items, one of each per
 * reference: their sizes are what 1,000 or 100,000 references cost (issue
 * 15's peak RSS).  Where pointers are 8 bytes: */
TEST(plan_structs_stay_small)
{
	if (sizeof(void *) != 8)
		return;
	CHECK(sizeof(struct pvar) <= 56);
	CHECK(sizeof(struct pitem) <= 64);
}

/* A path too long for item_key's stack buffer dedupes the same way. */
TEST(plan_long_path)
{
	char ref[600], e0[700], e1[700], e2[700];
	char *env[] = {e0, e1, e2, NULL};
	struct plan p;
	size_t i, n = 0;

	for (i = 0; i < 40; i++) /* about 390 bytes */
		n += (size_t)snprintf(ref + n, sizeof ref - n, "%ssegment%zu",
		                      i ? "/" : "", i);
	snprintf(e0, sizeof e0, "A=vault:%s#a", ref);
	snprintf(e1, sizeof e1, "B=vault:%s#b", ref);
	snprintf(e2, sizeof e2, "C=vault:%s?version=123456#c", ref);
	CHECK(plan_build(&p, NULL, env) == ST_OK);
	CHECK(p.nvars == 3);
	CHECK(p.nitems == 2);
	CHECK(p.vars[0].item == 0 && p.vars[1].item == 0 && p.vars[2].item == 1);
	CHECK(p.nitems == 2 && p.items[1].version == 123456);
	plan_free(&p);
}

/* Many variables, many distinct paths: every one planned once. */
TEST(plan_many)
{
	enum { NVARS = 20000 };
	static char buf[NVARS][48];
	static char *env[NVARS + 1];
	struct plan p;
	size_t i, bad = 0;

	for (i = 0; i < NVARS; i++) {
		/* every path used by two variables */
		snprintf(buf[i], sizeof buf[i], "V%zu=vault:secret/p%zu#k%zu",
		         i, i / 2, i);
		env[i] = buf[i];
	}
	env[NVARS] = NULL;
	CHECK(plan_build(&p, NULL, env) == ST_OK);
	CHECK(p.nvars == NVARS);
	CHECK(p.nitems == NVARS / 2);
	for (i = 0; i < p.nvars && i < NVARS; i++)
		if (p.vars[i].item != i / 2)
			bad++;
	CHECK(bad == 0);
	plan_free(&p);
}

/* The first failure is the one kept. */
TEST(plan_fail_first_wins)
{
	char e0[] = "A=vault:secret/a";
	char *env[] = {e0, NULL};
	struct plan p;

	CHECK(plan_build(&p, NULL, env) == ST_OK);
	REQUIRE(p.nvars == 1 && p.nitems == 1);
	plan_fail_var(&p.vars[0], ST_NOINPUT, "first");
	plan_fail_var(&p.vars[0], ST_DATA, "second");
	CHECK(p.vars[0].status == ST_NOINPUT);
	CHECK_STR(plan_var_reason(&p.vars[0]), "first");
	plan_fail_item(&p.items[0], ST_NOPERM, "denied");
	plan_fail_item(&p.items[0], ST_UNAVAILABLE, "later");
	CHECK(p.items[0].status == ST_NOPERM);
	CHECK_STR(p.items[0].reason, "denied");
	plan_free(&p);
	CHECK(p.vars == NULL && p.nvars == 0 && p.index == NULL);
}

TEST(plan_free_empty)
{
	struct plan p;

	memset(&p, 0, sizeof p);
	plan_free(&p); /* never built */
	CHECK(plan_build(&p, NULL, NULL) == ST_OK);
	CHECK(p.nvars == 0 && p.nitems == 0 && p.nmounts == 0);
	plan_free(&p);
	plan_free(&p); /* twice */
}

TEST(plan_requests)
{
	static const char text[] = "[request pki/issue/r]\n"
				   "common_name = a.example\n"
				   "ttl = 1h\n"
				   "[env]\n"
				   "X = pki/issue/r#certificate\n"
				   "Y = secret/y\n"
				   "[request aws/sts/unused]\n";
	struct manifest *m = parse(text);
	struct plan p;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_CONFIG);
	REQUIRE(p.nitems == 2);
	CHECK(p.items[0].request == &m->requests[0]);
	CHECK(p.items[1].request == NULL);
	CHECK(p.vars[0].status == ST_OK && p.vars[1].status == ST_OK);
	CHECK(p.problem.status == ST_CONFIG);
	CHECK_STR(p.problem.msg, "t.ini:7: [request aws/sts/unused] is not used: "
	                         "no variable selects from it, and it would be "
	                         "written for nothing");
	plan_free(&p);
	manifest_free(m);
}

/* A cause many items share is kept once; each item has its own reason. */
TEST(plan_shared_failures)
{
	char e0[] = "A=vault:secret/a", e1[] = "B=vault:secret/b",
	     e2[] = "C=vault:secret/c";
	char *env[] = {e0, e1, e2, NULL};
	struct plan p;

	CHECK(plan_build(&p, NULL, env) == ST_OK);
	REQUIRE(p.nitems == 3);
	plan_fail_item_shared(&p, &p.items[0], ST_NOPERM, "no token", "a: 403");
	plan_fail_item(&p.items[1], ST_NOINPUT, "missing");
	plan_fail_item_shared(&p, &p.items[2], ST_NOPERM, "no token", "c: 400");
	plan_fail_item_shared(&p, &p.items[2], ST_DATA, "other", "later");
	CHECK(p.nshared == 1);
	CHECK_STR(p.shared[0], "no token");
	CHECK(p.items[0].shared == 1 && p.items[1].shared == 0 &&
	      p.items[2].shared == 1);
	CHECK_STR(p.items[2].reason, "c: 400");
	CHECK(p.items[2].status == ST_NOPERM);
	plan_free(&p);
	CHECK(p.shared == NULL && p.nshared == 0);
}

/* A composed value's pieces are planned with every other reference: a path
 * read by a plain variable and by two pieces is one item; a bad piece
 * fails the variable with ST_CONFIG naming it; a [defaults] value is
 * carried onto the variable. */
TEST(plan_composed_pieces_share_items)
{
	struct manifest *m = parse("[env]\n"
	                           "PW = secret/db#password\n"
	                           "URL = pg://${secret/db#user|url}:"
	                           "${secret/db#password|url}@${secret/host}/x\n"
	                           "BAD = a${secret/../x}\n"
	                           "LIT = $${not/read}\n"
	                           "[defaults]\nURL = pg://localhost\n");
	struct plan p;
	const struct pvar *url, *bad, *lit;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_CONFIG);
	/* What the plan borrows outlives the manifest's array of entries. */
	manifest_drop_vars(m);
	CHECK(m->vars == NULL && m->nvars == 0);
	REQUIRE(p.nvars == 4);
	CHECK(p.nitems == 2); /* secret/db and secret/host */
	url = &p.vars[1];
	CHECK_STR(url->name, "URL");
	CHECK(url->status == ST_OK);
	CHECK(url->item == NO_INDEX);
	REQUIRE(plan_template(url) != NULL);
	CHECK(template_count(url->ext->tpl) == 7);
	CHECK(url->ext->pieces[1].item == p.vars[0].item);
	CHECK(url->ext->pieces[3].item == p.vars[0].item);
	CHECK(url->ext->pieces[5].item != p.vars[0].item);
	CHECK(url->ext->pieces[0].item == NO_INDEX);
	CHECK_STR(url->ext->pieces[3].ref.selector, "password");
	CHECK_STR(url->ext->fallback, "pg://localhost");
	bad = &p.vars[2];
	CHECK(bad->status == ST_CONFIG);
	CHECK(plan_var_reason(bad) &&
	      strncmp(plan_var_reason(bad), "${secret/../x}: ", 16) == 0);
	lit = &p.vars[3];
	CHECK(lit->status == ST_OK && plan_template(lit) &&
	      template_refs(lit->ext->tpl) == 0);
	CHECK(p.vars[0].ext == NULL); /* no template, no default */
	plan_free(&p);
	manifest_free(m);
}
