/* test_profile.c - connection profiles: every type, its defaults, aliases,
 * details against flat fields, and the mysql option file byte for byte.
 *
 * Cases are data: a profile (name, `type =`, `prefix =`), its secret as
 * JSON, and either every export in order, written NAME=value| (NAME@=value|
 * for a file export), or the exact error message.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "t.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct pcase {
	const char *name, *type, *prefix; /* the section; NULL when unset */
	const char *json;
	int status;
	const char *want; /* the exports, or the message */
};

static char *flatten(const struct pexport *e, size_t n)
{
	size_t i, len = 1;
	char *s, *q;

	for (i = 0; i < n; i++)
		len += strlen(e[i].name) + e[i].value.len + 3;
	q = s = xmalloc(len);
	for (i = 0; i < n; i++) {
		memcpy(q, e[i].name, strlen(e[i].name));
		q += strlen(e[i].name);
		if (e[i].is_file)
			*q++ = '@';
		*q++ = '=';
		memcpy(q, e[i].value.p, e[i].value.len);
		q += e[i].value.len;
		*q++ = '|';
		CHECK(e[i].value.p[e[i].value.len] == '\0');
	}
	*q = '\0';
	return s;
}

/* What *out holds before a call: it must be NULL after a failure. */
static struct pexport sentinel;

static void run(const struct pcase *c, size_t nc)
{
	struct pexport *e;
	struct error err;
	struct jdoc *d;
	size_t i, n;
	char *got;
	int rc;

	for (i = 0; i < nc; i++) {
		if ((d = t_doc(c[i].json)) == NULL) {
			CHECK(d != NULL);
			continue;
		}
		memset(&err, 0, sizeof err);
		e = &sentinel;
		n = 99;
		rc = profile_export(c[i].name, c[i].type, c[i].prefix, d, &e,
		                    &n, &err);
		if (rc != c[i].status)
			fprintf(stderr, "  case %zu: %s -> %d (%s)\n", i,
			        c[i].json, rc, rc ? err.msg : "");
		CHECK(rc == c[i].status);
		if (rc == ST_OK) {
			got = flatten(e, n);
			CHECK_STR(got, c[i].want);
			free(got);
		} else {
			CHECK(e == NULL && n == 0);
			CHECK(err.status == rc);
			CHECK_STR(err.msg, c[i].want);
		}
		profile_free_exports(rc == ST_OK ? e : NULL, n);
		json_free(d);
	}
}

/* A test that runs one table. */
#define TABLE(test, cases)                                                     \
	TEST(test)                                                             \
	{                                                                      \
		run(cases, N(cases));                                          \
	}

/* clang-format off */
static const struct pcase postgres[] = {
	{"db", NULL, NULL,
	 "{\"type\":\"postgres\",\"details\":{\"host\":\"db.internal\","
	 "\"port\":5433,\"username\":\"app\",\"password\":\"pw\","
	 "\"database\":\"orders\"}}",
	 ST_OK,
	 "PGHOST=db.internal|PGPORT=5433|PGUSER=app|PGPASSWORD=pw|"
	 "PGDATABASE=orders|"},
	/* flat, only the required fields: the port defaults, nothing else */
	{"db", NULL, NULL, "{\"type\":\"postgres\",\"host\":\"h\",\"username\":\"u\"}",
	 ST_OK, "PGHOST=h|PGPORT=5432|PGUSER=u|"},
	{"db", NULL, NULL,
	 "{\"type\":\"postgres\",\"host\":\"h\",\"user\":\"u\",\"dbname\":\"d\","
	 "\"sslmode\":\"verify-full\"}",
	 ST_OK, "PGHOST=h|PGPORT=5432|PGUSER=u|PGDATABASE=d|PGSSLMODE=verify-full|"},
	/* the field's own name wins over its alias */
	{"db", NULL, NULL,
	 "{\"type\":\"postgres\",\"host\":\"h\",\"user\":\"alias\","
	 "\"username\":\"own\",\"dbname\":\"x\",\"database\":\"y\"}",
	 ST_OK, "PGHOST=h|PGPORT=5432|PGUSER=own|PGDATABASE=y|"},
	/* details wins over the top level */
	{"db", NULL, NULL,
	 "{\"type\":\"postgres\",\"host\":\"top\",\"port\":1,\"username\":\"u\","
	 "\"details\":{\"host\":\"inner\"}}",
	 ST_OK, "PGHOST=inner|PGPORT=1|PGUSER=u|"},
	/* null and empty are absent: default port, no password */
	{"db", NULL, NULL,
	 "{\"type\":\"postgres\",\"host\":\"h\",\"username\":\"u\",\"port\":null,"
	 "\"password\":\"\"}",
	 ST_OK, "PGHOST=h|PGPORT=5432|PGUSER=u|"},
	/* the section's type wins over the secret's */
	{"db", "postgres", NULL,
	 "{\"type\":\"mysql\",\"host\":\"h\",\"username\":\"u\"}", ST_OK,
	 "PGHOST=h|PGPORT=5432|PGUSER=u|"},
	{"db", "postgres", NULL, "{\"host\":\"h\",\"username\":\"u\"}", ST_OK,
	 "PGHOST=h|PGPORT=5432|PGUSER=u|"},
	{"db", NULL, NULL, "{\"type\":\"postgres\",\"username\":\"u\"}", ST_DATA,
	 "profile db: missing required field 'host'"},
	{"db", NULL, NULL, "{\"type\":\"postgres\",\"host\":\"h\"}", ST_DATA,
	 "profile db: missing required field 'username'"},
	{"db", NULL, NULL, "{\"type\":\"postgres\",\"host\":\"\",\"username\":\"u\"}",
	 ST_DATA, "profile db: missing required field 'host'"},
	{"db", NULL, NULL,
	 "{\"type\":\"postgres\",\"host\":\"h\",\"username\":\"u\","
	 "\"password\":\"a\\u0000b\"}",
	 ST_DATA, "profile db: field 'password' holds a NUL byte"},
};
/* clang-format on */

TABLE(profile_postgres, postgres)

#define NO_OPTION_LINE(field)                                                  \
	"profile my: field '" field "' has a line break or NUL byte, which "   \
	"an option file cannot hold"

/* clang-format off */
static const struct pcase mysql[] = {
	{"my", NULL, NULL,
	 "{\"type\":\"mysql\",\"details\":{\"host\":\"h\",\"port\":3307,"
	 "\"username\":\"u\",\"password\":\"p\",\"database\":\"d\"}}",
	 ST_OK,
	 "MYSQL_HOST=h|MYSQL_TCP_PORT=3307|MYSQL_PWD=p|MYSQL_DATABASE=d|"
	 "MYSQL_DEFAULTS_FILE@=[client]\nuser=\"u\"\npassword=\"p\"\n"
	 "host=\"h\"\nport=\"3307\"\n|"},
	/* mariadb is the same; no password: no password line */
	{"my", NULL, NULL, "{\"type\":\"mariadb\",\"host\":\"h\",\"user\":\"u\"}",
	 ST_OK,
	 "MYSQL_HOST=h|MYSQL_TCP_PORT=3306|"
	 "MYSQL_DEFAULTS_FILE@=[client]\nuser=\"u\"\nhost=\"h\"\n"
	 "port=\"3306\"\n|"},
	/* quotes keep '#', ';', '=' and spaces; '"' and '\' are escaped */
	{"my", NULL, NULL,
	 "{\"type\":\"mysql\",\"host\":\"h\",\"username\":\"o'brien\","
	 "\"password\":\" a\\\"b\\\\c #d;e=f \"}",
	 ST_OK,
	 "MYSQL_HOST=h|MYSQL_TCP_PORT=3306|MYSQL_PWD= a\"b\\c #d;e=f |"
	 "MYSQL_DEFAULTS_FILE@=[client]\nuser=\"o'brien\"\n"
	 "password=\" a\\\"b\\\\c #d;e=f \"\nhost=\"h\"\nport=\"3306\"\n|"},
	{"my", NULL, NULL,
	 "{\"type\":\"mysql\",\"host\":\"h\",\"username\":\"u\","
	 "\"password\":\"a\\nb\"}",
	 ST_DATA,
	 NO_OPTION_LINE("password")},
	{"my", NULL, NULL,
	 "{\"type\":\"mysql\",\"host\":\"h\",\"username\":\"u\\r\"}", ST_DATA,
	 NO_OPTION_LINE("username")},
	/* the user name is in no variable: the option file catches its NUL */
	{"my", NULL, NULL,
	 "{\"type\":\"mysql\",\"host\":\"h\",\"user\":\"u\\u0000\"}", ST_DATA,
	 NO_OPTION_LINE("user")},
	{"my", NULL, NULL,
	 "{\"type\":\"mysql\",\"host\":\"h\",\"username\":\"u\","
	 "\"password\":\"\\u0000\"}",
	 ST_DATA, "profile my: field 'password' holds a NUL byte"},
	{"my", NULL, NULL, "{\"type\":\"mysql\",\"username\":\"u\"}", ST_DATA,
	 "profile my: missing required field 'host'"},
	{"my", NULL, NULL, "{\"type\":\"mariadb\",\"host\":\"h\"}", ST_DATA,
	 "profile my: missing required field 'username'"},
};
/* clang-format on */

TABLE(profile_mysql, mysql)

/* MySQL reads option files in 4096-byte lines: a longer value would be cut
 * and its rest read as another option. */
TEST(profile_mysql_long_value)
{
	struct pcase c = {"my", "mysql", NULL, NULL, ST_OK, NULL};
	size_t fits = 4000 - strlen("password=\"\"\n");
	char *json, *want, *pw = xmalloc(fits + 1);

	memset(pw, 'x', fits);
	pw[fits] = '\0';
	c.json = json = xasprintf("{\"host\":\"h\",\"username\":\"u\","
	                          "\"password\":\"%s\"}",
	                          pw);
	c.want = want = xasprintf("MYSQL_HOST=h|MYSQL_TCP_PORT=3306|"
	                          "MYSQL_PWD=%s|MYSQL_DEFAULTS_FILE@=[client]\n"
	                          "user=\"u\"\npassword=\"%s\"\nhost=\"h\"\n"
	                          "port=\"3306\"\n|",
	                          pw, pw);
	run(&c, 1);
	free(json);
	free(want);
	/* as long, but its last byte a '"' that needs an escape */
	pw[fits - 1] = '\0';
	c.json = json = xasprintf("{\"host\":\"h\",\"username\":\"u\","
	                          "\"password\":\"%s\\\"\"}",
	                          pw);
	c.status = ST_DATA;
	c.want = "profile my: field 'password' is too long for an option file";
	run(&c, 1);
	free(json);
	free(pw);
}

/* clang-format off */
static const struct pcase s3[] = {
	{"store", NULL, NULL,
	 "{\"type\":\"s3\",\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\","
	 "\"region\":\"eu-west-3\",\"hostname\":\"minio.local:9000\"}",
	 ST_OK,
	 "AWS_ACCESS_KEY_ID=AK|AWS_SECRET_ACCESS_KEY=SK|AWS_REGION=eu-west-3|"
	 "AWS_DEFAULT_REGION=eu-west-3|AWS_ENDPOINT_URL=https://minio.local:9000|"},
	/* defaults: region us-east-1, no endpoint */
	{"store", NULL, NULL,
	 "{\"type\":\"s3\",\"details\":{\"access_key_id\":\"AK\","
	 "\"secret_access_key\":\"SK\"}}",
	 ST_OK,
	 "AWS_ACCESS_KEY_ID=AK|AWS_SECRET_ACCESS_KEY=SK|AWS_REGION=us-east-1|"
	 "AWS_DEFAULT_REGION=us-east-1|"},
	/* the endpoint alias; a scheme is kept as given */
	{"store", NULL, NULL,
	 "{\"type\":\"s3\",\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\","
	 "\"endpoint\":\"http://10.0.0.5:9000\"}",
	 ST_OK,
	 "AWS_ACCESS_KEY_ID=AK|AWS_SECRET_ACCESS_KEY=SK|AWS_REGION=us-east-1|"
	 "AWS_DEFAULT_REGION=us-east-1|AWS_ENDPOINT_URL=http://10.0.0.5:9000|"},
	{"store", NULL, NULL,
	 "{\"type\":\"s3\",\"secret_access_key\":\"SK\"}", ST_DATA,
	 "profile store: missing required field 'access_key_id'"},
	{"store", NULL, NULL, "{\"type\":\"s3\",\"access_key_id\":\"AK\"}",
	 ST_DATA, "profile store: missing required field 'secret_access_key'"},
};
/* clang-format on */

TABLE(profile_s3, s3)

/* clang-format off */
static const struct pcase ftp_http[] = {
	/* the prefix defaults to the name upper-cased, '-' made '_';
	 * defaults follow the fields given */
	{"backup-ftp", NULL, NULL,
	 "{\"type\":\"ftp\",\"hostname\":\"f\",\"username\":\"u\","
	 "\"password\":\"p\"}",
	 ST_OK,
	 "BACKUP_FTP_HOSTNAME=f|BACKUP_FTP_USERNAME=u|BACKUP_FTP_PASSWORD=p|"
	 "BACKUP_FTP_PORT=21|BACKUP_FTP_SECURE=false|"},
	/* given values stay in their place; null takes the default */
	{"f", NULL, "FTP",
	 "{\"type\":\"ftp\",\"port\":2121,\"details\":{\"hostname\":\"f\","
	 "\"secure\":true,\"port\":null}}",
	 ST_OK, "FTP_PORT=21|FTP_HOSTNAME=f|FTP_SECURE=true|"},
	{"f", NULL, NULL, "{\"type\":\"ftp\",\"port\":21}", ST_DATA,
	 "profile f: missing required field 'hostname'"},
	{"api", NULL, NULL,
	 "{\"type\":\"http\",\"endpoint\":\"https://x/hook\","
	 "\"body\":{\"a\":[1,2.5]}}",
	 ST_OK,
	 "API_ENDPOINT=https://x/hook|API_BODY={\"a\":[1,2.5]}|API_METHOD=GET|"
	 "API_HEADERS={}|"},
	{"api", NULL, "HOOK",
	 "{\"type\":\"http\",\"endpoint\":\"e\",\"method\":\"POST\","
	 "\"headers\":{\"X-A\":\"b\"}}",
	 ST_OK,
	 "HOOK_ENDPOINT=e|HOOK_METHOD=POST|HOOK_HEADERS={\"X-A\":\"b\"}|"},
	{"api", NULL, NULL, "{\"type\":\"http\",\"method\":\"GET\"}", ST_DATA,
	 "profile api: missing required field 'endpoint'"},
};
/* clang-format on */

TABLE(profile_ftp_http, ftp_http)

/* clang-format off */
static const struct pcase generic[] = {
	/* every JSON type rendered as json_member renders it; details
	 * overrides in place and adds after */
	{"g", NULL, NULL,
	 "{\"type\":\"generic\",\"a\":\"1\",\"b-c\":2,\"d.e\":true,\"n\":null,"
	 "\"l\":[1,\"x\"],\"details\":{\"x\":\"y\",\"a\":\"over\"}}",
	 ST_OK, "G_A=over|G_B_C=2|G_D_E=true|G_N=|G_L=[1,\"x\"]|G_X=y|"},
	/* a prefix is taken as written, fields are upper-cased */
	{"g", "generic", "my_App", "{\"key\":\"v\",\"h\xc3\xa9\":\"w\"}",
	 ST_OK, "my_App_KEY=v|my_App_H__=w|"},
	/* details that is no object is an ordinary field */
	{"g", NULL, NULL, "{\"type\":\"generic\",\"details\":\"s\"}", ST_OK,
	 "G_DETAILS=s|"},
	/* "type" is never exported, even when the section sets the type */
	{"g", "generic", NULL,
	 "{\"type\":\"other\",\"k\":\"v\",\"details\":{\"type\":\"x\"}}",
	 ST_OK, "G_K=v|"},
	{"g", "generic", NULL, "{}", ST_OK, ""},
	{"g", NULL, NULL, "{\"k\":\"v\",\"type\":\"generic\"}", ST_OK, "G_K=v|"},
	{"g", "generic", NULL, "{\"a-b\":\"1\",\"a_b\":\"2\"}", ST_DATA,
	 "profile g: fields 'a-b' and 'a_b' give the same variable"},
	/* field names in messages lose their control bytes */
	{"g", "generic", NULL, "{\"a\\nb\":\"x\\u0000\"}", ST_DATA,
	 "profile g: field 'a?b' holds a NUL byte"},
	{"g", "generic", NULL, "{\"a\":\"1\",\"b\":\"\\u0000\"}", ST_DATA,
	 "profile g: field 'b' holds a NUL byte"},
};
/* clang-format on */

TABLE(profile_generic, generic)

#define UNKNOWN_TYPE                                                           \
	"profile p: unknown type in its \"type\" field (expected postgres, "   \
	"mysql, mariadb, s3, ftp, http or generic)"
#define NO_TYPE "profile p: no type (set type = ... or a \"type\" field)"

/* clang-format off */
static const struct pcase types[] = {
	/* nothing read from the secret is echoed, not even its type */
	{"p", NULL, NULL, "{\"type\":\"oracle\",\"host\":\"h\"}", ST_DATA, UNKNOWN_TYPE},
	{"p", NULL, NULL, "{\"type\":5}", ST_DATA, UNKNOWN_TYPE},
	{"p", NULL, NULL, "{\"type\":\"Postgres\"}", ST_DATA, UNKNOWN_TYPE},
	{"p", NULL, NULL, "{\"type\":\"hunter2 secret\"}", ST_DATA, UNKNOWN_TYPE},
	{"p", NULL, NULL, "{\"type\":\"postgres\\u0000\"}", ST_DATA, UNKNOWN_TYPE},
	{"p", NULL, NULL, "{\"type\":{\"a\":1}}", ST_DATA, UNKNOWN_TYPE},
	{"p", "nope", NULL, "{\"type\":\"postgres\"}", ST_DATA,
	 "profile p: unknown type 'nope'"},
	{"p", NULL, NULL, "{\"host\":\"h\"}", ST_DATA, NO_TYPE},
	{"p", NULL, NULL, "{\"type\":\"\"}", ST_DATA, NO_TYPE},
	{"p", NULL, NULL, "{\"type\":null}", ST_DATA, NO_TYPE},
	/* the type is read at the top level only */
	{"p", NULL, NULL, "{\"details\":{\"type\":\"postgres\"}}", ST_DATA, NO_TYPE},
};
/* clang-format on */

TABLE(profile_types, types)

/* json_member walks from the start each time: the field count is capped. */
TEST(profile_field_cap)
{
	struct pcase c = {"g", "generic", NULL, NULL, ST_OK, NULL};
	size_t i, cap = 16 + 1025 * 16;
	char *json = xmalloc(cap), *want = xmalloc(cap), *q;

	for (i = 0, q = json; i < 1025; i++)
		q += snprintf(q, 16, "%c\"f%zu\":1", i ? ',' : '{', i);
	memcpy(q, "}", 2);
	c.json = json;
	c.status = ST_DATA;
	c.want = "profile g: more than 1024 fields";
	run(&c, 1);
	/* 1024 fields are fine */
	memcpy(strstr(json, ",\"f1024\""), "}", 2);
	for (i = 0, q = want; i < 1024; i++)
		q += snprintf(q, 16, "G_F%zu=1|", i);
	c.status = ST_OK;
	c.want = want;
	run(&c, 1);
	free(json);
	free(want);
}

/* The types are one table: the manifest's check and the messages use it. */
TEST(profile_types_one_table)
{
	static const char *const known[] = {"postgres", "mysql", "mariadb",
	                                    "s3",       "ftp",   "http",
	                                    "generic"};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		CHECK(profile_type_known(known[i]));
	CHECK(!profile_type_known("oracle"));
	CHECK(!profile_type_known("Postgres"));
	CHECK(!profile_type_known(""));
	CHECK_STR(profile_type_names(),
	          "postgres, mysql, mariadb, s3, ftp, http or generic");
}
