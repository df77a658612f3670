/* multi.h - a libcurl multi handle started safely, and the descriptors it
 * waits on.  fetch.c schedules on it; this file keeps libcurl's process-wide
 * side effects in check.
 */
#ifndef VAULTRUN_MULTI_H
#define VAULTRUN_MULTI_H

#include <curl/curl.h>
#include <stddef.h>

struct pollfd;

/* curl_global_init without $SSLKEYLOGFILE (libcurl would write every TLS
 * session's keys there; the command still gets the variable), then a multi
 * handle; whatever descriptors libcurl opened meanwhile become
 * close-on-exec.  NULL on failure (libcurl cleaned up again).  The owner
 * ends with curl_multi_cleanup, then curl_global_cleanup. */
CURLM *multi_new(void);

/* The descriptors m waits on, as poll(2) entries (at most cap). */
size_t multi_pollfds(CURLM *m, struct pollfd *pf, size_t cap);

#endif
