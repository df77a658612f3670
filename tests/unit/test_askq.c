/* test_askq.c - the queue of requests waiting for a slot: first in first
 * out, a batch's requests made one at a time in its place, transfers
 * queued again, and what is dropped unmade. */
#include <stdio.h>
#include <string.h>

#include "askq.h"
#include "t.h"
#include "xfer.h"

/* A batch's more(): queues request k as "PREFIX/k" (and "PREFIX/k/b"
 * when k is in two), nothing when k is in none; counts its calls. */
struct batch {
	struct askq *q;
	const char *prefix;
	unsigned none, two; /* bit k: none, two */
	size_t calls;
};

static void more(void *ctx, size_t k)
{
	struct batch *b = ctx;
	char path[64];

	b->calls++;
	if (b->none >> k & 1)
		return;
	snprintf(path, sizeof path, "%s/%zu", b->prefix, k);
	askq_add(b->q, "GET", path, NULL, 0, NULL, b);
	if (b->two >> k & 1) {
		snprintf(path, sizeof path, "%s/%zu/b", b->prefix, k);
		askq_add(b->q, "GET", path, NULL, 0, NULL, b);
	}
}

/* Pops the head and checks it is path; 0 when it was not. */
static int popped(struct askq *q, const char *path)
{
	struct xfer *x = askq_pop(q);
	int ok = x && strcmp(x->path, path) == 0;

	if (!ok)
		fprintf(stderr, "  popped \"%s\", want \"%s\"\n",
		        x ? x->path : "(none)", path);
	if (x)
		xfer_free(x);
	return ok;
}

TEST(askq_first_in_first_out)
{
	struct askq *q = askq_new(NULL);
	char text[] = "{\"a\":1}";
	struct secret body = {text, sizeof text - 1};
	int ctx;
	struct xfer *x;

	CHECK(askq_empty(q) && askq_len(q) == 0);
	askq_add(q, "POST", "auth/x/login", &body, FETCH_NO_TOKEN, NULL, &ctx);
	memset(text, 0, sizeof text); /* the queue keeps its own copy */
	askq_add(q, "GET", "secret/data/b", NULL, 0, NULL, NULL);
	askq_add(q, "GET", "secret/data/c?version=2", NULL, 0, NULL, NULL);
	CHECK(!askq_empty(q) && askq_len(q) == 3);
	x = askq_pop(q);
	REQUIRE(x != NULL);
	CHECK_STR(x->method, "POST");
	CHECK_STR(x->path, "auth/x/login");
	CHECK(x->body.len == 7 && memcmp(x->body.p, "{\"a\":1}", 7) == 0);
	CHECK(x->flags == FETCH_NO_TOKEN && x->ctx == &ctx && x->f == NULL);
	xfer_free(x);
	x = askq_pop(q);
	REQUIRE(x != NULL);
	CHECK(x->body.p == NULL); /* none given */
	xfer_free(x);
	CHECK(popped(q, "secret/data/c?version=2"));
	CHECK(askq_pop(q) == NULL && askq_empty(q));
	askq_free(q);
}

TEST(askq_batch_made_in_order_in_its_place)
{
	struct askq *q = askq_new(NULL);
	struct batch b = {NULL, "r", 0, 0, 0};

	b.q = q;
	askq_add(q, "GET", "first", NULL, 0, NULL, NULL);
	askq_add_lazily(q, 3, more, &b);
	askq_add(q, "GET", "after", NULL, 0, NULL, NULL);
	CHECK(askq_len(q) == 5);
	CHECK(popped(q, "first"));
	CHECK(b.calls == 0); /* made only at the head */
	CHECK(popped(q, "r/0"));
	CHECK(b.calls == 1 && askq_len(q) == 3);
	CHECK(popped(q, "r/1"));
	CHECK(popped(q, "r/2"));
	CHECK(b.calls == 3);
	CHECK(popped(q, "after"));
	CHECK(askq_empty(q));
	askq_add_lazily(q, 0, more, &b); /* nothing */
	CHECK(askq_empty(q) && b.calls == 3);
	askq_free(q);
}

TEST(askq_batch_call_queues_none_or_two)
{
	struct askq *q = askq_new(NULL);
	struct batch b = {NULL, "r", 1u << 1, 1u << 0, 0};
	struct batch last = {NULL, "s", 3, 0, 0};

	b.q = last.q = q;
	askq_add_lazily(q, 3, more, &b);
	askq_add_lazily(q, 2, more, &last); /* makes none */
	askq_add(q, "GET", "after", NULL, 0, NULL, NULL);
	CHECK(popped(q, "r/0"));
	CHECK(popped(q, "r/0/b")); /* both ahead of the batch's rest */
	CHECK(popped(q, "r/2"));   /* k = 1 passed its turn */
	CHECK(b.calls == 3);
	CHECK(popped(q, "after"));
	CHECK(last.calls == 2);
	askq_add_lazily(q, 2, more, &last);
	CHECK(askq_len(q) == 2);
	CHECK(askq_pop(q) == NULL); /* its last calls made none */
	CHECK(askq_empty(q) && askq_len(q) == 0);
	askq_free(q);
}

TEST(askq_requeue_behind_the_ones_asked_before)
{
	struct askq *q = askq_new(NULL);
	struct xfer *x = xfer_new(NULL, "GET", "again", NULL, 0, NULL, NULL);

	askq_add(q, "GET", "before", NULL, 0, NULL, NULL);
	askq_requeue(q, x);
	askq_add(q, "GET", "behind", NULL, 0, NULL, NULL);
	CHECK(askq_len(q) == 3);
	CHECK(popped(q, "before"));
	CHECK(askq_pop(q) == x); /* itself, not a copy */
	xfer_free(x);
	CHECK(popped(q, "behind"));
	askq_free(q);
}

TEST(askq_free_drops_unmade)
{
	struct askq *q = askq_new(NULL);
	struct batch b = {NULL, "r", 0, 0, 0};
	char text[] = "{}";
	struct secret body = {text, 2};

	b.q = q;
	askq_add_lazily(q, 100000, more, &b);
	CHECK(askq_len(q) == 100000);
	askq_add(q, "POST", "sys/leases/revoke", &body, 0, NULL, NULL);
	askq_requeue(q, xfer_new(NULL, "GET", "again", NULL, 0, NULL, NULL));
	CHECK(askq_len(q) == 100002);
	askq_free(q); /* the batch, the request and the transfer (ASan) */
	CHECK(b.calls == 0);
	askq_free(NULL);
}
