/* test_lease.c - durations as Vault's CLI writes them, and the list. */
#include <stdlib.h>
#include <string.h>

#include "lease.h"
#include "t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

TEST(lease_duration_table)
{
	static const struct {
		long s;
		const char *want;
	} cases[] = {
		{0, "0s"},       {-5, "0s"},     {1, "1s"},
		{59, "59s"},     {60, "1m"},     {61, "1m1s"},
		{900, "15m"},    {3600, "1h"},   {3661, "1h1m1s"},
		{5400, "1h30m"}, {86400, "24h"}, {2764800, "768h"},
		{7201, "2h1s"},
	};
	char buf[24];
	size_t i;

	for (i = 0; i < N(cases); i++)
		CHECK_STR(lease_duration(cases[i].s, buf, sizeof buf),
		          cases[i].want);
}

TEST(lease_list_records_only_leases)
{
	struct leases *ls = lease_list_new();
	struct lease none = {NULL, 3600, 1};
	struct lease a = {NULL, 3600, 1}, b = {NULL, 900, 0};
	char buf[256];

	a.id = strdup("database/creds/backup/abc");
	b.id = strdup("aws/sts/deploy/xyz");
	lease_list_add(ls, &none); /* a KV v1 answer: a duration, no id */
	lease_list_add(ls, &a);
	lease_list_add(ls, &b);
	lease_clear(&a); /* the list keeps its own copies */
	lease_clear(&b);
	CHECK(a.id == NULL && a.duration == 0);
	CHECK(lease_list_count(ls) == 2);
	CHECK_STR(lease_list_describe(ls, buf, sizeof buf),
	          "database/creds/backup/abc (1h left), aws/sts/deploy/xyz (15m "
	          "left)");
	lease_list_free(ls);
	lease_list_free(NULL);
	CHECK(lease_list_count(NULL) == 0);
}
