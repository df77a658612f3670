/* libFuzzer harness: the stream masker.  The input names up to four values
 * (a count byte, then a length byte and the bytes of each; '*' is turned
 * into '+' so that no star run can spell one), then the stream and a byte
 * that picks the write sizes.  Checks: the output is the same for the whole
 * stream and for the stream split into writes, and no value survives; nor
 * does one survive mask_redact of the stream as one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "streammask.h"

static size_t feed(struct streammask *m, const uint8_t *in, size_t len,
                   size_t step, char *out)
{
	struct streammask_cursor *c = streammask_cursor_new(m);
	size_t at = 0, n = 0, k;

	while (at < len) {
		k = step && step < len - at ? step : len - at;
		n += streammask_feed(c, (const char *)in + at, k, out + n);
		at += k;
		step = step ? step * 3 % 17 + 1 : 0; /* uneven write sizes */
	}
	n += streammask_flush(c, out + n);
	streammask_cursor_free(c);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char val[4][64];
	size_t vlen[4], nval, i, j, at = 1, n1, n2, step;
	struct streammask *m;
	char *o1, *o2;

	if (size < 2)
		return 0;
	nval = data[0] % 5;
	for (i = 0; i < nval; i++) {
		if (at >= size)
			return 0;
		vlen[i] = 4 + data[at++] % 60;
		if (size - at < vlen[i])
			return 0;
		for (j = 0; j < vlen[i]; j++)
			val[i][j] = data[at + j] == '*' ? '+' : (char)data[at + j];
		at += vlen[i];
	}
	if (at >= size)
		return 0;
	step = data[at++] % 9;
	m = streammask_new();
	for (i = 0; i < nval; i++)
		streammask_add(m, val[i], vlen[i]);
	streammask_compile(m);
	/* each write may need its bound, but the whole never outgrows the input
	 * by more than one run of stars */
	o1 = malloc(streammask_bound(m, size) + 16);
	o2 = malloc(streammask_bound(m, size) + 16);
	n1 = feed(m, data + at, size - at, 0, o1);
	n2 = feed(m, data + at, size - at, step ? step : 1, o2);
	if (n1 != n2 || memcmp(o1, o2, n1) != 0)
		abort();
	for (i = 0; i < nval; i++)
		if (memmem(o1, n1, val[i], vlen[i]) != NULL)
			abort();
	/* the line masker, on the same values and bytes */
	mask_clear();
	for (i = 0; i < nval; i++)
		mask_add(val[i], vlen[i]);
	memcpy(o1, data + at, size - at);
	o1[size - at] = '\0';
	n1 = mask_redact(o1, size - at);
	if (n1 > size - at)
		abort();
	for (i = 0; i < nval; i++)
		if (memmem(o1, n1, val[i], vlen[i]) != NULL)
			abort();
	mask_clear();
	free(o1);
	free(o2);
	streammask_free(m);
	return 0;
}
