/* redact.c - credentials out of libcurl's debug trace.
 *
 * The names are found anywhere on a line, not only at its start, so that
 * every form libcurl prints is covered: HTTP/1 header lines, HTTP/2's
 * "h2h3 [name: value]" text, a proxy's CONNECT.  A false match only hides
 * more of a debug line. */
#include <string.h>
#include <strings.h>

#include "redact.h"

/* "authorization" also matches "Proxy-Authorization". */
static const char *const names[] = {"x-vault-token", "authorization"};

/* Where the value of a credential header starts in s[0..n) (just past the
 * ':' after its name, blanks allowed before it), or 0 if s names none. */
static size_t value_at(const char *s, size_t n)
{
	size_t i, k, len, j;

	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof names / sizeof names[0]; k++) {
			len = strlen(names[k]);
			if (n - i < len || strncasecmp(s + i, names[k], len) != 0)
				continue;
			for (j = i + len;
			     j < n && (s[j] == ' ' || s[j] == '\t'); j++)
				;
			if (j < n && s[j] == ':')
				return j + 1;
		}
	return 0;
}

void redact_debug(const char *data, size_t size, struct secret *out)
{
	static const char mark[] = " <redacted>";
	char *p = NULL;
	size_t len = 0, cap = 0, i = 0, j, n, v;

	while (i < size) {
		for (j = i; j < size && data[j] != '\n'; j++)
			;
		n = j - i;
		if (n > 0 && data[i + n - 1] == '\r')
			n--;
		if (n > 0) {
			v = value_at(data + i, n);
			wipe_append(&p, &len, &cap, data + i, v ? v : n);
			if (v)
				wipe_append(&p, &len, &cap, mark, sizeof mark - 1);
			wipe_append(&p, &len, &cap, "\n", 1);
		}
		i = j + 1;
	}
	secret_set(out, p ? p : "", len);
	wipe_free(p, cap);
}
