/* askq.h - the requests waiting for a slot, first in first out.  A request
 * is kept as what fetch_add was given (a quarter of a transfer's size) until
 * it is popped to start; a transfer that must go again (a redirect, a retry
 * that is due) waits as itself; and many requests queued at once
 * (fetch_add_lazily: a run's reads) wait as one entry, each made only when
 * it reaches the head.  fetch.c's (flight.c queues a redirected transfer
 * again); only they and its unit test include this.
 */
#ifndef VAULTRUN_ASKQ_H
#define VAULTRUN_ASKQ_H

#include <stddef.h>

#include "fetch.h"
#include "secret.h"

struct askq;
struct xfer;

/* An empty queue; the transfers askq_pop makes are f's (xfer_new). */
struct askq *askq_new(struct fetcher *f);

/* Drop whatever waits, unmade and uncalled (a batch's more() is not called
 * for the rest); transfers queued again are freed.  NULL: nothing. */
void askq_free(struct askq *q);

/* fetch_add: method on path (copied, as is body, which may be NULL), at the
 * back.  From within a batch's more(), in the batch's place instead: ahead
 * of it, behind what this call of more() queued before. */
void askq_add(struct askq *q, const char *method, const char *path,
              const struct secret *body, int flags, fetch_cb cb, void *ctx);

/* fetch_add_lazily: n requests at the back, made by more(ctx, k) with
 * askq_add, k = 0 .. n-1 in turn, as the batch reaches the head.  n 0:
 * nothing. */
void askq_add_lazily(struct askq *q, size_t n, fetch_more_cb more, void *ctx);

/* Queue transfer x again, behind the requests asked for before it; q owns x
 * until it is popped. */
void askq_requeue(struct askq *q, struct xfer *x);

/* The request at the head as a transfer the caller owns (made now unless it
 * was queued again); NULL: none.  A batch at the head first makes its next
 * request, which takes its place; one whose more() queues nothing passes its
 * turn, so NULL also comes when a batch's last calls made none. */
struct xfer *askq_pop(struct askq *q);

/* 1 when nothing waits.  Requests waiting, a batch's unmade ones included. */
int askq_empty(const struct askq *q);
size_t askq_len(const struct askq *q);

#endif
