/* tlsfiles.h - the CA, certificate and key files the settings name, checked
 * before any request, and the CA certificates as one PEM blob.
 *
 * VAULT_CACERT is one PEM file; VAULT_CAPATH a directory whose every PEM
 * file counts, as Vault's CLI reads it (no `openssl rehash` needed); the
 * file wins when both are set, as in the CLI.  A file that cannot be read or
 * holds no PEM block of the right kind is ST_CONFIG naming the setting.
 */
#ifndef VAULTRUN_TLSFILES_H
#define VAULTRUN_TLSFILES_H

#include <stddef.h>

#include "fetch.h"
#include "status.h"

struct tlsfiles {
	char *ca;   /* PEM text of every trusted CA; NULL: libcurl's default */
	size_t len; /* its length */
};

int tlsfiles_load(struct tlsfiles *t, const struct fetch_opts *o,
                  struct error *err);
void tlsfiles_free(struct tlsfiles *t);

#endif
