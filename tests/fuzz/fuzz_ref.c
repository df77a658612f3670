/* libFuzzer harness: references, NUL-terminated, and the pointer check. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ref r;
	struct error err;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ref_parse(text, &r, &err) == ST_OK)
		ref_free(&r);
	(void)ref_pointer_valid(text);
	free(text);
	return 0;
}
