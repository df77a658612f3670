/* transport.h - how each request reaches the server: the proxy, the
 * User-Agent, the per-request timeout, the TLS files; and what libcurl
 * negotiated.  fetch.c owns the loop; this file owns a handle's settings.
 */
#ifndef VAULTRUN_TRANSPORT_H
#define VAULTRUN_TRANSPORT_H

#include <curl/curl.h>
#include <stddef.h>

#include "fetch.h"
#include "status.h"

struct transport;

/* Settings borrowed from o (which must outlive the transport).  Logs the
 * proxy decision for o->base_url (-v).  Errors: ST_CONFIG naming the
 * setting. */
int transport_new(struct transport **out, const struct fetch_opts *o,
                  struct error *err);
void transport_free(struct transport *t);

/* Set e up for a request to url (its real address, not a TLS server name's
 * stand-in); via_unix: over o->unix_socket.  ms_left bounds the attempt.
 * Returns the first refusal of a security-relevant option (the proxy, the
 * CAs, the client certificate, TLS verification), or CURLE_OK. */
CURLcode transport_setup(struct transport *t, CURL *e, const char *url,
                         int via_unix, long ms_left);

/* As curl's own tool does, an option that matters for security is checked:
 * the first refusal is kept in *first, and the transfer does not go out
 * without it (a refused CA or verification setting would otherwise fall
 * back to libcurl's defaults). */
void transport_must(CURLcode *first, CURLcode rc);

/* A transport failure (rc, with libcurl's errbuf) on a request to url that
 * retrying cannot mend: a TLS file that cannot be used (ST_CONFIG naming the
 * setting), https:// answered in plain HTTP (ST_CONFIG naming the other
 * scheme).  Returns its status with reason filled, or ST_OK. */
int transport_failure(const struct transport *t, CURLcode rc, const char *errbuf,
                      const char *url, char *reason, size_t cap);

/* An answer that is not Vault's API speaking: http:// to a TLS port
 * (ST_CONFIG naming the other scheme), a 404 without Vault's JSON shape
 * (ST_PROTOCOL with a hint).  Returns its status with reason filled, or
 * ST_OK. */
int transport_answer(const struct transport *t, long status, const char *url,
                     const char *ctype, const char *body, size_t len,
                     char *reason, size_t cap);

/* -v: once per run, the HTTP and TLS versions the first answer came with. */
void transport_note(struct transport *t, CURL *e);

/* The --version text: vaultrun's version, then libcurl's, the TLS
 * library's and HTTP/2 support, one per line. */
void transport_version(char *buf, size_t cap);

#endif
