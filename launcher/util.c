/* util.c - allocation that cannot fail, clocks, strict number parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

static void oom(void)
{
	static const char msg[] = "vaultrun: out of memory\n";

	(void)!write(2, msg, sizeof msg - 1);
	_exit(ST_OSERR);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	p = realloc(p, (n && size) ? n * size : 1);
	if (p == NULL)
		oom();
	return p;
}

void *xgrow(void *p, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		p = xreallocarray(p, n ? 2 * n : 1, size);
	return p;
}

void *xroom(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return xreallocarray(p, *cap, size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	char small[256], *p;
	va_list ap;
	int n;

	/* One formatting pass for the usual short string, two for a long one. */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	if ((size_t)n < sizeof small)
		return xstrndup(small, (size_t)n);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double now_s(void)
{
	return now_ms() / 1000.0;
}

void rng_seed(unsigned long long *rng)
{
	if (getrandom(rng, sizeof *rng, 0) != (ssize_t)sizeof *rng || *rng == 0)
		*rng = (unsigned long long)now_ms() | 1;
}

double rng_next(unsigned long long *rng)
{
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	return (double)((*rng * 2685821657736338717ULL) >> 11) /
	       (double)(1ULL << 53);
}

int parse_ulong(const char *s, unsigned long min, unsigned long max,
                unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;
	const char *p;
	int dots = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (p = s; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			return -1;
	}
	if (dots > 1 || strcmp(s, ".") == 0)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || v > 1e6)
		return -1;
	*out = v;
	return 0;
}

int parse_bool(const char *s)
{
	static const char *const yes[] = {"1",    "t",    "T",
	                                  "TRUE", "true", "True"};
	static const char *const no[] = {"0",     "f",     "F",
	                                 "FALSE", "false", "False"};
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(s, yes[i]) == 0)
			return 1;
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Whether a byte of w is below 0x20 or is DEL (0x7f).  The classic
 * "has a byte less than n" word test: exact as to whether one exists
 * (a borrow only ever follows a byte that is itself one). */
static int word_has_control(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t high = 0x8080808080808080u;
	uint64_t del = w ^ (0x7f * ones);

	return ((((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & high) != 0;
}

size_t ctl_span(const char *s, size_t n)
{
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, sizeof w);
		if (word_has_control(w))
			break;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			break;
	return i;
}

unsigned long long hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15u ^ n, w = 0;

	if (n >= 8) {
		const unsigned char *last = s + n - 8;

		for (; s < last; s += 8) {
			memcpy(&w, s, 8);
			h = (h ^ w) * 0xff51afd7ed558ccdu;
			h ^= h >> 32;
		}
		/* the last eight bytes, overlapping the word before */
		memcpy(&w, last, 8);
	} else {
		for (; n > 0; n--)
			w = w << 8 | s[n - 1];
	}
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	/* murmur3's finaliser: every bit of h reaches the low ones */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h;
}

int valid_env_name(const char *s)
{
	if (s == NULL ||
	    !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int valid_path(const char *s)
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

int without_env(const char *name, int (*fn)(void *), void *arg)
{
	char **saved = environ, **v;
	size_t n = 0, i, k = 0, len = strlen(name);
	int rc;

	while (saved && saved[n])
		n++;
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		if (strncmp(saved[i], name, len) != 0 || saved[i][len] != '=')
			v[k++] = saved[i];
	environ = v;
	rc = fn(arg);
	environ = saved;
	free(v);
	return rc;
}

int url_is_https(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0;
}
