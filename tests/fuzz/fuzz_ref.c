/* libFuzzer harness: references, NUL-terminated, and the pointer check.
 * A text a manifest line can hold (no control byte but tab) is parsed both
 * ways, as ref_parse and as a manifest value (ref_parse_in from_manifest),
 * which must agree on the outcome and the message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ref.h"

static int manifest_text(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ref r, rm;
	struct error err, errm;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = ref_parse(text, &r, &err);
	if (manifest_text(text)) {
		struct arena *a = arena_new();

		if (ref_parse_in(text, 1, &rm, a, &errm) != rc)
			abort();
		if (rc != ST_OK && strcmp(err.msg, errm.msg) != 0)
			abort();
		if (rc == ST_OK &&
		    (strcmp(r.path, rm.path) != 0 || r.version != rm.version ||
		     r.sel != rm.sel ||
		     (r.selector == NULL) != (rm.selector == NULL) ||
		     (r.selector && strcmp(r.selector, rm.selector) != 0)))
			abort();
		arena_free(a);
	}
	if (rc == ST_OK)
		ref_free(&r);
	(void)ref_pointer_valid(text);
	free(text);
	return 0;
}
