/* util.h - allocation that cannot fail, and small helpers.
 *
 * Out of memory is the one failure that does not travel up: the x* functions
 * print "vaultrun: out of memory" and _exit(71).  Core dumps are off and the
 * process image goes away, so no secret outlives the exit.
 */
#ifndef VAULTRUN_UTIL_H
#define VAULTRUN_UTIL_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
/* Make room for element n of an array that only ever grows through here:
 * its capacity doubles whenever n reaches a power of two, so appending n
 * elements costs O(n) (growing by one would copy the array each time). */
void *xgrow(void *p, size_t n, size_t size);
/* The same for an array whose room is kept in *cap: room for element n,
 * doubled (from 16) when full; an array may start with any room. */
void *xroom(void *p, size_t n, size_t *cap, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A heap string built with snprintf semantics; never NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds, and seconds, on the monotonic clock. */
double now_ms(void);
double now_s(void);

/* A xorshift64* state for jitter, which only needs to be spread, not
 * unpredictable: seeded from getrandom (the clock if that fails), never 0. */
void rng_seed(unsigned long long *rng);
/* The next number in [0, 1) from *rng, which it advances. */
double rng_next(unsigned long long *rng);

/* Parse a whole string as an unsigned decimal in [min, max]; 0 on success. */
int parse_ulong(const char *s, unsigned long min, unsigned long max,
                unsigned long *out);
/* Parse a whole string as a non-negative decimal with optional fraction
 * ("1", "0.25"); 0 on success. */
int parse_seconds(const char *s, double *out);
/* Vault's boolean words (strconv.ParseBool): 1 t T TRUE true True and the
 * 0/f/false set; returns 1, 0, or -1 when s is none of them. */
int parse_bool(const char *s);

/* A hash of n bytes for in-memory tables (not keyed: nothing here is
 * hashed from an adversary who sees the tables), eight bytes a step; its
 * low bits are as good as its high ones. */
unsigned long long hash_bytes(const void *p, size_t n);

/* The number of leading bytes of s[0..n) that are neither below 0x20 nor
 * DEL (0x7f): n when there is no control byte.  Eight bytes a step. */
size_t ctl_span(const char *s, size_t n);

/* A variable name usable in an environment: [A-Za-z_][A-Za-z0-9_]*. */
int valid_env_name(const char *s);

/* A path as Vault lists a mount, without leading or trailing '/': segments
 * that are neither empty nor "." or "..". */
int valid_path(const char *s);

/* Call fn(arg) with environ lacking every NAME= entry (for libraries that
 * read a variable vaultrun must ignore), then restore environ exactly: the
 * entries stay, in place, for the command.  Returns what fn returns. */
int without_env(const char *name, int (*fn)(void *), void *arg);

/* Whether url's scheme is https (case-insensitive). */
int url_is_https(const char *url);

#endif
