/* log.c - every message vaultrun prints goes through here and mask.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mask.h"

static int level = LOG_WARN;

void log_set_level(int l)
{
	level = l;
}

int log_enabled(int l)
{
	return l <= level;
}

void log_msg(int l, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;
	size_t len, off;

	if (l > level)
		return;
	off = (size_t)snprintf(line, sizeof line, "vaultrun: ");
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof line - off - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = off + (size_t)n;
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len] = '\0';
	len = mask_redact(line, len);
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
	explicit_bzero(line, sizeof line);
}
