/* libFuzzer harness: composed values.  The first byte picks how the
 * reference pieces' values are made; the rest is the template.  Also the
 * [vault] expansion, with a lookup that knows one name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static const char *lookup(const char *name)
{
	return strcmp(name, "HOME") == 0 ? "/root" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template *t;
	struct secret *vals, out = {NULL, 0};
	struct error err;
	char *text, *exp;
	size_t i, n;

	if (size == 0)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (template_expand_env(text, lookup, &exp, &err) == ST_OK)
		free(exp);
	if (template_parse(text, &t, &err) == ST_OK) {
		n = template_count(t);
		vals = calloc(n ? n : 1, sizeof *vals);
		for (i = 0; vals && i < n; i++) {
			/* a piece's value: the template's own bytes, cut */
			size_t len = (data[0] + i) % size;

			secret_set(&vals[i], data + 1,
			           len > size - 1 ? size - 1 : len);
		}
		if (vals && template_render(t, vals, NULL, &out, &err) == ST_OK)
			secret_wipe(&out);
		for (i = 0; vals && i < n; i++)
			secret_wipe(&vals[i]);
		free(vals);
		template_free(t);
	}
	free(text);
	return 0;
}
