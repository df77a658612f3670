/* streammask.c - an Aho-Corasick matcher over bytes that masks a stream.
 *
 * The trie is built with child/sibling lists, then renumbered in
 * breadth-first order: a state's failure link is always a smaller number.
 * The first DENSE states (the shallow ones, where a scan spends nearly all
 * its time) get a full 256-entry transition row; deeper states keep their
 * few edges and fall back through their failure links, which end in a dense
 * row.  This keeps the tables small (a full table for thousands of states
 * would be megabytes) while a byte is still one lookup most of the time.
 *
 * A cursor scans each byte once.  A match of length L ending at offset e
 * covers [e-L, e); covered intervals that overlap merge.  After a write,
 * everything before R = pos - depth(state) is decided (no later match can
 * start before R), except an interval that reaches past R, which a later
 * match may still extend.  The cursor keeps the raw bytes [R, pos) only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "secret.h"
#include "streammask.h"
#include "util.h"

#define VALUE_MIN 4   /* as mask.c: shorter values would garble output */
#define ENCODED_MIN 8 /* values this long are also matched encoded */
#define DENSE 512     /* states with a full transition row */
/* In a dense row: the target is deep, or a pattern ends there.  The scan
 * takes the common step (neither) with one load and one test. */
#define SPECIAL 0x80000000u

struct bnode {
	uint32_t child, sibling; /* 0: none (the root is nobody's child) */
	uint32_t term;           /* length of a pattern ending here, or 0 */
	unsigned char byte;
};

struct streammask {
	struct bnode *bn; /* build-time trie, node 0 the root */
	size_t nb, npatterns, maxlen;
	int compiled;
	uint32_t nstates, ndense;
	uint32_t *dense;  /* ndense rows of 256 */
	uint32_t *fail;   /* per state */
	uint32_t *depth;  /* per state */
	uint32_t *mlen;   /* per state: longest pattern that ends here, or 0 */
	uint32_t *efirst; /* edges of s: [efirst[s], efirst[s + 1]) */
	unsigned char *ebyte;
	uint32_t *eto;
	unsigned char *starts; /* [a | b << 8]: some pattern starts with ab */
};

struct ival {
	uint64_t a, b;
};

struct streammask_cursor {
	const struct streammask *m;
	uint32_t st;
	uint64_t pos;     /* bytes fed */
	uint64_t done;    /* output decided up to here */
	unsigned char *w; /* raw bytes [pos - wlen, pos) */
	size_t wlen;
	struct ival *iv; /* covered intervals not yet released, by end */
	size_t niv, civ;
};

struct streammask *streammask_new(void)
{
	struct streammask *m = xcalloc(1, sizeof *m);

	m->bn = xgrow(NULL, 0, sizeof *m->bn);
	memset(&m->bn[0], 0, sizeof m->bn[0]);
	m->nb = 1;
	return m;
}

static void insert(struct streammask *m, const unsigned char *p, size_t len)
{
	uint32_t s = 0, c;
	size_t i;

	for (i = 0; i < len; i++) {
		for (c = m->bn[s].child; c != 0 && m->bn[c].byte != p[i];
		     c = m->bn[c].sibling)
			;
		if (c == 0) {
			m->bn = xgrow(m->bn, m->nb, sizeof *m->bn);
			c = (uint32_t)m->nb++;
			m->bn[c].child = 0;
			m->bn[c].term = 0;
			m->bn[c].byte = p[i];
			m->bn[c].sibling = m->bn[s].child;
			m->bn[s].child = c;
		}
		s = c;
	}
	m->bn[s].term = (uint32_t)len;
	m->npatterns++;
	if (len > m->maxlen)
		m->maxlen = len;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 characters fully determined by v when k other bytes precede it
 * (k = 0, 1, 2: the three alignments): those whose 6 bits all lie in v. */
static void add_base64(struct streammask *m, const unsigned char *v, size_t n,
                       unsigned k)
{
	size_t first = (8 * k + 5) / 6, end = (8 * (k + n)) / 6, i, o, j = 0;
	unsigned char *p = xmalloc(end - first + 1);

	for (i = first; i < end; i++) {
		unsigned bits;

		o = 6 * i - 8 * k; /* bit offset in v */
		bits = (unsigned)v[o / 8] << 8;
		if (o / 8 + 1 < n)
			bits |= v[o / 8 + 1];
		p[j++] = (unsigned char)b64[(bits >> (10 - o % 8)) & 63];
	}
	insert(m, p, j);
	wipe_free(p, end - first + 1);
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* RFC 3986 percent-encoding (everything but the unreserved characters), in
 * upper- and lower-case hex; nothing when it would be the value itself. */
static void add_percent(struct streammask *m, const unsigned char *v, size_t n)
{
	static const char *const hex[2] = {"0123456789ABCDEF", "0123456789abcdef"};
	unsigned char *p = xmalloc(3 * n);
	size_t i, j, h, forms = 0;

	/* one form when something is escaped, two when a hex digit is a letter */
	for (i = 0; i < n; i++) {
		if (unreserved(v[i]))
			continue;
		if (forms == 0)
			forms = 1;
		if ((v[i] >> 4) >= 10 || (v[i] & 15) >= 10)
			forms = 2;
	}
	for (h = 0; h < forms; h++) {
		for (i = j = 0; i < n; i++) {
			if (unreserved(v[i])) {
				p[j++] = v[i];
				continue;
			}
			p[j++] = '%';
			p[j++] = (unsigned char)hex[h][v[i] >> 4];
			p[j++] = (unsigned char)hex[h][v[i] & 15];
		}
		insert(m, p, j);
	}
	wipe_free(p, 3 * n);
}

void streammask_add(struct streammask *m, const char *p, size_t len)
{
	const unsigned char *v = (const unsigned char *)p;
	unsigned k;

	if (len < VALUE_MIN || m->compiled || len > UINT32_MAX / 3)
		return;
	insert(m, v, len);
	if (len < ENCODED_MIN)
		return;
	for (k = 0; k < 3; k++)
		add_base64(m, v, len, k);
	add_percent(m, v, len);
}

size_t streammask_patterns(const struct streammask *m)
{
	return m->npatterns;
}

/* The next state from s on byte c (s deep: its edges, then its failure). */
static uint32_t step(const struct streammask *m, uint32_t s, unsigned char c)
{
	uint32_t e;

	while (s >= m->ndense) {
		for (e = m->efirst[s]; e < m->efirst[s + 1]; e++)
			if (m->ebyte[e] == c)
				return m->eto[e];
		s = m->fail[s];
	}
	return m->dense[(size_t)s << 8 | c] & ~SPECIAL;
}

void streammask_compile(struct streammask *m)
{
	uint32_t *order, *id, n, head, s, c, e, nedges = 0;
	size_t i;

	if (m->compiled)
		return;
	m->compiled = 1;
	n = m->nstates = (uint32_t)m->nb;
	m->ndense = n < DENSE ? n : DENSE;
	order = xcalloc(n, sizeof *order); /* BFS index -> build node */
	id = xcalloc(n, sizeof *id);       /* build node -> BFS index */
	order[0] = 0;
	for (head = 0, i = 1; head < i; head++)
		for (c = m->bn[order[head]].child; c; c = m->bn[c].sibling) {
			id[c] = (uint32_t)i;
			order[i++] = c;
		}
	m->fail = xcalloc(n, sizeof *m->fail);
	m->depth = xcalloc(n, sizeof *m->depth);
	m->mlen = xcalloc(n, sizeof *m->mlen);
	m->efirst = xcalloc((size_t)n + 1, sizeof *m->efirst);
	m->ebyte = xcalloc(n, 1);
	m->eto = xcalloc(n, sizeof *m->eto);
	m->dense = xcalloc((size_t)m->ndense << 8, sizeof *m->dense);
	m->starts = xcalloc(65536, 1);
	/* Edges, in state order; each list sorted by nothing in particular. */
	for (s = 0; s < n; s++) {
		m->efirst[s] = nedges;
		for (c = m->bn[order[s]].child; c; c = m->bn[c].sibling) {
			m->ebyte[nedges] = m->bn[c].byte;
			m->eto[nedges++] = id[c];
		}
	}
	m->efirst[n] = nedges;
	/* Breadth first: a child's failure is found from its parent's, which
	 * is settled (and, when shallow, has its dense row) already. */
	for (s = 0; s < n; s++) {
		uint32_t t = m->bn[order[s]].term;

		m->mlen[s] = t > m->mlen[m->fail[s]] ? t : m->mlen[m->fail[s]];
		for (e = m->efirst[s]; e < m->efirst[s + 1]; e++) {
			uint32_t ch = m->eto[e];

			m->depth[ch] = m->depth[s] + 1;
			m->fail[ch] = s == 0 ? 0 :
			                       step(m, m->fail[s], m->ebyte[e]);
		}
		if (s < m->ndense) {
			uint32_t *row = m->dense + ((size_t)s << 8);

			for (c = 0; c < 256; c++)
				row[c] = s == 0 ?
				                 0 :
				                 m->dense[(size_t)m->fail[s] << 8 | c];
			for (e = m->efirst[s]; e < m->efirst[s + 1]; e++)
				row[m->ebyte[e]] = m->eto[e];
		}
	}
	for (e = m->efirst[0]; e < m->efirst[1]; e++) {
		uint32_t d1 = m->eto[e], f;

		for (f = m->efirst[d1]; f < m->efirst[d1 + 1]; f++) {
			m->starts[m->ebyte[e] | (unsigned)m->ebyte[f] << 8] = 1;
		}
	}
	/* Flagged last: a row copied from a failure's must not copy the
	 * flags' absence.  Targets never reach bit 31 (n < 2^31 states). */
	for (i = 0; i < ((size_t)m->ndense << 8); i++)
		if (m->dense[i] >= m->ndense || m->mlen[m->dense[i]])
			m->dense[i] |= SPECIAL;
	free(order);
	free(id);
	wipe_free(m->bn, m->nb * sizeof *m->bn);
	m->bn = NULL;
}

void streammask_free(struct streammask *m)
{
	if (m == NULL)
		return;
	if (m->bn)
		wipe_free(m->bn, m->nb * sizeof *m->bn);
	if (m->compiled) {
		wipe_free(m->dense, ((size_t)m->ndense << 8) * sizeof *m->dense);
		wipe_free(m->ebyte, m->nstates);
		wipe_free(m->eto, m->nstates * sizeof *m->eto);
		free(m->fail);
		free(m->depth);
		free(m->mlen);
		free(m->efirst);
		wipe_free(m->starts, 65536);
	}
	free(m);
}

struct streammask_cursor *streammask_cursor_new(const struct streammask *m)
{
	struct streammask_cursor *c = xcalloc(1, sizeof *c);

	c->m = m;
	c->w = xmalloc(m->maxlen + 1);
	return c;
}

void streammask_cursor_free(struct streammask_cursor *c)
{
	if (c == NULL)
		return;
	wipe_free(c->w, c->m->maxlen + 1);
	free(c->iv);
	free(c);
}

size_t streammask_bound(const struct streammask *m, size_t len)
{
	return len + m->maxlen + sizeof MASK_STARS;
}

size_t streammask_held(const struct streammask_cursor *c)
{
	return (size_t)(c->pos - c->done);
}

/* A match [s, e): it absorbs every interval it overlaps (touching is not
 * overlapping, as in mask_redact). */
static void cover(struct streammask_cursor *c, uint64_t s, uint64_t e)
{
	while (c->niv > 0 && c->iv[c->niv - 1].b > s) {
		if (c->iv[c->niv - 1].a < s)
			s = c->iv[c->niv - 1].a;
		c->niv--;
	}
	if (c->niv == c->civ) {
		c->civ = c->civ ? 2 * c->civ : 8;
		c->iv = xreallocarray(c->iv, c->civ, sizeof *c->iv);
	}
	c->iv[c->niv].a = s;
	c->iv[c->niv++].b = e;
}

/* The stream as the window [r0, p0) followed by in (p0 onwards). */
struct view {
	const unsigned char *w, *in;
	uint64_t r0, p0;
};

static char *copy(const struct view *v, uint64_t x, uint64_t y, char *out)
{
	if (x < v->p0 && x < y) {
		uint64_t to = y < v->p0 ? y : v->p0;

		memcpy(out, v->w + (x - v->r0), (size_t)(to - x));
		out += to - x;
		x = to;
	}
	if (x < y) {
		memcpy(out, v->in + (x - v->p0), (size_t)(y - x));
		out += y - x;
	}
	return out;
}

/* Write out everything decided before r. */
static char *release(struct streammask_cursor *c, const struct view *v,
                     uint64_t r, char *out)
{
	uint64_t x = c->done;
	size_t k, n;

	for (k = 0; k < c->niv && c->iv[k].b <= r; k++) {
		out = copy(v, x, c->iv[k].a, out);
		n = (size_t)(c->iv[k].b - c->iv[k].a);
		n = n < sizeof MASK_STARS - 1 ? n : sizeof MASK_STARS - 1;
		memcpy(out, MASK_STARS, n);
		out += n;
		x = c->iv[k].b;
	}
	if (k < c->niv && c->iv[k].a < r) {
		out = copy(v, x, c->iv[k].a, out);
		x = c->iv[k].a; /* [a, r) is covered: no need to keep it */
	} else {
		out = copy(v, x, r, out);
		x = r;
	}
	c->done = x;
	if (k > 0) {
		memmove(c->iv, c->iv + k, (c->niv - k) * sizeof *c->iv);
		c->niv -= k;
	}
	return out;
}

/* The first position q in [i, len - 1) where a pattern may start (its first
 * two bytes are some pattern's), else len - 1.  Eight positions a round:
 * independent loads, one branch. */
static size_t skip(const unsigned char *starts, const unsigned char *u,
                   size_t i, size_t len)
{
#define AT(k) starts[u[i + (k)] | (unsigned)u[i + (k) + 1] << 8]
	while (i + 9 <= len &&
	       !(AT(0) | AT(1) | AT(2) | AT(3) | AT(4) | AT(5) | AT(6) | AT(7)))
		i += 8;
#undef AT
	while (i + 1 < len && !starts[u[i] | (unsigned)u[i + 1] << 8])
		i++;
	return i;
}

size_t streammask_feed(struct streammask_cursor *c, const char *in, size_t len,
                       char *out)
{
	const struct streammask *m = c->m;
	const unsigned char *u = (const unsigned char *)in;
	struct view v = {c->w, u, c->pos - c->wlen, c->pos};
	uint64_t r;
	uint32_t s = c->st;
	char *o = out;
	size_t i;

	if (m->nstates <= 1) {
		memcpy(out, in, len);
		c->pos = c->done = c->pos + len;
		return len;
	}
	for (i = 0; i < len;) {
		/* At the root, skip to the next pair of bytes that begins a
		 * pattern: the bytes before it can begin none (patterns are 4
		 * bytes or more), and the state after them is the root's step
		 * on the last one.  No dependency chain: the fast path. */
		if (s == 0 && i + 1 < len) {
			size_t q = skip(m->starts, u, i, len);

			if (q > i) {
				s = m->dense[u[q - 1]] & ~SPECIAL;
				i = q;
			}
		}
		if (s < m->ndense) {
			uint32_t t = m->dense[(size_t)s << 8 | u[i++]];

			if (!(t & SPECIAL)) {
				s = t;
				continue;
			}
			s = t & ~SPECIAL;
		} else {
			s = step(m, s, u[i++]);
		}
		if (m->mlen[s])
			cover(c, c->pos + i - m->mlen[s], c->pos + i);
	}
	c->st = s;
	c->pos += len;
	r = c->pos - m->depth[s];
	o = release(c, &v, r, o);
	/* Keep [r, pos): the tail of the old window and/or of in. */
	if (r < v.p0) {
		size_t keep = (size_t)(v.p0 - r);

		memmove(c->w, c->w + (c->wlen - keep), keep);
		memcpy(c->w + keep, in, len);
	} else {
		memcpy(c->w, in + (r - v.p0), (size_t)(c->pos - r));
	}
	c->wlen = (size_t)(c->pos - r);
	return (size_t)(o - out);
}

size_t streammask_flush(struct streammask_cursor *c, char *out)
{
	struct view v = {c->w, NULL, c->pos - c->wlen, c->pos};
	char *o = release(c, &v, c->pos, out);

	explicit_bzero(c->w, c->wlen);
	c->wlen = 0;
	c->st = 0;
	c->niv = 0;
	return (size_t)(o - out);
}
