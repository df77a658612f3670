/* floor_curl.c - the memory floor for vaultrun: libcurl initialised (TLS
 * back end included, as curl_global_init(CURL_GLOBAL_DEFAULT) does in
 * vaultrun) and one multi handle set up as vaultrun sets it up, then exit.
 * Linked like vaultrun.  Its peak RSS is what any libcurl-multi client pays
 * before the first request. */
#include <curl/curl.h>
#include <stdio.h>

int main(void)
{
	CURLM *multi;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("floor_curl: curl_global_init failed\n", stderr);
		return 70;
	}
	multi = curl_multi_init();
	if (multi == NULL) {
		fputs("floor_curl: curl_multi_init failed\n", stderr);
		return 70;
	}
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 32L);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return 0;
}
