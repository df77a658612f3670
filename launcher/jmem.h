/* jmem.h - how jansson holds secrets: json.c's layer underneath jansson.
 *
 * Secret values are parsed by jansson, so they live in its allocations and
 * in its numbers.  jmem installs an allocator that wipes every block before
 * it is freed, and loads texts so that each number keeps its exact text
 * (numtext.c), kept in the number's own block.  Only json.c uses this
 * header: jmem.c and json.c are the json module, the only code that
 * includes jansson.
 */
#ifndef VAULTRUN_JMEM_H
#define VAULTRUN_JMEM_H

#include <stddef.h>

#include <jansson.h>

#include "secret.h"

/* Install the wiping allocator (once; later calls do nothing). */
void jmem_init(void);

/* json_loadb(body, len, flags | JSON_ALLOW_NUL, jerr) (secrets may hold NUL
 * bytes) after jmem_init, so no jansson block predates the allocator; the
 * tree's reals keep their texts (jmem_number).  NULL when the text does
 * not parse, as jansson says in jerr (which may quote the text: wipe it). */
json_t *jmem_load(const char *body, size_t len, size_t flags, json_error_t *jerr);

/* The exact text of a number of a tree from jmem_load that jansson could
 * not keep exactly (a real, -0, an integer beyond 64 bits), borrowed from
 * v and wiped when v is freed; NULL for any other value. */
const struct secret *jmem_number(json_t *v);

#endif
