/* readfile.h - reading the files that hold a manifest or a credential.
 *
 * Such a file is refused, as ssh and doas refuse them, when it is writable by
 * group or others or owned by a user other than root and the caller, and
 * when it is not a regular file (a FIFO could hang the run, a device feed it
 * anything).
 */
#ifndef VAULTRUN_READFILE_H
#define VAULTRUN_READFILE_H

#include <stddef.h>

#include "secret.h"
#include "status.h"

/* Read the whole file at path ("-": standard input, no ownership or type
 * check) into out, at most cap bytes.  what names the file in messages
 * ("manifest", "token file").  ST_NOINPUT when it does not exist, ST_CONFIG
 * when unsafe, not a regular file or larger than cap, ST_OSERR when reading
 * fails, ST_TEMPFAIL when standard input has not ended by the deadline. */
int readfile_private(const char *path, const char *what, size_t cap,
                     struct secret *out, struct error *err);

/* The run's deadline (a now_ms() value; 0, the default: none), which bounds
 * reading standard input.  Regular files do not block. */
void readfile_set_deadline(double ms);

#endif
