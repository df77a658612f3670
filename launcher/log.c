/* log.c - every line vaultrun prints goes through here and mask.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mask.h"
#include "secret.h"
#include "util.h"

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
 * '?', so nothing can forge a line or drive a terminal.  The whole message
 * is redacted before anything is cut, so a value cannot escape masking by
 * straddling the cut. */
#define LINE_MAX_OUT 8192
__attribute__((format(printf, 3, 0))) static void
emit(int fd, const char *prefix, const char *fmt, va_list ap)
{
	va_list again;
	char *line;
	int n;
	size_t len, size, off = strlen(prefix), i;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return;
	}
	len = off + (size_t)n;
	size = len + 2;
	line = xmalloc(size);
	memcpy(line, prefix, off);
	vsnprintf(line + off, (size_t)n + 1, fmt, again);
	va_end(again);
	len = mask_redact(line, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (len > LINE_MAX_OUT)
		len = LINE_MAX_OUT;
	line[len] = '\n';
	(void)!write(fd, line, len + 1);
	wipe_free(line, size);
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
