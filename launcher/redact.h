/* redact.h - libcurl's debug trace (-vvv) without credentials.
 *
 * A pure function: the caller masks the result with mask_redact and logs it
 * line by line.
 */
#ifndef VAULTRUN_REDACT_H
#define VAULTRUN_REDACT_H

#include <stddef.h>

#include "secret.h"

/* Copy one debug callback's text (data[0..size), any number of lines) into
 * out as '\n'-terminated lines, CR before LF dropped, empty lines left out,
 * and the value of every X-Vault-Token, Authorization and
 * Proxy-Authorization header replaced by "<redacted>": whatever its length
 * or case, wherever on the line the name stands (libcurl 7.88 prints HTTP/2
 * request headers as "h2h3 [x-vault-token: ...]").  Everything after the
 * ':' that follows such a name goes, to the end of the line.  The caller
 * wipes out with secret_wipe. */
void redact_debug(const char *data, size_t size, struct secret *out);

#endif
