/* log.c - every line vaultrun prints goes through here and mask.c. */
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

/* Format, redact every known value, and make it one harmless line: control
 * characters (from a reference in the environment, an error body) become
 * '?', so nothing can forge a line or drive a terminal. */
static void emit(int fd, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	int n;
	size_t len, off, i;

	off = (size_t)snprintf(line, sizeof line, "%s", prefix);
	n = vsnprintf(line + off, sizeof line - off - 1, fmt, ap);
	if (n < 0)
		return;
	len = off + (size_t)n;
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len] = '\0';
	len = mask_redact(line, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	(void)!write(fd, line, len);
	explicit_bzero(line, sizeof line);
}

void log_msg(int l, const char *fmt, ...)
{
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	emit(STDERR_FILENO, "vaultrun: ", fmt, ap);
	va_end(ap);
}

void out_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(STDOUT_FILENO, "", fmt, ap);
	va_end(ap);
}
