/* test_manifest.c - the manifest parser: every rule, the fixtures in
 * tests/data, and the speed of a 100,000-entry manifest. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest.h"
#include "t.h"
#include "util.h"

/* What *out holds before a call: it must be NULL after a failure. */
static struct manifest sentinel;

static int parse(const char *text, struct manifest **m, struct error *e)
{
	memset(e, 0, sizeof *e);
	*m = &sentinel;
	return manifest_parse("t.ini", text, strlen(text), m, e);
}

/* Parse text and expect exactly this ST_CONFIG message. */
static void fails(const char *text, const char *want)
{
	struct manifest *m;
	struct error e;
	int rc = parse(text, &m, &e);

	if (rc != ST_CONFIG || m != NULL || e.status != ST_CONFIG ||
	    strcmp(e.msg, want) != 0)
		fprintf(stderr, "  manifest:\n%s\n", text);
	CHECK(rc == ST_CONFIG);
	CHECK(e.status == ST_CONFIG);
	CHECK(m == NULL);
	CHECK_STR(e.msg, want);
	if (rc == ST_OK)
		manifest_free(m);
}

/* Parse text and expect success. */
static struct manifest *loads(const char *text)
{
	struct manifest *m;
	struct error e;
	int rc = parse(text, &m, &e);

	if (rc != ST_OK)
		fprintf(stderr, "  unexpected error: %s\n  manifest:\n%s\n",
		        e.msg, text);
	CHECK(rc == ST_OK);
	return rc == ST_OK ? m : NULL;
}

static const struct {
	const char *text, *msg;
} failures[] = {
	/* sections */
	{"[bogus]\n", "t.ini:1: unknown section [bogus]"},
	{"[env]\nA=x\n\n[Env]\n", "t.ini:4: unknown section [Env]"},
	{"[ env ]\n", "t.ini:1: unknown section [ env ]"},
	{"[]\n", "t.ini:1: unknown section []"},
	{"[profilex]\n", "t.ini:1: unknown section [profilex]"},
	{"[profile]\n", "t.ini:1: [profile] needs a name: [profile NAME]"},
	{"[profile  ]\n", "t.ini:1: [profile] needs a name: [profile NAME]"},
	{"[profile 9x]\nfrom = a\n", "t.ini:1: invalid profile name '9x'"},
	{"[profile a.b]\nfrom = a\n", "t.ini:1: invalid profile name 'a.b'"},
	{"[profile a b]\nfrom = a\n", "t.ini:1: invalid profile name 'a b'"},
	{"[env] x\n", "t.ini:1: unexpected text after [env]"},
	{"A = x\n", "t.ini:1: key 'A' outside any section"},
	{"; comment\n\nA: x\n[env]\n", "t.ini:3: key 'A' outside any section"},
	/* syntax */
	{"[env\n", "t.ini:1: syntax error (section header without ']')"},
	{"[env ;x]\n", "t.ini:1: syntax error (section header without ']')"},
	{"[env]\nA x\n", "t.ini:2: syntax error (expected NAME = VALUE)"},
	{"[env]\nA ; = x\n", "t.ini:2: syntax error (expected NAME = VALUE)"},
	{"[env]\nA=x\nB\n[nope]\n", "t.ini:3: syntax error (expected NAME = VALUE)"},
	/* references written as in the environment, or quoted */
	{"[env]\nDB = \"secret/app/db#password\"\n",
         "t.ini:2: DB: write the reference without quotes: DB = "
         "secret/app/db#password"},
	{"[files]\nKEY = 'secret/tls#key'\n",
         "t.ini:2: KEY: write the reference without quotes: KEY = secret/tls#key"},
	{"[env]\nDB = vault:secret/app/db#password\n",
         "t.ini:2: DB: write the reference without 'vault:' (that prefix marks "
         "a reference in the environment): DB = secret/app/db#password"},
	{"[env]\nDB = \"vault:secret/app/db\"\n",
         "t.ini:2: DB: write the reference without quotes and 'vault:' (that "
         "prefix marks a reference in the environment): DB = secret/app/db"},
	{"[env]\nA = \"\"\n",
         "t.ini:2: A: write the reference without quotes: A = "},
	{"[profile pg]\nfrom = vault:db/creds/app\n",
         "t.ini:2: from: write the reference without 'vault:' (that prefix "
         "marks a reference in the environment): from = db/creds/app"},
	/* [vault] */
	{"[vault]\nadress = x\n", "t.ini:2: unknown key 'adress' in [vault]"},
	{"[vault]\nAddress = x\n", "t.ini:2: unknown key 'Address' in [vault]"},
	{"[vault]\ntoken = x\n", "t.ini:2: unknown key 'token' in [vault]"},
	{"[vault]\naddress = a\n; c\naddress = b\n",
         "t.ini:4: duplicate key 'address' in [vault] (first set at line 2)"},
	{"[vault]\nsecret_id = a\n[env]\nA=x\n[vault]\nsecret_id: b\n",
         "t.ini:6: duplicate key 'secret_id' in [vault] (first set at line 2)"},
	{"[vault]\naddress =\n", "t.ini:2: empty value for 'address' in [vault]"},
	{"[vault]\nskip_verify = maybe\n",
         "t.ini:2: skip_verify must be true or false"},
	/* [mounts] */
	{"[mounts]\n/secret = 2\n", "t.ini:2: invalid mount path '/secret'"},
	{"[mounts]\nsecret/ = 2\n", "t.ini:2: invalid mount path 'secret/'"},
	{"[mounts]\na//b = 2\n", "t.ini:2: invalid mount path 'a//b'"},
	{"[mounts]\na/../b = 2\n", "t.ini:2: invalid mount path 'a/../b'"},
	{"[mounts]\n. = 2\n", "t.ini:2: invalid mount path '.'"},
	{"[mounts]\n= 2\n", "t.ini:2: invalid mount path ''"},
	{"[mounts]\nsecret = 3\n",
         "t.ini:2: KV version of mount 'secret' must be 1 or 2 (or dynamic, for an engine that is not KV)"},
	{"[mounts]\nsecret = 02\n",
         "t.ini:2: KV version of mount 'secret' must be 1 or 2 (or dynamic, for an engine that is not KV)"},
	{"[mounts]\nsecret = v2\n",
         "t.ini:2: KV version of mount 'secret' must be 1 or 2 (or dynamic, for an engine that is not KV)"},
	{"[mounts]\nsecret =\n",
         "t.ini:2: KV version of mount 'secret' must be 1 or 2 (or dynamic, for an engine that is not KV)"},
	{"[mounts]\nsecret = 2\nkv = 1\nsecret = 1\n",
         "t.ini:4: mount 'secret' already listed at line 2"},
	/* [env] and [files] */
	{"[env]\n1X = a\n", "t.ini:2: invalid variable name '1X'"},
	{"[env]\nA-B = a\n", "t.ini:2: invalid variable name 'A-B'"},
	{"[files]\nA.B = a\n", "t.ini:2: invalid variable name 'A.B'"},
	{"[env]\nA B = a\n", "t.ini:2: invalid variable name 'A B'"},
	{"[env]\n= a\n", "t.ini:2: invalid variable name ''"},
	{"[env]\nA =\n", "t.ini:2: empty reference for 'A'"},
	{"[files]\nA = ; just a comment\n", "t.ini:2: empty reference for 'A'"},
	{"[env]\nA = x\nB = y\nA = z\n",
         "t.ini:4: variable 'A' already defined at line 2"},
	{"[env]\nA = x\n[files]\nA = y\n",
         "t.ini:4: variable 'A' already defined at line 2"},
	{"[files]\nA = x\n[env]\nA: y\n",
         "t.ini:4: variable 'A' already defined at line 2"},
	/* the first duplicate pair in file order is the one whose second
	 * line comes first */
	{"[env]\nA = 1\nB = 2\nB = 3\nA = 4\n",
         "t.ini:4: variable 'B' already defined at line 3"},
	/* keys are case-sensitive, so these two are different variables,
	 * but a later exact repeat is not */
	{"[env]\nPATH_X = 1\npath_x = 2\nPATH_X = 3\n",
         "t.ini:4: variable 'PATH_X' already defined at line 2"},
	/* [profile NAME] */
	{"[profile db]\ntype = postgres\n", "t.ini:1: [profile db] needs 'from'"},
	{"[env]\nA=x\n[profile db]\n[env]\nB=y\n",
         "t.ini:3: [profile db] needs 'from'"},
	{"[profile db]\nfrom = a\ntype = oracle\n",
         "t.ini:3: [profile db]: unknown type 'oracle' (postgres, mysql, mariadb, "
         "s3, ftp, http or generic)"},
	{"[profile db]\nfrom = a\ntype = Postgres\n",
         "t.ini:3: [profile db]: unknown type 'Postgres' (postgres, mysql, "
         "mariadb, s3, ftp, http or generic)"},
	{"[profile db]\nfrom = a\nprefix = 1X\n",
         "t.ini:3: [profile db]: invalid prefix '1X'"},
	{"[profile db]\nfrom = a\nprefix = DB-X\n",
         "t.ini:3: [profile db]: invalid prefix 'DB-X'"},
	{"[profile db]\nfrom = a\nhost = x\n",
         "t.ini:3: unknown key 'host' in [profile db]"},
	{"[profile db]\nFrom = a\n", "t.ini:2: unknown key 'From' in [profile db]"},
	{"[profile db]\nfrom = a\nfrom = b\n",
         "t.ini:3: duplicate key 'from' in [profile db] (first set at line 2)"},
	{"[profile db]\nfrom =\n",
         "t.ini:2: empty value for 'from' in [profile db]"},
	{"[profile db]\nfrom = a\n[profile db]\nfrom = b\n",
         "t.ini:3: profile 'db' already defined at line 1"},
	/* continuation lines, as inih would make them */
	{"[env]\nA = x\n  B = y\n",
         "t.ini:3: unexpected continuation line (indented)"},
	{"[env]\nA = x\n\tmore\n",
         "t.ini:3: unexpected continuation line (indented)"},
	{"[env]\nA = x\n; comment\n\n  more\n",
         "t.ini:5: unexpected continuation line (indented)"},
	{"[env]\nA = x\n  [files]\n",
         "t.ini:3: unexpected continuation line (indented)"},
	{"[env]\n  A = x\n  B = y\n",
         "t.ini:3: unexpected continuation line (indented)"},
	{"[vault]\nsecret_id = abc\n def\n",
         "t.ini:3: unexpected continuation line (indented)"},
	/* line checks */
	{"[env]\nA=x\ry\n", "t.ini:2: control character in line"},
	{"[env]\nA=x\x1b[0m\n", "t.ini:2: control character in line"},
	{"[env]\n\rA=x\n", "t.ini:2: control character in line"},
	/* the first error in file order wins */
	{"[env]\nA=x\nA=y\n[bogus]\n",
         "t.ini:3: variable 'A' already defined at line 2"},
	{"[bogus]\n[env]\nA=x\nA=y\n", "t.ini:1: unknown section [bogus]"},
	/* [defaults] */
	{"[defaults]\nA = x\n",
         "t.ini:2: default for 'A', which no [env] or [files] variable defines "
         "(a profile's variables take no defaults)"},
	{"[env]\nA = s/a\n[defaults]\nA = x\nB = y\n",
         "t.ini:5: default for 'B', which no [env] or [files] variable defines "
         "(a profile's variables take no defaults)"},
	{"[profile pg]\nfrom = s/pg\n[defaults]\nPGHOST = localhost\n",
         "t.ini:4: default for 'PGHOST', which no [env] or [files] variable "
         "defines (a profile's variables take no defaults)"},
	{"[defaults]\npg = x\n[profile pg]\nfrom = s/pg\n",
         "t.ini:2: default for 'pg', which no [env] or [files] variable "
         "defines (a profile's variables take no defaults)"},
	{"[env]\nA = s/a\n[defaults]\nA = x\nA = y\n",
         "t.ini:5: default for 'A' already given at line 4"},
	{"[defaults]\n1A = x\n",
         "t.ini:2: invalid variable name '1A' in [defaults]"},
	/* templates where they do not belong */
	{"[profile pg]\nfrom = ${s/pg}\n",
         "t.ini:2: [profile pg]: 'from' holds a template ('${'): a profile "
         "reads one secret; compose values in [env]"},
	{"[profile pg]\nfrom = s/pg\nprefix = ${X}\n",
         "t.ini:3: [profile pg]: 'prefix' holds a template ('${'): a profile "
         "reads one secret; compose values in [env]"},
	{"[request pki/issue/x]\ncommon_name = ${s/a#cn}.internal\n",
         "t.ini:2: [request pki/issue/x]: 'common_name' holds a template "
         "('${'): a request body is sent as written, not composed"},
};

TEST(manifest_defaults)
{
	struct manifest *m = loads("[defaults]\nLEVEL = info\nEMPTY =\n"
	                           "[env]\nA = s/a\nLEVEL = s/c#level\n"
	                           "[files]\nEMPTY = s/f\n"
	                           "[defaults]\nURL = $${not a template}\n"
	                           "[env]\nURL = x://${s/a#u|url}@h\n");

	REQUIRE(m != NULL);
	REQUIRE(m->nvars == 4);
	CHECK(m->vars[0].fallback == NULL);
	CHECK_STR(m->vars[1].fallback, "info");
	CHECK(m->vars[1].fallback_line == 2);
	CHECK_STR(m->vars[2].fallback, "");
	CHECK(m->vars[2].section == MS_FILES);
	CHECK_STR(m->vars[3].fallback, "$${not a template}");
	CHECK_STR(m->vars[3].ref, "x://${s/a#u|url}@h");
	manifest_free(m);
}

static const char *lookup(const char *name)
{
	if (strcmp(name, "CREDENTIALS_DIRECTORY") == 0)
		return "/run/credentials/x.service";
	if (strcmp(name, "T") == 0)
		return "true";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	return NULL;
}

TEST(manifest_vault_environment)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"[vault]\nsecret_id_file = ${NOPE}/secret-id\n",
	         "t.ini:2: secret_id_file: environment variable NOPE is not set"},
		{"[vault]\naddress = ${EMPTY}\n",
	         "t.ini:2: empty value for 'address' in [vault] (after "
	         "expanding the environment)"},
		{"[vault]\nskip_verify = ${CREDENTIALS_DIRECTORY}\n",
	         "t.ini:2: skip_verify must be true or false"},
		{"[vault]\nrole_id = ${secret/x#y}\n",
	         "t.ini:2: role_id: '${secret/x#y}' is not an environment "
	         "variable name (letters, digits and '_'; references are not "
	         "expanded in [vault])"},
	};
	struct manifest *m;
	struct error e;
	size_t i;

	m = loads("[vault]\nsecret_id_file = ${CREDENTIALS_DIRECTORY}/secret-id\n"
	          "skip_verify = ${T}\nrole_id = a$$b\n"
	          "[env]\nA = s/${CREDENTIALS_DIRECTORY}\n");
	REQUIRE(m != NULL);
	/* kept as written until expanded */
	CHECK_STR(m->vault[VK_SECRET_ID_FILE],
	          "${CREDENTIALS_DIRECTORY}/secret-id");
	CHECK(manifest_expand_vault(m, lookup, &e) == ST_OK);
	CHECK_STR(m->vault[VK_SECRET_ID_FILE],
	          "/run/credentials/x.service/secret-id");
	CHECK_STR(m->vault[VK_SKIP_VERIFY], "true");
	CHECK_STR(m->vault[VK_ROLE_ID], "a$b");
	/* references are never expanded from the environment */
	CHECK_STR(m->vars[0].ref, "s/${CREDENTIALS_DIRECTORY}");
	manifest_free(m);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = loads(bad[i].text);
		REQUIRE(m != NULL);
		memset(&e, 0, sizeof e);
		CHECK(manifest_expand_vault(m, lookup, &e) == ST_CONFIG);
		CHECK_STR(e.msg, bad[i].msg);
		manifest_free(m);
	}
}

TEST(manifest_failures)
{
	size_t i;

	for (i = 0; i < sizeof failures / sizeof failures[0]; i++)
		fails(failures[i].text, failures[i].msg);
}

/* A line of n bytes "A=xxxx...". */
static char *line_of(size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, 'x', n);
	memcpy(s, "A=", 2);
	s[n] = '\0';
	return s;
}

TEST(manifest_long_lines)
{
	struct manifest *m;
	char *l199 = line_of(199), *l200 = line_of(200), *t;

	/* 199 bytes fit (with "\n", "\r\n" or nothing after them) and the
	 * next line is still read as its own */
	t = xasprintf("[env]\n%s\nB=y\n", l199);
	m = loads(t);
	if (m) {
		REQUIRE(m->nvars == 2);
		CHECK(strlen(m->vars[0].ref) == 197);
		CHECK_STR(m->vars[1].name, "B");
		CHECK(m->vars[1].line == 3);
	}
	manifest_free(m);
	free(t);
	t = xasprintf("[env]\r\n%s\r\nB=y\r\n", l199);
	m = loads(t);
	CHECK(m && m->nvars == 2 && strlen(m->vars[0].ref) == 197);
	manifest_free(m);
	free(t);
	t = xasprintf("[env]\n%s", l199);
	m = loads(t);
	CHECK(m && m->nvars == 1 && strlen(m->vars[0].ref) == 197);
	manifest_free(m);
	free(t);
	/* trailing blanks count towards the limit */
	t = xasprintf("[env]\n%.195s    \nB=y\n", l199);
	m = loads(t);
	CHECK(m && m->nvars == 2 && strlen(m->vars[0].ref) == 193);
	manifest_free(m);
	free(t);
	t = xasprintf("[env]\n%.196s    \nB=y\n", l199);
	fails(t, "t.ini:2: line is longer than 199 bytes");
	free(t);

	t = xasprintf("[env]\n%s\nB=y\n", l200);
	fails(t, "t.ini:2: line is longer than 199 bytes");
	free(t);
	t = xasprintf("[env]\r\n%s\r\n", l200);
	fails(t, "t.ini:2: line is longer than 199 bytes");
	free(t);
	/* even in a comment, which inih would split as well */
	l200[0] = ';';
	t = xasprintf("[env]\nA=x\n%s\n", l200);
	fails(t, "t.ini:3: line is longer than 199 bytes");
	free(t);
	free(l199);
	free(l200);
}

TEST(manifest_nul_byte)
{
	static const char text[] = "[env]\nA=x\n\nB=y\0z\nC=w\n";
	struct manifest *m = NULL;
	struct error e;

	CHECK(manifest_parse("t.ini", text, sizeof text - 1, &m, &e) == ST_CONFIG);
	CHECK(m == NULL);
	CHECK_STR(e.msg, "t.ini:4: NUL byte in line");
}

TEST(manifest_every_section)
{
	struct manifest *m = loads(
		"[vault]\n"
		"address    = https://vault.example.com:8200   ; or VAULT_ADDR\n"
		"namespace  = team-a\n"
		"auth       = approle\n"
		"role_id    = 6e5a9b3c\n"
		"secret_id_file = /run/secrets/vault-secret-id\n"
		"skip_verify = false\n"
		"\n"
		"[mounts]          ; optional\n"
		"secret = 2\n"
		"team/kv = 1\n"
		"\n"
		"[env]\n"
		"PGUSER     = secret/backups/env/pg#user\n"
		"API_TOKEN  = secret/app/api\n"
		"\n"
		"[files]\n"
		"TLS_CA     = secret/tls#ca.crt\n"
		"\n"
		"[profile backup_db]\n"
		"from = secret/backups/env/pg\n"
		"\n"
		"[profile  my-ftp]\n"
		"from = secret/ftp#/details\n"
		"type = ftp\n"
		"prefix = FTP\n"
		"[env]\n"
		"_LATE = secret/x\n");
	int k;

	if (m == NULL)
		return;
	CHECK_STR(m->file, "t.ini");
	CHECK_STR(m->vault[VK_ADDRESS], "https://vault.example.com:8200");
	CHECK(m->vault_line[VK_ADDRESS] == 2);
	CHECK_STR(m->vault[VK_NAMESPACE], "team-a");
	CHECK_STR(m->vault[VK_AUTH], "approle");
	CHECK_STR(m->vault[VK_ROLE_ID], "6e5a9b3c");
	CHECK_STR(m->vault[VK_SECRET_ID_FILE], "/run/secrets/vault-secret-id");
	CHECK_STR(m->vault[VK_SKIP_VERIFY], "false");
	CHECK(m->vault_line[VK_SKIP_VERIFY] == 7);
	for (k = 0; k < VK__COUNT; k++) {
		if (k == VK_ADDRESS || k == VK_NAMESPACE || k == VK_AUTH ||
		    k == VK_ROLE_ID || k == VK_SECRET_ID_FILE ||
		    k == VK_SKIP_VERIFY)
			continue;
		CHECK(m->vault[k] == NULL);
	}
	REQUIRE(m->nmounts == 2);
	CHECK_STR(m->mounts[0].mount, "secret");
	CHECK(m->mounts[0].version == 2 && m->mounts[0].line == 10);
	CHECK_STR(m->mounts[1].mount, "team/kv");
	CHECK(m->mounts[1].version == 1 && m->mounts[1].line == 11);
	REQUIRE(m->nvars == 4);
	CHECK_STR(m->vars[0].name, "PGUSER");
	CHECK_STR(m->vars[0].ref, "secret/backups/env/pg#user");
	CHECK(m->vars[0].line == 14 && m->vars[0].section == MS_ENV);
	CHECK_STR(m->vars[1].name, "API_TOKEN");
	CHECK_STR(m->vars[2].name, "TLS_CA");
	CHECK_STR(m->vars[2].ref, "secret/tls#ca.crt");
	CHECK(m->vars[2].line == 18 && m->vars[2].section == MS_FILES);
	CHECK_STR(m->vars[3].name, "_LATE");
	CHECK(m->vars[3].line == 28 && m->vars[3].section == MS_ENV);
	REQUIRE(m->nprofiles == 2);
	CHECK_STR(m->profiles[0].name, "backup_db");
	CHECK_STR(m->profiles[0].from, "secret/backups/env/pg");
	CHECK(m->profiles[0].type == NULL && m->profiles[0].prefix == NULL);
	CHECK(m->profiles[0].line == 20);
	CHECK_STR(m->profiles[1].name, "my-ftp");
	CHECK_STR(m->profiles[1].from, "secret/ftp#/details");
	CHECK_STR(m->profiles[1].type, "ftp");
	CHECK_STR(m->profiles[1].prefix, "FTP");
	CHECK(m->profiles[1].line == 23);
	manifest_free(m);
}

TEST(manifest_comments_and_separators)
{
	struct manifest *m = loads(
		"\xEF\xBB\xBF# a BOM, then a full-line comment\r\n"
		"; another\r\n"
		"[env] ; a comment after the header\r\n"
		"A = secret/app/db#password ; inline comment\r\n"
		"B: secret/app/db#user\r\n"
		"C=secret/a;b#k;c\r\n"
		"D\t=\tsecret/x # not a comment\r\n"
		"E = secret/x#a=b:c\r\n"
		"  # an indented comment is no continuation\r\n"
		"\t; nor is this\r\n"
		"\r\n"
		"[files]\r\n"
		"  F = secret/indented/after/a/header\r\n"
		"[profile db] # header comment\r\n"
		"from : secret/pg ;comment\r\n");

	if (m == NULL)
		return;
	REQUIRE(m->nvars == 6);
	CHECK_STR(m->vars[0].ref, "secret/app/db#password");
	CHECK(m->vars[0].line == 4);
	CHECK_STR(m->vars[1].ref, "secret/app/db#user");
	CHECK_STR(m->vars[2].ref, "secret/a;b#k;c");
	CHECK_STR(m->vars[3].name, "D");
	CHECK_STR(m->vars[3].ref, "secret/x # not a comment");
	CHECK_STR(m->vars[4].ref, "secret/x#a=b:c");
	CHECK_STR(m->vars[5].name, "F");
	CHECK(m->vars[5].line == 13 && m->vars[5].section == MS_FILES);
	REQUIRE(m->nprofiles == 1);
	CHECK_STR(m->profiles[0].from, "secret/pg");
	manifest_free(m);
}

/* The reader hands inih "name=value" without the blanks around the
 * separator; a ';' right after them still starts an inline comment, and one
 * right after the separator does not. */
TEST(manifest_blanks_around_separator)
{
	struct manifest *m = loads("[env]\n"
	                           "A \t=\t secret/a\n"
	                           "B=;x\n"
	                           "C   =;y ;z\n"
	                           "D  :  secret/d  ; c\n");

	if (m == NULL)
		return;
	REQUIRE(m->nvars == 4);
	CHECK_STR(m->vars[0].name, "A");
	CHECK_STR(m->vars[0].ref, "secret/a");
	CHECK_STR(m->vars[1].ref, ";x");
	CHECK_STR(m->vars[2].name, "C");
	CHECK_STR(m->vars[2].ref, ";y");
	CHECK_STR(m->vars[3].ref, "secret/d");
	manifest_free(m);
	fails("[env]\nA = ;x\n", "t.ini:2: empty reference for 'A'");
}

TEST(manifest_continuation_resets)
{
	struct manifest *m;

	/* a new section ends the previous value; so does nothing else */
	m = loads("[env]\nA = x\n[files]\n  B = y\n");
	CHECK(m && m->nvars == 2);
	manifest_free(m);
	m = loads("[vault]\naddress = x\n  ; c\n\t# d\n\n");
	CHECK(m && m->vault[VK_ADDRESS] && strcmp(m->vault[VK_ADDRESS], "x") == 0);
	manifest_free(m);
	/* the first key after a header may be indented */
	m = loads("[mounts]\n\tsecret = 2\n");
	CHECK(m && m->nmounts == 1);
	manifest_free(m);
}

TEST(manifest_small_cases)
{
	struct manifest *m;
	char *t;

	m = loads("");
	CHECK(m && m->nvars == 0 && m->nmounts == 0 && m->nprofiles == 0);
	manifest_free(m);
	m = loads("; only a comment\n\n");
	CHECK(m && m->nvars == 0);
	manifest_free(m);
	m = loads("[env]\n[files]\n[vault]\n[mounts]\n");
	CHECK(m && m->nvars == 0);
	manifest_free(m);
	/* the same section may come back */
	m = loads("[env]\nA=x\n[files]\nB=y\n[env]\nC=z\n");
	CHECK(m && m->nvars == 3 && m->vars[2].line == 6);
	manifest_free(m);
	/* inih cuts section names at 49 bytes; a profile name is kept whole */
	t = xasprintf("[profile %s]\nfrom = a\n",
	              "a_very_long_profile_name_that_inih_would_truncate_at_49");
	m = loads(t);
	if (m && m->nprofiles == 1)
		CHECK_STR(m->profiles[0].name,
		          "a_very_long_profile_name_that_inih_would_truncate_at_49");
	manifest_free(m);
	free(t);
	m = loads("[profile db]\nfrom = a\ntype = mariadb\nprefix = _DB\n");
	CHECK(m && m->nprofiles == 1 &&
	      strcmp(m->profiles[0].type, "mariadb") == 0);
	manifest_free(m);
	m = loads("[vault]\nskip_verify = 1\n");
	CHECK(m != NULL);
	manifest_free(m);
	manifest_free(NULL);
}

TEST(manifest_all_vault_keys)
{
	struct manifest *m;
	char *text = xstrdup("[vault]\n"), *t;
	int k;

	for (k = 0; k < VK__COUNT; k++) {
		t = xasprintf("%s%s = %s\n", text,
		              manifest_vkey_name((enum vkey)k),
		              k == VK_SKIP_VERIFY ? "true" : "v");
		free(text);
		text = t;
	}
	m = loads(text);
	for (k = 0; m && k < VK__COUNT; k++) {
		CHECK(m->vault[k] != NULL);
		CHECK(m->vault_line[k] == (unsigned)k + 2);
	}
	manifest_free(m);
	free(text);
	CHECK_STR(manifest_vkey_name(VK_ADDRESS), "address");
	CHECK_STR(manifest_vkey_name(VK_SECRET_ID_FILE), "secret_id_file");
	CHECK_STR(manifest_vkey_name(VK_SKIP_VERIFY), "skip_verify");
	CHECK(manifest_vkey_name(VK__COUNT) == NULL);
}

TEST(manifest_null_error)
{
	struct manifest *m = &sentinel;

	CHECK(manifest_parse("t.ini", "[x]\n", 4, &m, NULL) == ST_CONFIG);
	CHECK(m == NULL);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Well under a second natively (about 50 ms, 150 ms with ASan).  valgrind,
 * which `make check` uses, runs some 25 times slower; a quadratic parser
 * would still take minutes there. */
static double budget(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload") ? 30.0 : 1.0;
}

/* 100,000 variables, then optionally a repeat of the first one. */
static char *big_manifest(int dup)
{
	size_t cap = 100000 * 48 + 64, len = 0;
	char *t = xmalloc(cap);
	int i;

	len += (size_t)snprintf(t + len, cap - len, "[env]\n");
	for (i = 0; i < 100000; i++) {
		if (i == 50000)
			len += (size_t)snprintf(t + len, cap - len, "[files]\n");
		len += (size_t)snprintf(t + len, cap - len,
		                        "VAR_%06d = secret/app/s%d#key\n", i,
		                        i % 977);
	}
	if (dup)
		snprintf(t + len, cap - len, "VAR_000000 = secret/x\n");
	return t;
}

TEST(manifest_100k_entries)
{
	struct manifest *m;
	struct error e;
	char *t = big_manifest(0);
	double t0 = seconds(), dt;
	int rc = manifest_parse("big.ini", t, strlen(t), &m, &e);

	dt = seconds() - t0;
	CHECK(rc == ST_OK);
	CHECK(dt < budget());
	if (rc == ST_OK) {
		CHECK(m->nvars == 100000);
		CHECK_STR(m->vars[99999].name, "VAR_099999");
		CHECK(m->vars[99999].line == 100002);
		CHECK(m->vars[99999].section == MS_FILES);
		manifest_free(m);
	}
	free(t);

	t = big_manifest(1);
	t0 = seconds();
	rc = manifest_parse("big.ini", t, strlen(t), &m, &e);
	dt = seconds() - t0;
	CHECK(rc == ST_CONFIG);
	CHECK(dt < budget());
	CHECK_STR(e.msg, "big.ini:100003: variable 'VAR_000000' already defined "
	                 "at line 2");
	free(t);
}

/* Write text to a new file of the given mode; returns its path. */
static char *temp_manifest(const char *text, mode_t mode)
{
	char *path = xstrdup("/tmp/vaultrun-test-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0)
		return path;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
	return path;
}

TEST(manifest_load_files)
{
	struct manifest *m;
	struct error e;
	char *path, *want;

	m = &sentinel;
	CHECK(manifest_load("/nonexistent/vaultrun.ini", &m, &e) == ST_NOINPUT);
	CHECK(m == NULL);
	CHECK_STR(e.msg, "/nonexistent/vaultrun.ini: manifest does not exist");

	path = temp_manifest("[vault]\nsecret_id = s\n[env]\nA = secret/a\n", 0600);
	CHECK(manifest_load(path, &m, &e) == ST_OK);
	if (m) {
		CHECK_STR(m->file, path);
		CHECK_STR(m->vault[VK_SECRET_ID], "s");
		CHECK(m->nvars == 1);
		manifest_free(m);
	}
	unlink(path);
	free(path);

	path = temp_manifest("[env]\nA = x\nA = y\n", 0600);
	want = xasprintf("%s:3: variable 'A' already defined at line 2", path);
	CHECK(manifest_load(path, &m, &e) == ST_CONFIG);
	CHECK(m == NULL);
	CHECK_STR(e.msg, want);
	unlink(path);
	free(path);
	free(want);

	/* the manifest may hold a secret_id: not writable by others */
	path = temp_manifest("[env]\nA = x\n", 0622);
	CHECK(manifest_load(path, &m, &e) == ST_CONFIG);
	CHECK(m == NULL);
	unlink(path);
	free(path);
}

/* manifest_load("-") with text on standard input. */
static int load_stdin(const char *text, struct manifest **m, struct error *e)
{
	int p[2], saved = dup(0), rc;

	if (saved < 0 || pipe(p) != 0)
		return -1;
	CHECK(write(p[1], text, strlen(text)) == (ssize_t)strlen(text));
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
	rc = manifest_load("-", m, e);
	dup2(saved, 0);
	close(saved);
	return rc;
}

TEST(manifest_load_stdin)
{
	struct manifest *m;
	struct error e;

	CHECK(load_stdin("[env]\nA = secret/a\n", &m, &e) == ST_OK);
	if (m) {
		CHECK_STR(m->file, "(stdin)");
		manifest_free(m);
	}
	CHECK(load_stdin("[env]\nA = secret/a\n[x]\n", &m, &e) == ST_CONFIG);
	CHECK(m == NULL);
	CHECK_STR(e.msg, "(stdin):3: unknown section [x]");
}

/* The whole file, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (f == NULL)
		return NULL;
	do {
		cap += 4096;
		buf = xreallocarray(buf, cap + 1, 1);
		*len += fread(buf + *len, 1, cap - *len, f);
	} while (*len == cap);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* fail-NAME.expected: the exact message on line 1, the status on line 2. */
static int read_expected(const char *ini, char *msg, size_t size, int *status)
{
	char *path = xasprintf("%.*s.expected", (int)(strlen(ini) - 4), ini);
	FILE *f = fopen(path, "r");
	char num[16];
	unsigned long st;
	int ok = 0;

	if (f != NULL && fgets(msg, (int)size, f) && fgets(num, sizeof num, f)) {
		msg[strcspn(msg, "\n")] = '\0';
		num[strcspn(num, "\n")] = '\0';
		ok = parse_ulong(num, 1, 255, &st) == 0;
		*status = (int)st;
	}
	if (!ok)
		fprintf(stderr, "  %s: missing or malformed\n", path);
	if (f != NULL)
		fclose(f);
	free(path);
	return ok;
}

/* One fixture: ok-*.ini must load, fail-*.ini must fail as expected.  The
 * text goes through manifest_parse, not manifest_load, so that the result
 * does not depend on the umask of the checkout (manifest_load refuses
 * group-writable files; that is tested above). */
static void check_fixture(const char *path, int should_load)
{
	struct manifest *m;
	struct error e;
	char want[sizeof e.msg];
	int want_status = 0;
	size_t len;
	char *text = slurp(path, &len);
	int rc;

	CHECK(text != NULL);
	if (text == NULL)
		return;
	memset(&e, 0, sizeof e);
	rc = manifest_parse(path, text, len, &m, &e);
	free(text);
	if (rc == ST_OK)
		manifest_free(m);
	if (should_load) {
		if (rc != ST_OK)
			fprintf(stderr, "  %s: %s\n", path, e.msg);
		CHECK(rc == ST_OK);
		return;
	}
	if (!read_expected(path, want, sizeof want, &want_status)) {
		t_fail(__FILE__, __LINE__, "fail-*.expected readable");
		return;
	}
	if (rc != want_status || strcmp(e.msg, want) != 0)
		fprintf(stderr, "  fixture %s (status %d)\n", path, rc);
	CHECK(rc == want_status);
	CHECK(m == NULL);
	CHECK_STR(e.msg, want);
}

TEST(manifest_fixtures)
{
	static const char dir[] = "tests/data";
	DIR *d = opendir(dir);
	struct dirent *de;
	char *path;
	int ok = 0, failing = 0;

	REQUIRE(d != NULL);
	while ((de = readdir(d)) != NULL) {
		if (!has_suffix(de->d_name, ".ini"))
			continue;
		if (strncmp(de->d_name, "ok-", 3) == 0)
			ok++;
		else if (strncmp(de->d_name, "fail-", 5) == 0)
			failing++;
		else
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		check_fixture(path, de->d_name[0] == 'o');
		free(path);
	}
	closedir(d);
	CHECK(ok >= 2);
	CHECK(failing >= 14);
}

TEST(manifest_requests_and_dynamic_mounts)
{
	static const char text[] = "[mounts]\n"
				   "database = dynamic\n"
				   "secret = 2\n"
				   "[request  pki/issue/backup ]\n"
				   "common_name = backup.internal\n"
				   "ttl: 1h\n"
				   "exclude_cn_from_sans = true\n"
				   "[request aws/sts/r]\n"
				   "[env]\n"
				   "X = pki/issue/backup#certificate\n";
	struct manifest *m;
	struct error e;

	REQUIRE(parse(text, &m, &e) == ST_OK);
	REQUIRE(m->nmounts == 2 && m->nrequests == 2);
	CHECK(m->mounts[0].dynamic && m->mounts[0].version == 0);
	CHECK(!m->mounts[1].dynamic && m->mounts[1].version == 2);
	CHECK_STR(m->requests[0].path, "pki/issue/backup");
	CHECK(m->requests[0].line == 4 && m->requests[0].npairs == 3);
	CHECK_STR(m->requests[0].pairs[0], "common_name");
	CHECK_STR(m->requests[0].pairs[1], "backup.internal");
	CHECK_STR(m->requests[0].pairs[3], "1h");
	CHECK_STR(m->requests[0].pairs[5], "true");
	CHECK_STR(m->requests[1].path, "aws/sts/r");
	CHECK(m->requests[1].npairs == 0 && m->requests[1].line == 8);
	manifest_free(m);
}

TEST(manifest_request_failures)
{
	fails("[request]\n", "t.ini:1: [request] needs a path: [request PATH]");
	fails("[request a/b?version=1]\n",
	      "t.ini:1: [request a/b?version=1]: a request takes a path only, "
	      "without ?version= or #selector");
	fails("[request a//b]\n",
	      "t.ini:1: [request a//b]: invalid path (empty, '.' or '..' segment)");
	fails("[request a/b]\n[request a/b]\n",
	      "t.ini:2: [request a/b] already defined at line 1");
	fails("[request a/b]\nk = v\nk = w\n",
	      "t.ini:3: [request a/b]: duplicate body key 'k'");
	fails("[request a/b]\nk =\n",
	      "t.ini:2: [request a/b]: 'k' has no value: a body value is a "
	      "non-empty string (leave the key out instead)");
	fails("[request a/b]\nalt_names = [x, y]\n",
	      "t.ini:2: [request a/b]: 'alt_names' is not a string: the body "
	      "holds strings only (a list is written comma-separated, as vault "
	      "write takes it)");
	fails("[request a/b]\nk = {\"a\":1}\n",
	      "t.ini:2: [request a/b]: 'k' is not a string: the body holds "
	      "strings only (a list is written comma-separated, as vault write "
	      "takes it)");
	fails("[request a/b]\nk = @file\n",
	      "t.ini:2: [request a/b]: 'k' is not a string value: vault write's "
	      "@file and - forms are not supported");
	fails("[request a/b]\nk = -\n",
	      "t.ini:2: [request a/b]: 'k' is not a string value: vault write's "
	      "@file and - forms are not supported");
	fails("[request a/b]\nk$ = v\n",
	      "t.ini:2: [request a/b]: invalid body key 'k$' (letters, digits, "
	      "'_', '-', '.')");
	fails("[mounts]\ndb = Dynamic\n",
	      "t.ini:2: KV version of mount 'db' must be 1 or 2 (or dynamic, for "
	      "an engine that is not KV)");
}

/* The control check reads a line eight bytes at a time: a control byte or
 * DEL is found at every offset, in every position of a word; a tab and
 * bytes from 0x80 up pass wherever they are. */
TEST(manifest_control_any_offset)
{
	static const char bad[] = {0x01, 0x1b, '\r', 0x1f, 0x7f};
	static const char good[] = {'\t', (char)0x80, (char)0xc3, (char)0xff};
	const char *base = "A = secret/app/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa#k";
	size_t len = strlen(base), at, k;
	char text[128];

	for (at = 4; at < len; at++) {
		for (k = 0; k < sizeof bad; k++) {
			snprintf(text, sizeof text, "[env]\n%.*s%c%s\n",
			         (int)at, base, bad[k], base + at);
			fails(text, "t.ini:2: control character in line");
		}
		for (k = 0; k < sizeof good; k++) {
			struct manifest *m;
			struct error e;

			snprintf(text, sizeof text, "[env]\n%.*s%c%s\n",
			         (int)at, base, good[k], base + at);
			CHECK(parse(text, &m, &e) == ST_OK);
			manifest_free(m);
		}
	}
}
