/* rotate.h - when --watch re-reads and when a change restarts: pure
 * arithmetic, times in seconds on the caller's clock, randomness passed in
 * (SPEC.md "Renewal and rotation"):
 *   - re-read every interval with +-10 % jitter;
 *   - changes within 2 s of each other make one restart, 2 s after the last;
 *   - at most one restart per 10 s;
 *   - a failed re-read changes nothing: it never causes a restart;
 *   - a lease that cannot be renewed past its end is replaced when a tenth
 *     of its life is left (renew_replace_at), at most once per 10 s (no
 *     credential minted in a loop); its new value restarts the command at
 *     once (no debounce: the old one is ending), but the 10 s gap holds;
 *   - a read that finds the command's own values again cancels a change
 *     still waiting.
 */
#ifndef VAULTRUN_ROTATE_H
#define VAULTRUN_ROTATE_H

#include "renew.h"

#define ROTATE_DEBOUNCE 2.0
#define ROTATE_MIN_GAP 10.0

struct rotate {
	double interval;
	double next_read;    /* when to re-read */
	double changed_at;   /* the last change not yet acted on; < 0 none */
	double restarted_at; /* the last restart; < 0 none */
	double urgent_at;    /* a replaced lease not yet acted on; < 0 none */
	double replaced_at;  /* the last replacement read; < 0 none */
};

void rotate_init(struct rotate *r, double now, double interval, double rnd);

/* A re-read was answered at now (changed: some value differs from the
 * command's), or failed (ok 0: nothing changes but the next read). */
void rotate_read(struct rotate *r, double now, int ok, int changed, double rnd);

/* A replaced lease changed the environment at now: restart without the
 * debounce. */
void rotate_urgent(struct rotate *r, double now);

/* When to restart, or a negative number when no change waits. */
double rotate_restart_at(const struct rotate *r);

/* The command was restarted (or stopped for --on-change exit) at now. */
void rotate_restarted(struct rotate *r, double now);

/* When a leased value must be read afresh: never (-1) while renewals still
 * extend it, else a tenth of its last granted life before its end. */
double rotate_replace_at(const struct renew *lease);

/* When the replacement read of a lease due at replace_at (< 0: never) may
 * go out: not sooner than 10 s after the last one. */
double rotate_replace_due(const struct rotate *r, double replace_at);

/* A replacement read went out at now. */
void rotate_replacing(struct rotate *r, double now);

/* Is a lease whose replacement read is due at replace_at (< 0: never) due
 * at now (rotate_replace_due's 10 s included)? */
int rotate_lease_due(const struct rotate *r, double now, double replace_at);

enum { ROTATE_NONE, ROTATE_KV, ROTATE_REPLACE };

/* Which re-read goes out at now when none is under way, given the soonest
 * replacement read due (rotate_replace_due's, < 0: none): the replacement
 * when its time came (it goes first), else the KV reads when theirs did. */
int rotate_read_due(const struct rotate *r, double now, double replace_due);

/* When the watch next needs its run: with no re-read under way (reading 0)
 * the next KV read or the soonest replacement (replace_due, < 0: none),
 * and a change waiting (pending) its restart; -1: nothing. */
double rotate_wake_at(const struct rotate *r, int reading, double replace_due,
                      int pending);

#endif
