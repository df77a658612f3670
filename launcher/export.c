/* export.c - the variables in the format their consumer reads, exactly.
 *
 * Every format is checked against what its reader does (see vaultrun(1),
 * EXPORT):
 *   shell   POSIX sh single quotes keep every byte; a quote is '\''.
 *   dotenv  python-dotenv's double quotes decode \\ \" \n \r (and \t ...),
 *           keep every other character, and end at the first " that no
 *           backslash precedes, so a value ending in a backslash cannot be
 *           written; by default it then expands ${NAME} and ${NAME:-x},
 *           which cannot be escaped.  The file is read as UTF-8.
 *   docker  one line a variable, split at the first '=', nothing decoded;
 *           lines are read as UTF-8 by Go's bufio.Scanner (64 KiB lines, a
 *           final \r dropped).
 *   github  the runner's NAME<<DELIMITER block: the value is every line up
 *           to a line that is exactly the delimiter; read as UTF-8.
 *   json    RFC 8259 strings, UTF-8.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "export.h"
#include "json.h"
#include "outfile.h"
#include "util.h"

/* Go's bufio.MaxScanTokenSize: a docker env-file line, newline included. */
#define DOCKER_LINE_MAX 65536

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *s, size_t n)
{
	wipe_append(&b->p, &b->len, &b->cap, s, n);
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

int export_format(const char *word)
{
	static const char *const names[] = {"shell", "dotenv", "docker",
	                                    "github", "json"};
	int i;

	for (i = 0; i < 5; i++)
		if (strcmp(word, names[i]) == 0)
			return EXPORT_SHELL + i;
	return EXPORT_NONE;
}

static const char *format_name(int f)
{
	static const char *const names[] = {"shell", "dotenv", "docker",
	                                    "github", "json"};

	return names[f - EXPORT_SHELL];
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF, as Python's, Go's and jansson's decoders want it. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, more;
	unsigned long cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3, cp = c & 0x07;
		else
			return 0;
		if (n - i <= more)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += more + 1;
	}
	return 1;
}

/* Would python-dotenv expand part of s?  Its pattern, by default applied
 * to every value: \$\{[^}:]*(:-[^}]*)?\} */
static int dotenv_expands(const char *s, size_t n)
{
	size_t i, j;

	for (i = 0; i + 1 < n; i++) {
		if (s[i] != '$' || s[i + 1] != '{')
			continue;
		for (j = i + 2; j < n && s[j] != '}' && s[j] != ':'; j++)
			;
		if (j < n && s[j] == '}')
			return 1;
		if (j + 1 < n && s[j] == ':' && s[j + 1] == '-' &&
		    memchr(s + j + 2, '}', n - j - 2) != NULL)
			return 1;
	}
	return 0;
}

/* Why change e cannot be written in format f, or NULL when it can. */
static const char *cannot_carry(const struct change *e, int f)
{
	const char *v = e->value.p ? e->value.p : "";
	size_t n = e->value.len;

	if (f != EXPORT_JSON && !valid_env_name(e->name))
		return "the name is not a shell identifier";
	if (memchr(v, '\0', n) != NULL)
		return "the value has a NUL byte";
	if (f != EXPORT_SHELL &&
	    (!utf8_valid((const unsigned char *)e->name, strlen(e->name)) ||
	     !utf8_valid((const unsigned char *)v, n)))
		return "the value is not UTF-8, which this format's readers "
		       "require (--export shell carries any byte)";
	switch (f) {
	case EXPORT_DOTENV:
		if (n > 0 && v[n - 1] == '\\')
			return "the value ends in a backslash, which python-dotenv "
			       "would take for an escaped closing quote";
		if (dotenv_expands(v, n))
			return "the value holds ${...}, which python-dotenv "
			       "expands and cannot escape";
		break;
	case EXPORT_DOCKER:
		if (memchr(v, '\n', n) != NULL)
			return "the value has a newline, which docker's env-file "
			       "cannot carry (no quoting)";
		if (n > 0 && v[n - 1] == '\r')
			return "the value ends in a carriage return, which "
			       "docker's env-file reader drops";
		if (strlen(e->name) + 1 + n + 1 > DOCKER_LINE_MAX)
			return "the line would be longer than docker's env-file "
			       "reader takes (64 KiB)";
		break;
	}
	return NULL;
}

static void shell_value(struct buf *b, const char *v, size_t n)
{
	const char *q;

	put(b, "'", 1);
	while ((q = memchr(v, '\'', n)) != NULL) {
		put(b, v, (size_t)(q - v));
		put(b, "'\\''", 4);
		n -= (size_t)(q - v) + 1;
		v = q + 1;
	}
	put(b, v, n);
	put(b, "'", 1);
}

static void dotenv_value(struct buf *b, const char *v, size_t n)
{
	size_t i, run = 0;

	put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		const char *esc = v[i] == '\\' ? "\\\\" :
		                  v[i] == '"'  ? "\\\"" :
		                  v[i] == '\n' ? "\\n" :
		                  v[i] == '\r' ? "\\r" :
		                                 NULL;

		if (esc == NULL)
			continue;
		put(b, v + run, i - run);
		put(b, esc, 2);
		run = i + 1;
	}
	put(b, v + run, n - run);
	put(b, "\"", 1);
}

/* A delimiter that the value does not contain: "VAULTRUN_EOF_" and 32 random
 * hex digits. */
static int github_delimiter(const char *v, size_t n, char *out, struct error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	int tries, i;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return error_set(err, ST_OSERR,
			                 "getrandom: no random delimiter for "
			                 "--export github");
		memcpy(out, "VAULTRUN_EOF_", 13);
		for (i = 0; i < 16; i++) {
			out[13 + 2 * i] = hex[r[i] >> 4];
			out[14 + 2 * i] = hex[r[i] & 15];
		}
		out[45] = '\0';
		if (memmem(v, n, out, 45) == NULL)
			return ST_OK;
	}
	return error_set(err, ST_SOFTWARE, "no delimiter absent from a value");
}

static int render_json(const struct changes *c, struct buf *b)
{
	size_t i, n = changes_count(c);
	const char **pairs = xcalloc(2 * n + 1, sizeof *pairs);
	struct secret obj = {NULL, 0};

	for (i = 0; i < n; i++) {
		const struct change *e = changes_get(c, i);

		pairs[2 * i] = e->name;
		pairs[2 * i + 1] = e->value.p ? e->value.p : "";
	}
	json_encode_object(pairs, n, &obj);
	free(pairs);
	put(b, obj.p, obj.len);
	put(b, "\n", 1);
	secret_wipe(&obj);
	return ST_OK;
}

int export_render(const struct changes *c, int f, struct secret *out,
                  struct error *err)
{
	struct buf b = {NULL, 0, 0};
	char delim[46];
	size_t i;
	int rc = ST_OK;

	secret_wipe(out);
	for (i = 0; i < changes_count(c); i++) {
		const struct change *e = changes_get(c, i);
		const char *why;

		if (e->is_file && e->profile)
			return error_set(err, ST_CONFIG,
			                 "%s (profile %s): a file variable cannot "
			                 "be exported (its value is a file for a "
			                 "command)",
			                 e->name, e->profile);
		if (e->is_file)
			return error_set(err, ST_CONFIG,
			                 "%s: a [files] variable cannot be "
			                 "exported (its value is a file for a "
			                 "command): move it to [env]",
			                 e->name);
		if ((why = cannot_carry(e, f)) != NULL)
			return error_set(err, ST_DATA,
			                 "%s: cannot be exported as %s: %s",
			                 e->name, format_name(f), why);
	}
	if (f == EXPORT_JSON)
		rc = render_json(c, &b);
	for (i = 0; f != EXPORT_JSON && i < changes_count(c); i++) {
		const struct change *e = changes_get(c, i);
		const char *v = e->value.p ? e->value.p : "";
		size_t n = e->value.len;

		switch (f) {
		case EXPORT_SHELL:
			puts_(&b, "export ");
			puts_(&b, e->name);
			put(&b, "=", 1);
			shell_value(&b, v, n);
			break;
		case EXPORT_DOTENV:
			puts_(&b, e->name);
			put(&b, "=", 1);
			dotenv_value(&b, v, n);
			break;
		case EXPORT_DOCKER:
			puts_(&b, e->name);
			put(&b, "=", 1);
			put(&b, v, n);
			break;
		case EXPORT_GITHUB:
			if ((rc = github_delimiter(v, n, delim, err)) != ST_OK)
				break;
			puts_(&b, e->name);
			put(&b, "<<", 2);
			puts_(&b, delim);
			put(&b, "\n", 1);
			put(&b, v, n);
			put(&b, "\n", 1);
			puts_(&b, delim);
			break;
		}
		if (rc != ST_OK)
			break;
		put(&b, "\n", 1);
	}
	if (rc == ST_OK)
		secret_set(out, b.p ? b.p : "", b.len);
	wipe_free(b.p, b.cap);
	return rc;
}

int export_changes(const struct changes *c, int f, const char *path,
                   struct error *err)
{
	struct secret text = {NULL, 0};
	int rc;

	if ((rc = export_render(c, f, &text, err)) == ST_OK)
		rc = outfile_write(path, text.p, text.len, err);
	secret_wipe(&text);
	return rc;
}
