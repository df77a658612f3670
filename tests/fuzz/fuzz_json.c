/* libFuzzer harness: every function that reads a server's answer, and the
 * selectors over whatever parsed.  The first byte picks a selector form so
 * that pointers and keys are explored together with the documents. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sel[] = {"value", "password", "/a/0/b",
	                                  "/~0~1", "",         "/details/host"};
	const char *body = (const char *)data;
	struct jdoc *d = NULL;
	struct secret s = {NULL, 0}, tok = {NULL, 0};
	struct error err;
	char buf[200], *mount = NULL;
	int kv, batch;
	size_t i;

	json_init();
	for (kv = 1; kv <= 2; kv++) {
		if (answer_secret(body, size, kv, &d, &err) != ST_OK)
			continue;
		for (i = 0; i < sizeof sel / sizeof sel[0]; i++) {
			json_select(d,
			            sel[i][0] == '/' || sel[i][0] == '\0' ?
			                    SEL_POINTER :
			                    SEL_KEY,
			            sel[i], &s, &err);
			secret_wipe(&s);
		}
		json_select(d, SEL_WHOLE, NULL, &s, &err);
		secret_wipe(&s);
		json_free(d);
		d = NULL;
	}
	(void)answer_kv404(body, size);
	(void)answer_is_bare_404(body, size);
	answer_errors(body, size, buf, sizeof buf);
	if (answer_mount(body, size, &mount, &kv, &err) == ST_OK)
		free(mount);
	answer_login(body, size, &tok, &batch, &err);
	secret_wipe(&tok);
	if (json_store_load(body, size, &d, &err) == ST_OK) {
		(void)json_store_get(d, "secret/app");
		json_free(d);
	}
	return 0;
}
