/* askq.c - the requests waiting for a slot: a list of small entries, a
 * batch's requests made one at a time as it reaches the head. */
#include <stdlib.h>
#include <string.h>

#include "askq.h"
#include "util.h"
#include "xfer.h"

/* A request waiting.  Until its first attempt it is only what fetch_add was
 * given, a quarter of a transfer's size; a redirect queues its transfer
 * again; and a batch (askq_add_lazily) waits as one entry. */
struct asked {
	struct asked *next;
	struct xfer *x;     /* a transfer queued again, or NULL: */
	fetch_more_cb more; /* n requests yet to be made, the next k, or NULL: */
	size_t k, n;
	const char *method;
	struct secret body; /* p NULL: none */
	int flags;
	fetch_cb cb;
	void *ctx;
	char path[];
};

struct askq {
	struct asked *head, *tail;
	struct asked **making; /* in more(): where askq_add puts */
	struct fetcher *f;     /* the transfers' */
};

struct askq *askq_new(struct fetcher *f)
{
	struct askq *q = xcalloc(1, sizeof *q);

	q->f = f;
	return q;
}

static void ask(struct askq *q, struct asked *a)
{
	a->next = NULL;
	if (q->tail)
		q->tail->next = a;
	else
		q->head = a;
	q->tail = a;
}

static struct asked *unask(struct askq *q)
{
	struct asked *a = q->head;

	if (a) {
		q->head = a->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return a;
}

static void asked_free(struct asked *a)
{
	secret_wipe(&a->body);
	free(a);
}

/* Unlink a, which is in q. */
static void drop_asked(struct askq *q, struct asked *a)
{
	struct asked **pp, *prev = NULL;

	for (pp = &q->head; *pp != a; pp = &(*pp)->next)
		prev = *pp;
	*pp = a->next;
	if (q->tail == a)
		q->tail = prev;
	asked_free(a);
}

void askq_add(struct askq *q, const char *method, const char *path,
              const struct secret *body, int flags, fetch_cb cb, void *ctx)
{
	size_t n = strlen(path);
	struct asked *a = xcalloc(1, sizeof *a + n + 1);

	a->method = method;
	memcpy(a->path, path, n + 1);
	if (body)
		secret_set(&a->body, body->p, body->len);
	a->flags = flags;
	a->cb = cb;
	a->ctx = ctx;
	if (q->making) { /* a batch's: in front of it */
		a->next = *q->making;
		*q->making = a;
		q->making = &a->next;
		return;
	}
	ask(q, a);
}

void askq_add_lazily(struct askq *q, size_t n, fetch_more_cb more, void *ctx)
{
	struct asked *a;

	if (n == 0)
		return;
	a = xcalloc(1, sizeof *a + 1);
	a->more = more;
	a->n = n;
	a->ctx = ctx;
	ask(q, a);
}

void askq_requeue(struct askq *q, struct xfer *x)
{
	struct asked *a = xcalloc(1, sizeof *a + 1);

	a->x = x;
	ask(q, a);
}

struct xfer *askq_pop(struct askq *q)
{
	struct asked *a;
	struct xfer *x;

	while ((a = q->head) && a->more) {
		if (a->k < a->n) {
			q->making = &q->head;
			a->more(a->ctx, a->k++);
			q->making = NULL;
		}
		if (a->k == a->n)
			drop_asked(q, a);
	}
	if ((a = unask(q)) == NULL)
		return NULL;
	x = a->x ? a->x :
	           xfer_new(q->f, a->method, a->path,
	                    a->body.p ? &a->body : NULL, a->flags, a->cb, a->ctx);
	asked_free(a);
	return x;
}

int askq_empty(const struct askq *q)
{
	return q->head == NULL;
}

size_t askq_len(const struct askq *q)
{
	const struct asked *a;
	size_t n = 0;

	for (a = q->head; a; a = a->next)
		n += a->more ? a->n - a->k : 1;
	return n;
}

void askq_free(struct askq *q)
{
	struct asked *a;

	if (q == NULL)
		return;
	/* Requests never started are dropped as asked: no transfer is built
	 * for them only to be freed. */
	while ((a = unask(q))) {
		if (a->x)
			xfer_free(a->x);
		asked_free(a);
	}
	free(q);
}
