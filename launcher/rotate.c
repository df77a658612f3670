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
