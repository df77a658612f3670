/* error.c - the error record. */
#include <stdarg.h>
#include <stdio.h>

#include "status.h"

int error_set(struct error *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return status;
	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return status;
}
