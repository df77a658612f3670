/* renew.c - when to renew a token or a lease (see renew.h). */
#include "renew.h"

void renew_init(struct renew *r, double now, double duration)
{
	r->expires = now + duration;
	r->granted = duration;
	r->failures = 0;
	r->final = duration <= 0;
}

double renew_next(const struct renew *r, double now, double rnd)
{
	double left = r->expires - now;

	if (r->final || left <= 0)
		return -1;
	/* two thirds of what is left, less 10 to 20 % of it: a window of a
	 * tenth of the time left, over which a fleet started at once spreads */
	return now + left * (2.0 / 3.0 - (0.10 + 0.10 * rnd));
}

int renew_granted(struct renew *r, double now, double duration)
{
	double before = r->granted;

	r->failures = 0;
	if (duration <= 0) {
		r->final = 1;
		return 0;
	}
	if (now + duration > r->expires)
		r->expires = now + duration;
	r->granted = duration;
	/* Less than last time: the max TTL caps it, and the next renewal
	 * would gain even less. */
	if (duration < before)
		r->final = 1;
	return !r->final;
}

double renew_failed(struct renew *r, double now)
{
	double wait = RENEW_BACKOFF_MIN;
	unsigned i;

	if (now >= r->expires)
		return -1;
	for (i = 0; i < r->failures && wait < RENEW_BACKOFF_MAX; i++)
		wait *= 2;
	if (wait > RENEW_BACKOFF_MAX)
		wait = RENEW_BACKOFF_MAX;
	r->failures++;
	return now + wait < r->expires ? now + wait : r->expires;
}

double renew_replace_at(const struct renew *r)
{
	return r->expires - r->granted / 10.0;
}
