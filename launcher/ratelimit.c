/* ratelimit.c - a token bucket for the requests a run sends. */
#include "ratelimit.h"

void ratelimit_init(struct ratelimit *r, double rate, long burst, double now)
{
	r->rate = rate;
	r->burst = burst < 1 ? 1 : (double)burst;
	r->tokens = r->burst;
	r->last = now;
}

double ratelimit_take(struct ratelimit *r, double now)
{
	if (r->rate <= 0)
		return 0;
	if (now > r->last) {
		r->tokens += (now - r->last) * r->rate / 1000.0;
		if (r->tokens > r->burst)
			r->tokens = r->burst;
		r->last = now;
	}
	if (r->tokens >= 1) {
		r->tokens -= 1;
		return 0;
	}
	return (1 - r->tokens) * 1000.0 / r->rate;
}
