/* mask.h - the registry of values that must never be printed.
 *
 * Every resolved value and every token is registered; log.c passes each line
 * through mask_redact before writing it.  This is the second line of defence:
 * values are never formatted into messages in the first place.
 */
#ifndef VAULTRUN_MASK_H
#define VAULTRUN_MASK_H

#include <stddef.h>

#include "secret.h"

/* What a masked run of bytes becomes: as many of these as it has bytes, at
 * most all eight. */
#define MASK_STARS "********"

/* Register a copy of len bytes.  Values shorter than 4 bytes are ignored:
 * masking them would garble every message. */
void mask_add(const char *p, size_t len);
/* Replace every registered value in buf (a NUL-terminated line of len
 * bytes) with stars (as many as the value has bytes, at most eight), in
 * place; returns the new length, never more than len. */
size_t mask_redact(char *buf, size_t len);
/* The registered values, each once: value i < mask_count() is *len bytes,
 * NUL-terminated, borrowed until mask_clear. */
size_t mask_count(void);
const char *mask_value(size_t i, size_t *len);
/* Wipe and forget every registered value. */
void mask_clear(void);

#endif
