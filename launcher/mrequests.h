/* mrequests.h - the manifest's [request PATH] sections: the path in the
 * header, the body's keys and their checks.
 */
#ifndef VAULTRUN_MREQUESTS_H
#define VAULTRUN_MREQUESTS_H

#include "manifest.h"

struct mrequests; /* the sections read so far: their paths, the last one */

struct mrequests *mrequests_new(void);

/* A "[request PATH]" header at line, path what follows "request" and its
 * blanks: a new request of m (trailing blanks trimmed), the one that
 * mrequests_key adds to.  ST_OK, or ST_CONFIG "file:line: ..." for no path,
 * a ?version= or #selector, an empty, "." or ".." segment, or a path given
 * twice. */
int mrequests_begin(struct mrequests *rs, struct manifest *m, const char *path,
                    unsigned line, struct error *err);

/* name = value at line in the body of the request mrequests_begin last
 * began (with ST_OK).  ST_OK, or ST_CONFIG "file:line: ..." for a value that
 * is not a string to send as written, a bad or repeated key. */
int mrequests_key(struct mrequests *rs, struct manifest *m, const char *name,
                  const char *value, unsigned line, struct error *err);

void mrequests_free(struct mrequests *rs); /* NULL: nothing */

/* Free m's requests (for manifest_free). */
void mrequests_clear(struct manifest *m);

#endif
