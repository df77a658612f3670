/* fetcher.h - the fetcher's private struct, shared by fetch.c (the
 * scheduler: the loop, the cap, the deadline, the stop) and flight.c (one
 * request from its start to its answer, its retry or its redirect).
 * Internal to the two.  The queue of transfers backing off before a retry
 * is static inline, as when it was fetch.c's alone. */
#ifndef VAULTRUN_FETCHER_H
#define VAULTRUN_FETCHER_H

#include <curl/curl.h>
#include <signal.h>
#include <stddef.h>

#include "fetch.h"
#include "ratelimit.h"
#include "secret.h"
#include "xfer.h"

struct xqueue {
	struct xfer *head, *tail;
};

struct fetcher {
	CURLM *multi;
	struct fetch_opts o; /* strings borrowed from the caller */
	struct secret token;
	struct askq *ready;    /* waiting for a slot */
	struct xqueue waiting; /* backing off before a retry */
	struct xfer *active;   /* in flight, linked through next */
	CURL **pool;           /* idle easy handles */
	size_t npool;
	struct xfer_conf conf; /* what every handle shares */
	struct ratelimit rl;   /* VAULT_RATE_LIMIT */
	long inflight;
	const volatile sig_atomic_t *stop; /* set: end every request now */
	int stop_fd;                       /* readable once stop is set */
	long cap;                          /* most requests in flight now */
	long want; /* ... once the transport is known (and the pool's size) */
	int mux;   /* -1 until the first answer; then 1 for HTTP/2, else 0 */
	unsigned requests, peak;
	unsigned long long rng;
	struct xfer_sockets sockets; /* connections opened during a login */
};

static inline void xqueue_push(struct xqueue *q, struct xfer *x)
{
	x->next = NULL;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
}

static inline struct xfer *xqueue_pop(struct xqueue *q)
{
	struct xfer *x = q->head;

	if (x) {
		q->head = x->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return x;
}

#endif
