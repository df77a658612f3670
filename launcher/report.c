/* report.c - the errors and --check's lines, from the list of changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lease.h"
#include "report.h"
#include "status.h"
#include "util.h"

int report_failures(const struct changes *c)
{
	size_t i;
	int first = ST_OK;

	for (i = 0; i < changes_nfailed(c); i++) {
		const struct change_failure *f = changes_failed(c, i);

		if (f->cause)
			log_err("%s", f->cause);
		/* A reference is shown whole unless it is absurdly long (inline
		 * references have no line limit): the reason must survive. */
		log_err("%s: %s: %.200s%s: %s", f->where, f->name, f->ref,
		        strlen(f->ref) > 200 ? "..." : "", f->reason);
		if (first == ST_OK)
			first = f->status;
	}
	return first;
}

char *report_change_text(const struct change *ch)
{
	char note[64], d[24];
	const char *file = ch->is_file ? ", file" : "";

	note[0] = '\0';
	if (ch->leased)
		snprintf(note, sizeof note, ", lease %s, %s",
		         lease_duration(ch->lease_duration, d, sizeof d),
		         ch->renewable ? "renewable" : "not renewable");
	if (ch->defaulted)
		return xasprintf(" default ******** (%zu bytes%s; %s)",
		                 ch->value.len, file, ch->defaulted);
	if (ch->profile)
		return xasprintf(" (profile %s) ok ******** (%zu bytes%s%s)",
		                 ch->profile, ch->value.len, file, note);
	return xasprintf(" ok ******** (%zu bytes%s%s)", ch->value.len, file, note);
}

static void check_failure(const struct change_failure *f)
{
	/* Names and references are configuration, shown as written; only the
	 * rest of the line is redacted. */
	if (!f->superseded)
		out_config_line(f->name, f->ref, 200, " error: %s", f->reason);
}

void report_check(const struct changes *c)
{
	size_t i, k = 0, n = changes_count(c);
	char *text;

	for (i = 0; i <= n; i++) {
		const struct change *ch;

		for (; k < changes_nfailed(c) && changes_failed(c, k)->before <= i;
		     k++)
			check_failure(changes_failed(c, k));
		if ((ch = changes_get(c, i)) == NULL)
			continue;
		text = report_change_text(ch);
		out_config_line(ch->name, ch->ref, 0, "%s", text);
		free(text);
	}
}
