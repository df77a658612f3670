/* streammask.h - masking known values in a byte stream split into writes.
 *
 * One Aho-Corasick automaton (a trie with failure links) over bytes holds
 * every pattern: each value of 4 bytes or more, and for values of 8 bytes or
 * more their base64 forms at the three byte alignments and their
 * percent-encoded forms.  A cursor runs one stream through it: every byte
 * covered by a pattern is masked (overlapping matches merge into one run,
 * replaced as mask_redact does: as many stars as bytes, at most eight), every
 * other byte passes unchanged and in order.  The output does not depend on
 * how the stream was split: a cursor holds back only the bytes that may
 * still begin a pattern (never more than the longest pattern minus one) and
 * releases them when the next bytes decide, or at streammask_flush.
 *
 * The automaton holds the values' bytes: it is wiped when freed.
 */
#ifndef VAULTRUN_STREAMMASK_H
#define VAULTRUN_STREAMMASK_H

#include <stddef.h>

struct streammask;
struct streammask_cursor;

struct streammask *streammask_new(void);
/* Register a value (copied; ignored under 4 bytes) and its encodings.  Only
 * before streammask_compile. */
void streammask_add(struct streammask *m, const char *p, size_t len);
/* Build the failure links; no streammask_add after this. */
void streammask_compile(struct streammask *m);
/* Number of patterns registered (encodings included). */
size_t streammask_patterns(const struct streammask *m);
void streammask_free(struct streammask *m);

/* A stream's state over m (compiled; m must outlive the cursor). */
struct streammask_cursor *streammask_cursor_new(const struct streammask *m);
void streammask_cursor_free(struct streammask_cursor *c);

/* Room the output of feeding len bytes may need. */
size_t streammask_bound(const struct streammask *m, size_t len);
/* Feed len bytes; writes what can be released to out (which has room for
 * streammask_bound(m, len) bytes) and returns its length. */
size_t streammask_feed(struct streammask_cursor *c, const char *in, size_t len,
                       char *out);
/* End of stream: release everything held (out has room for
 * streammask_bound(m, 0) bytes); the cursor starts over afterwards. */
size_t streammask_flush(struct streammask_cursor *c, char *out);
/* Bytes held back right now (for tests). */
size_t streammask_held(const struct streammask_cursor *c);

#endif
