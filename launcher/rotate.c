/* rotate.c - the watch schedule and the restart decision (see rotate.h). */
#include "rotate.h"

static double jittered(double now, double interval, double rnd)
{
	return now + interval * (0.9 + 0.2 * rnd);
}

void rotate_init(struct rotate *r, double now, double interval, double rnd)
{
	r->interval = interval;
	r->next_read = jittered(now, interval, rnd);
	r->changed_at = -1;
	r->restarted_at = -1;
	r->urgent_at = -1;
	r->replaced_at = -1;
}

void rotate_read(struct rotate *r, double now, int ok, int changed, double rnd)
{
	r->next_read = jittered(now, r->interval, rnd);
	if (ok && changed)
		r->changed_at = now; /* a later change moves the restart on */
	else if (ok && r->urgent_at < 0)
		r->changed_at = -1; /* back to the command's values */
}

void rotate_urgent(struct rotate *r, double now)
{
	if (r->urgent_at < 0)
		r->urgent_at = now;
}

double rotate_restart_at(const struct rotate *r)
{
	double at;

	if (r->changed_at < 0 && r->urgent_at < 0)
		return -1;
	at = r->changed_at < 0 ? r->urgent_at : r->changed_at + ROTATE_DEBOUNCE;
	if (r->urgent_at >= 0 && r->urgent_at < at)
		at = r->urgent_at;
	if (r->restarted_at >= 0 && at < r->restarted_at + ROTATE_MIN_GAP)
		at = r->restarted_at + ROTATE_MIN_GAP;
	return at;
}

void rotate_restarted(struct rotate *r, double now)
{
	r->changed_at = -1;
	r->urgent_at = -1;
	r->restarted_at = now;
}

double rotate_replace_at(const struct renew *lease)
{
	return lease->final ? renew_replace_at(lease) : -1;
}

double rotate_replace_due(const struct rotate *r, double replace_at)
{
	if (replace_at < 0)
		return -1;
	if (r->replaced_at >= 0 && replace_at < r->replaced_at + ROTATE_MIN_GAP)
		return r->replaced_at + ROTATE_MIN_GAP;
	return replace_at;
}

void rotate_replacing(struct rotate *r, double now)
{
	r->replaced_at = now;
}

int rotate_lease_due(const struct rotate *r, double now, double replace_at)
{
	return replace_at >= 0 && now >= rotate_replace_due(r, replace_at);
}

int rotate_read_due(const struct rotate *r, double now, double replace_due)
{
	if (replace_due >= 0 && now >= replace_due)
		return ROTATE_REPLACE;
	return now >= r->next_read ? ROTATE_KV : ROTATE_NONE;
}

double rotate_wake_at(const struct rotate *r, int reading, double replace_due,
                      int pending)
{
	double t = -1, x;

	if (!reading) {
		t = r->next_read;
		if (replace_due >= 0 && replace_due < t)
			t = replace_due;
	}
	if (pending && (x = rotate_restart_at(r)) >= 0 && (t < 0 || x < t))
		t = x;
	return t;
}
