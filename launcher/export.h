/* export.h - --export: the variables written out for a consumer that
 * cannot be exec'd (eval in a shell, a dotenv reader, docker run
 * --env-file, GitHub Actions' $GITHUB_ENV, a JSON reader).
 *
 * Only the list of changes a resolution yields is written (the manifest's
 * and inline variables), never the inherited environment.  Every value is
 * checked before a byte is written: a value a format cannot carry exactly is
 * refused, and then nothing is written at all.
 */
#ifndef VAULTRUN_EXPORT_H
#define VAULTRUN_EXPORT_H

#include "changes.h"
#include "secret.h"
#include "status.h"

enum export_format {
	EXPORT_NONE = 0,
	EXPORT_SHELL,  /* export NAME='value' */
	EXPORT_DOTENV, /* NAME="value", as python-dotenv reads it */
	EXPORT_DOCKER, /* NAME=value, for docker run --env-file */
	EXPORT_GITHUB, /* NAME<<DELIMITER / value / DELIMITER */
	EXPORT_JSON,   /* {"NAME":"value",...} */
};

/* The format a word names, or EXPORT_NONE. */
int export_format(const char *word);

/* Render every change in c in format f into *out (a new secret, wiped by
 * its owner).  ST_CONFIG for a [files] variable; ST_DATA for a value (or a
 * name) the format cannot carry exactly (a NUL anywhere; a newline for
 * docker; ...); the message names the variable and never shows its value.
 * On failure *out is left empty.  ST_OSERR when no random delimiter could
 * be had (github). */
int export_render(const struct changes *c, int f, struct secret *out,
                  struct error *err);

/* The whole export: render, then write to path, or to standard output when
 * path is NULL or "-" (outfile.h).  The rendered text is wiped on every path. */
int export_changes(const struct changes *c, int f, const char *path,
                   struct error *err);

#endif
