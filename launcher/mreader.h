/* mreader.h - the manifest's lines, checked, handed to inih.
 *
 * inih does the splitting into sections and name = value pairs, but Debian's
 * build silently cuts lines at 199 bytes and merges an indented line into the
 * previous value.  So inih reads through this reader, which sees every raw
 * line first: it counts lines (inih's handler runs right after the reader has
 * returned the line that holds the pair, and tells the reader so), refuses
 * what inih would mangle, and reads section headers itself (inih truncates
 * their names at 49 bytes and says nothing about a section without keys).
 */
#ifndef VAULTRUN_MREADER_H
#define VAULTRUN_MREADER_H

#include <stddef.h>

#include "status.h"

/* Longest line, without its "\n" or "\r\n", that Debian's inih (INI_MAX_LINE
 * 200, which includes the terminating NUL) can hold whole. */
#define MREADER_MAX_LINE 199

struct mreader {
	const char *file;    /* name used in messages */
	const char *p, *end; /* the text not yet handed to inih */
	unsigned lineno;     /* of the line last handed over */
	struct error *err;
	int failed; /* an error is set: read no further */
	/* Called for each "[name]" header (name without the brackets), with
	 * lineno its line: 1 to go on, 0 after mreader_fail. */
	int (*on_section)(void *ctx, const char *name);
	void *ctx;
	/* The reader's own state. */
	int partial;   /* the last line filled inih's buffer exactly */
	int bufsize;   /* and that buffer's size */
	int prev_name; /* inih would take an indented line as continuation */
	unsigned pair_line; /* a name = value line inih has not handled yet */
};

/* Start reading len bytes of text. */
void mreader_init(struct mreader *r, const char *file, const char *text,
                  size_t len, struct error *err);

/* The ini_reader (stream is the struct mreader): one line per call. */
char *mreader_read(char *buf, int num, void *stream);

/* The ini_handler calls this first for each pair inih hands it: the line
 * had its separator, and name is the previous name for continuations. */
void mreader_pair(struct mreader *r, const char *name);

/* Record ST_CONFIG "file:line: ..." and stop; returns 0 (for inih). */
__attribute__((format(printf, 3, 4))) int
mreader_fail(struct mreader *r, unsigned line, const char *fmt, ...);

#endif
