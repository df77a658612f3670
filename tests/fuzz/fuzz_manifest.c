/* libFuzzer harness: the manifest parser must accept or refuse any bytes
 * with a message, never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest *m = NULL;
	struct error err;

	if (manifest_parse("fuzz.ini", (const char *)data, size, &m, &err) == ST_OK)
		manifest_free(m);
	return 0;
}
