/* test_mounts.c - the plan's mounts and the reads' identity: items
 * assigned to mounts by hand, as detection and --watch do, merged when they
 * read the same (mount, rest, version); [mounts] entries and the longest
 * declared prefix; what settling stops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "manifest.h"
#include "mounts.h"
#include "plan.h"
#include "t.h"

static struct manifest *parse(const char *text)
{
	struct manifest *m = NULL;
	struct error err;

	memset(&err, 0, sizeof err);
	if (manifest_parse("t.ini", text, strlen(text), &m, &err) != ST_OK)
		fprintf(stderr, "  manifest: %s\n", err.msg);
	return m;
}

/* mounts_assign after detection: a plan without [mounts], items assigned by
 * hand as resolve.c does. */
TEST(mounts_assign_kv2)
{
	static const char text[] = "[env]\n"
				   "A = secret/x#a\n"              /* item 0 */
				   "B = secret/data/x#b\n"         /* item 1 */
				   "C = secret/x?version=3\n"      /* item 2 */
				   "D = secret/data/x?version=3\n" /* item 3 */
				   "E = secret/data/x?version=4\n" /* item 4 */
				   "F = secret/y\n"                /* item 5 */
				   "G = secret\n"                  /* item 6 */
				   "H = secret/datax/y\n";         /* item 7 */
	struct manifest *m = parse(text);
	struct plan p;
	size_t mi, i;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_OK);
	REQUIRE(p.nitems == 8);
	for (i = 0; i < p.nitems; i++)
		CHECK(p.items[i].mount == NO_INDEX);
	mi = mounts_add(&p, "secret", 2, 0);
	CHECK(mounts_add(&p, "secret", 1, 1) == mi); /* found, not changed */
	CHECK(p.nmounts == 1 && p.mounts[mi].kv == 2 && !p.mounts[mi].declared);
	for (i = 0; i < 6; i++)
		CHECK(mounts_assign(&p, i, mi) == ST_OK);
	CHECK_STR(plan_rest(&p.items[0]), "x");
	CHECK_STR(plan_rest(&p.items[1]), "x");
	CHECK(p.items[0].alias == NO_INDEX);
	CHECK(p.items[1].alias == 0);
	CHECK(p.items[3].alias == 2);
	CHECK(p.items[4].alias == NO_INDEX);
	CHECK(p.items[5].alias == NO_INDEX);
	/* plan_item follows the alias */
	CHECK(plan_item(&p, &p.vars[1]) == &p.items[0]);
	CHECK(plan_item(&p, &p.vars[3]) == &p.items[2]);
	CHECK(plan_item(&p, &p.vars[4]) == &p.items[4]);
	/* the mount itself is not a secret */
	CHECK(mounts_assign(&p, 6, mi) == ST_CONFIG);
	CHECK(p.items[6].status == ST_CONFIG);
	CHECK_STR(p.items[6].reason,
	          "'secret' names the mount 'secret', not a secret below it");
	CHECK(p.items[6].mount == mi);
	/* only a whole "data" segment is the API form */
	CHECK(mounts_assign(&p, 7, mi) == ST_OK);
	CHECK_STR(plan_rest(&p.items[7]), "datax/y");
	plan_free(&p);
	manifest_free(m);
}

/* The API form assigned first: the plain form assigned later reads it. */
TEST(mounts_assign_api_form_first)
{
	struct manifest *m = parse("[env]\n"
	                           "A = secret/y\n"      /* item 0 */
	                           "B = secret/x#a\n"    /* item 1 */
	                           "C = secret/data/x\n" /* item 2 */
	                           "D = secret/data/y\n" /* item 3 */
	                           "E = secret/z\n");    /* item 4 */
	struct plan p;
	size_t mi;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_OK);
	REQUIRE(p.nitems == 5);
	mi = mounts_add(&p, "secret", 2, 0);
	CHECK(mounts_assign(&p, 0, mi) == ST_OK); /* before any API form */
	CHECK(mounts_assign(&p, 2, mi) == ST_OK);
	CHECK(mounts_assign(&p, 1, mi) == ST_OK);
	CHECK(mounts_assign(&p, 3, mi) == ST_OK);
	CHECK(mounts_assign(&p, 4, mi) == ST_OK);
	CHECK(p.items[2].alias == NO_INDEX);
	CHECK(p.items[1].alias == 2);
	CHECK(p.items[3].alias == 0);
	CHECK(p.items[0].alias == NO_INDEX && p.items[4].alias == NO_INDEX);
	plan_free(&p);
	manifest_free(m);
}

TEST(mounts_assign_kv1_and_unknown)
{
	static const char text[] = "[env]\n"
				   "A = legacy/x\n"           /* item 0 */
				   "B = legacy/data/x\n"      /* item 1 */
				   "C = legacy/x?version=2\n" /* item 2 */
				   "D = guess/x\n"            /* item 3 */
				   "E = guess/data/x\n"       /* item 4 */
				   "F = guess/x?version=2\n"  /* item 5 */
				   "G = team/kv\n";           /* item 6 */
	struct manifest *m = parse(text);
	struct plan p;
	size_t v1, v0, deep;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, m, NULL) == ST_OK);
	REQUIRE(p.nitems == 7);
	v1 = mounts_add(&p, "legacy", 1, 0);
	v0 = mounts_add(&p, "guess", 0, 0);
	deep = mounts_add(&p, "team/kv", 2, 0);
	CHECK(v1 != v0 && v0 != deep && p.nmounts == 3);

	CHECK(mounts_assign(&p, 0, v1) == ST_OK);
	CHECK(mounts_assign(&p, 1, v1) == ST_OK);
	CHECK_STR(plan_rest(&p.items[0]), "x");
	CHECK_STR(plan_rest(&p.items[1]), "data/x"); /* v1 has no API form */
	CHECK(p.items[1].alias == NO_INDEX);
	CHECK(mounts_assign(&p, 2, v1) == ST_CONFIG);
	CHECK(p.items[2].status == ST_CONFIG);
	CHECK_STR(p.items[2].reason,
	          "?version= needs a KV v2 mount, and 'legacy' is KV v1");
	CHECK(plan_item(&p, &p.vars[2]) == &p.items[2]);

	/* unknown version: data/ stays, nothing merges, versions allowed */
	CHECK(mounts_assign(&p, 3, v0) == ST_OK);
	CHECK(mounts_assign(&p, 4, v0) == ST_OK);
	CHECK(mounts_assign(&p, 5, v0) == ST_OK);
	CHECK_STR(plan_rest(&p.items[3]), "x");
	CHECK_STR(plan_rest(&p.items[4]), "data/x");
	CHECK(p.items[4].alias == NO_INDEX);
	CHECK(p.items[5].alias == NO_INDEX && p.items[5].status == ST_OK);

	/* a mount of several segments, named by the reference */
	CHECK(mounts_assign(&p, 6, deep) == ST_CONFIG);
	CHECK_STR(p.items[6].reason,
	          "'team/kv' names the mount 'team/kv', not a secret below it");
	plan_free(&p);
	manifest_free(m);
}

/* The same rest on two mounts is two secrets. */
TEST(mounts_assign_distinct_mounts)
{
	char e0[] = "A=vault:one/x", e1[] = "B=vault:two/x";
	char *env[] = {e0, e1, NULL};
	struct plan p;

	CHECK(plan_build(&p, NULL, env) == ST_OK);
	REQUIRE(p.nitems == 2);
	CHECK(mounts_assign(&p, 0, mounts_add(&p, "one", 2, 0)) == ST_OK);
	CHECK(mounts_assign(&p, 1, mounts_add(&p, "two", 2, 0)) == ST_OK);
	CHECK(p.items[0].alias == NO_INDEX && p.items[1].alias == NO_INDEX);
	plan_free(&p);
}

/* mounts_kind: how far an item's mount is known, for engine_action. */
TEST(mounts_kind_table)
{
	char e0[] = "A=vault:one/x", e1[] = "B=vault:two/x",
	     e2[] = "C=vault:three/x", e3[] = "D=vault:four/x",
	     e4[] = "E=vault:five/x";
	char *env[] = {e0, e1, e2, e3, e4, NULL};
	struct plan p;
	size_t eng;

	CHECK(plan_build(&p, NULL, env) == ST_OK);
	REQUIRE(p.nitems == 5);
	CHECK(mounts_kind(&p, &p.items[0]) == MK_UNKNOWN);
	CHECK(mounts_assign(&p, 1, mounts_add(&p, "two", 1, 0)) == ST_OK);
	CHECK(mounts_assign(&p, 2, mounts_add(&p, "three", 2, 0)) == ST_OK);
	CHECK(mounts_assign(&p, 3, mounts_add(&p, "four", 0, 0)) == ST_OK);
	eng = mounts_add(&p, "five", 1, 0);
	p.mounts[eng].engine = strdup("database");
	CHECK(mounts_assign(&p, 4, eng) == ST_OK);
	CHECK(mounts_kind(&p, &p.items[1]) == MK_KV1);
	CHECK(mounts_kind(&p, &p.items[2]) == MK_KV2);
	CHECK(mounts_kind(&p, &p.items[3]) == MK_GUESS);
	CHECK(mounts_kind(&p, &p.items[4]) == MK_ENGINE);
	CHECK_STR(plan_rest(&p.items[4]), "x");
	plan_free(&p);
}

/* [mounts] entries are declared; the longest segment-aligned declared
 * prefix is an item's mount, a detected one is not looked at. */
TEST(mounts_declared)
{
	struct manifest *m = parse("[mounts]\nteam = 1\nteam/kv = 2\n"
	                           "database = dynamic\n");
	char e0[] = "A=vault:team/kv/app/x", e1[] = "B=vault:team/x",
	     e2[] = "C=vault:teamx/y", e3[] = "D=vault:database/creds/r",
	     e4[] = "E=vault:other/z";
	char *env[] = {e0, e1, e2, e3, e4, NULL};
	struct plan p;
	size_t team, kv, db, app;

	REQUIRE(m != NULL);
	CHECK(plan_build(&p, NULL, env) == ST_OK);
	REQUIRE(p.nitems == 5 && p.nmounts == 0);
	mounts_declare(&p, NULL); /* nothing */
	CHECK(p.nmounts == 0);
	mounts_declare(&p, m);
	REQUIRE(p.nmounts == 3);
	team = mounts_add(&p, "team", 2, 0); /* found: stays v1, declared */
	kv = mounts_add(&p, "team/kv", 1, 0);
	db = mounts_add(&p, "database", 2, 0);
	CHECK(p.nmounts == 3);
	CHECK(p.mounts[team].kv == 1 && p.mounts[team].declared);
	CHECK(p.mounts[kv].kv == 2 && p.mounts[kv].declared);
	CHECK(p.mounts[db].kv == 1 && p.mounts[db].declared);
	CHECK_STR(p.mounts[db].engine, "dynamic");
	CHECK(p.mounts[team].engine == NULL);
	app = mounts_add(&p, "team/kv/app", 2, 0); /* detected, not declared */
	CHECK(!p.mounts[app].declared);
	mounts_assign_declared(&p);
	CHECK(p.items[0].mount == kv);
	CHECK_STR(plan_rest(&p.items[0]), "app/x");
	CHECK(p.items[1].mount == team);
	CHECK(p.items[2].mount == NO_INDEX && plan_rest(&p.items[2]) == NULL);
	CHECK(p.items[3].mount == db);
	CHECK(mounts_kind(&p, &p.items[3]) == MK_ENGINE);
	CHECK(p.items[4].mount == NO_INDEX);
	plan_free(&p);
	manifest_free(m);
}

/* Once settled, the (mount, rest, version) index is gone: an item assigned
 * then reads on its own, even in the API form. */
TEST(mounts_settled_merges_none)
{
	char e0[] = "A=vault:secret/x", e1[] = "B=vault:secret/data/y",
	     e2[] = "C=vault:secret/data/x";
	char *env[] = {e0, e1, e2, NULL};
	struct plan p;
	size_t mi;

	CHECK(plan_build(&p, NULL, env) == ST_OK);
	REQUIRE(p.nitems == 3);
	mi = mounts_add(&p, "secret", 2, 0);
	CHECK(mounts_assign(&p, 0, mi) == ST_OK);
	CHECK(mounts_assign(&p, 1, mi) == ST_OK); /* the index is made */
	mounts_settled(&p);
	CHECK(mounts_assign(&p, 2, mi) == ST_OK);
	CHECK_STR(plan_rest(&p.items[2]), "x");
	CHECK(p.items[2].alias == NO_INDEX);
	plan_free(&p);
}
