/* outfile.h - where --export writes: standard output, or a file replaced
 * atomically. */
#ifndef VAULTRUN_OUTFILE_H
#define VAULTRUN_OUTFILE_H

#include <stddef.h>

#include "status.h"

/* May text go to path (NULL or "-": standard output)?  ST_USAGE when standard
 * output is a terminal (secrets on a screen, in a scrollback); ST_CONFIG
 * when path is a symbolic link or exists as something other than a regular
 * file; ST_NOINPUT when its directory does not exist.  Cheap: call it
 * before resolving, so that nothing is obtained for an export that cannot
 * be written.  outfile_write checks again. */
int outfile_check(const char *path, struct error *err);

/* Write len bytes at p to standard output (path NULL or "-"), or replace path
 * with them: a new file of mode 0600 in path's directory (O_EXCL,
 * O_NOFOLLOW), written whole, fsync'd, renamed over path, the directory
 * fsync'd.  A reader sees the old file or the new one, never a part; a
 * symbolic link at path is refused, never followed.  ST_OSERR when a system
 * call fails (the temporary file is removed, path is untouched). */
int outfile_write(const char *path, const void *p, size_t len, struct error *err);

#endif
