/* readfile.h - reading the files that hold a manifest or a credential.
 *
 * Such a file is refused, as ssh and doas refuse them, when it is writable by
 * group or others or owned by a user other than root and the caller.
 */
#ifndef VAULTRUN_READFILE_H
#define VAULTRUN_READFILE_H

#include <stddef.h>

#include "secret.h"
#include "status.h"

/* Read the whole file at path ("-": standard input, no ownership check) into
 * out, at most cap bytes.  what names the file in messages ("manifest",
 * "token file").  ST_NOINPUT when it does not exist, ST_CONFIG when unsafe or
 * larger than cap, ST_OSERR when reading fails. */
int readfile_private(const char *path, const char *what, size_t cap,
                     struct secret *out, struct error *err);

#endif
