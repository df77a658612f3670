/* log.h - messages on stderr, "vaultrun: " prefixed, redacted by mask.c,
 * control characters shown as '?'.
 *
 * Levels: LOG_ERR is printed always; LOG_WARN unless -q; LOG_INFO with -v
 * (steps and every request); LOG_DEBUG with -vv; LOG_TRACE with -vvv (curl's
 * own protocol trace, headers redacted).
 */
#ifndef VAULTRUN_LOG_H
#define VAULTRUN_LOG_H

#include <stddef.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

void log_set_level(int level);
int log_enabled(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A line of the --check report on stdout, through the same redaction. */
void out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A --check line on stdout: "name ref" as written (configuration: redacting
 * it would garble it, and reveal which value occurs in it), ref cut at
 * refmax bytes with "..." when refmax > 0, then fmt redacted. */
void out_config_line(const char *name, const char *ref, size_t refmax,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
