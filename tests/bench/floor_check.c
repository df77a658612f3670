/* floor_check.c - the floor for `vaultrun --check` on a file:// store: a
 * minimal linear program that loads the same store (jansson, as vaultrun)
 * and the same manifest, and prints one line per reference, as --check
 * does.  No validation, no masking, no plan: one pass over the manifest's
 * lines, one lookup each.
 *
 *     floor_check STORE.json MANIFEST.ini
 *
 * Lines "NAME = PATH#KEY" are looked up as store[PATH][KEY]; every other
 * line is skipped.  Exits 0, or 1 when a file cannot be read. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *store;
	FILE *m;
	char line[4096];

	if (argc != 3)
		return 2;
	if ((store = json_load_file(argv[1], 0, &jerr)) == NULL ||
	    (m = fopen(argv[2], "r")) == NULL)
		return 1;
	while (fgets(line, sizeof line, m)) {
		char *eq = strstr(line, " = "), *ref, *hash, *nl;
		const char *v;

		if (eq == NULL)
			continue;
		*eq = '\0';
		ref = eq + 3;
		if ((nl = strchr(ref, '\n')) != NULL)
			*nl = '\0';
		if ((hash = strchr(ref, '#')) == NULL)
			continue;
		*hash = '\0';
		v = json_string_value(
			json_object_get(json_object_get(store, ref), hash + 1));
		*hash = '#';
		printf("%s %s %s (%zu bytes)\n", line, ref,
		       v ? "ok ********" : "missing", v ? strlen(v) : (size_t)0);
	}
	fclose(m);
	json_decref(store);
	return 0;
}
