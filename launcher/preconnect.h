/* preconnect.h - TCP connections opened ahead of the requests that will use
 * them.
 *
 * While a login is in flight on one connection, the reads that follow it
 * will want up to the connection cap: their TCP handshakes can be made
 * meanwhile instead of after the login's answer (one round trip).  Plain
 * http:// to a numeric address only: over https the first handshake's ALPN
 * must say whether one connection carries everything (HTTP/2) before more
 * are opened, and a name would need a DNS lookup outside libcurl's.  libcurl
 * gets a socket from here (CURLOPT_OPENSOCKETFUNCTION, then "already
 * connected") only once its connect has succeeded; otherwise it connects
 * one of its own, as without this module.
 */
#ifndef VAULTRUN_PRECONNECT_H
#define VAULTRUN_PRECONNECT_H

#include <stddef.h>
#include <sys/socket.h>

struct preconnect;

/* Start n non-blocking connects (close-on-exec) to url's address; NULL
 * when url is not http:// to a numeric host, or n is 0. */
struct preconnect *preconnect_open(const char *url, size_t n);

/* A connected socket to address a (the caller owns it), or -1: none
 * connected yet, or a is another address.  Failed connects are dropped. */
int preconnect_take(struct preconnect *p, const struct sockaddr *a, socklen_t len);

/* Close the sockets not taken. */
void preconnect_free(struct preconnect *p);

#endif
