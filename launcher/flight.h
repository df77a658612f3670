/* flight.h - one request's flight through the fetcher: its start on an
 * easy handle, its answer (or its failure) handed to its callback, another
 * attempt after a backoff, one redirect.  fetch.c's scheduler calls these;
 * the decisions are policy.c's, the handle's options and its end xfer.c's.
 * Only fetch.c, flight.c and their unit tests include this header. */
#ifndef VAULTRUN_FLIGHT_H
#define VAULTRUN_FLIGHT_H

#include <curl/curl.h>

struct fetcher;
struct xfer;

/* Put x in flight on a pooled (or new) handle added to f's multi handle.
 * Returns 0, or -1 with *why libcurl's refusal of an option (CURLE_OK when
 * there was no handle); x is then not in flight and the caller finishes
 * it. */
int flight_start(struct fetcher *f, struct xfer *x, CURLcode *why);

/* Take x out of flight: its handle back to the pool (or freed).  Nothing
 * when x has no handle. */
void flight_release(struct fetcher *f, struct xfer *x);

/* Hand the outcome to x's callback and free x: status the HTTP status, or
 * 0 with failure and reason. */
void flight_finish(struct xfer *x, long status, int failure, const char *reason);

/* libcurl is done with x's attempt (rc): finish it, or queue it again for a
 * retry (f's waiting queue) or a redirect (f's ready queue). */
void flight_done(struct fetcher *f, struct xfer *x, CURLcode rc);

#endif
