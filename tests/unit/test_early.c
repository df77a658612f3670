/* test_early.c - values selected as answers arrive: kept while a merge may
 * still come, taken (and freed) once every mount is known, kept for a
 * composed value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "early.h"
#include "manifest.h"
#include "mounts.h"
#include "plan.h"
#include "select.h"
#include "t.h"

static void answer(struct plan *p, struct early *e, size_t i, const char *body)
{
	struct error err;

	CHECK(json_parse(body, strlen(body), &p->items[i].doc, &err) == ST_OK);
	early_answer(e, i);
}

static int value_is(const struct pvar *v, const char *want)
{
	return v->value.p && v->value.len == strlen(want) &&
	       memcmp(v->value.p, want, v->value.len) == 0;
}

TEST(early_answers)
{
	static const char text[] = "[env]\n"
				   "A = secret/x#a\n" /* item 0 */
				   "B = secret/data/x#b\n" /* item 1: merges into 0 */
				   "C = secret/y#c\n"      /* item 2 */
				   "D = <${secret/z#d}>\n" /* item 3, composed */
				   "E = secret/y#none\n"
				   "[defaults]\n"
				   "E = dflt\n";
	struct manifest *m = NULL;
	struct error err;
	struct early *e;
	struct plan p;
	size_t mi;

	REQUIRE(manifest_parse("t.ini", text, strlen(text), &m, &err) == ST_OK);
	REQUIRE(plan_build(&p, m, NULL) == ST_OK);
	REQUIRE(p.nitems == 4 && p.nvars == 5);
	e = early_new(&p);
	REQUIRE(e != NULL);
	mi = mounts_add(&p, "secret", 2, 0);
	CHECK(mounts_assign(&p, 0, mi) == ST_OK);
	CHECK(mounts_assign(&p, 2, mi) == ST_OK);
	/* item 1 has no mount yet: it may merge into 0, whose answer stays */
	answer(&p, e, 0, "{\"a\":\"va\",\"b\":\"vb\"}");
	CHECK(p.items[0].doc != NULL && !early_taken(e, 0));
	CHECK(p.vars[0].value.p == NULL);
	CHECK(mounts_assign(&p, 1, mi) == ST_OK);
	CHECK(p.items[1].alias == 0);
	CHECK(mounts_assign(&p, 3, mi) == ST_OK);
	/* every mount known: this answer and the one kept are taken */
	answer(&p, e, 2, "{\"c\":\"vc\"}");
	CHECK(early_taken(e, 0) && early_taken(e, 2));
	CHECK(p.items[0].doc == NULL && p.items[2].doc == NULL);
	CHECK(value_is(&p.vars[0], "va") && value_is(&p.vars[1], "vb"));
	CHECK(value_is(&p.vars[2], "vc"));
	CHECK(value_is(&p.vars[4], "dflt") && p.vars[4].defaulted);
	/* a composed value's item keeps its answer for select_values */
	answer(&p, e, 3, "{\"d\":\"vd\"}");
	CHECK(!early_taken(e, 3) && p.items[3].doc != NULL);
	CHECK(p.vars[3].value.p == NULL);
	select_values(&p, e);
	CHECK(value_is(&p.vars[3], "<vd>"));
	CHECK(value_is(&p.vars[0], "va") && value_is(&p.vars[4], "dflt"));
	CHECK(!early_taken(NULL, 0));
	early_free(e);
	early_free(NULL);
	plan_free(&p);
	manifest_free(m);
}
