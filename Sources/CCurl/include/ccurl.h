#ifndef CCURL_H
#define CCURL_H
// libcurl's types and constants come from its own header; its functions are reached only through the
// wrappers below, which call into a libcurl that `ccurl_load` opened with dlopen. The executables do
// not link libcurl: a stock service serving the simulated market never maps it, nor the twenty
// libraries it pulls in (OpenSSL, GnuTLS, Kerberos, LDAP...), which cost 5 MiB of every process's
// memory at start (bench/RESULTS.md).
#include <stddef.h>
#include <curl/curl.h>

/// Opens libcurl (`path`, or the platform's usual name when NULL), resolves every function below,
/// refuses a libcurl older than 7.85.0 and runs curl_global_init. Returns 0 once loaded (also if an earlier call loaded it: later paths are then
/// ignored); otherwise -1 with the reason in `error`, and nothing changed, so a later call may retry.
/// Safe to call from several threads. Every other function here requires a successful load first.
int ccurl_load(const char *path, char *error, size_t errorSize);

CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
CURLcode ccurl_easy_perform(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
CURLSH *ccurl_share_init(void);
CURLSHcode ccurl_share_cleanup(CURLSH *share);

// curl_easy_setopt, curl_easy_getinfo and curl_share_setopt are C variadic functions, which Swift
// cannot call; these typed wrappers are the whole bridge. Function pointers get their own wrappers:
// passing them through `void *` is not portable C.
CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_ptr(CURL *handle, CURLoption option, const void *value);
CURLcode ccurl_setopt_write(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
/// CURLSHOPT_SHARE and CURLSHOPT_UNSHARE take an `int` (curl_share_setopt(3)).
CURLSHcode ccurl_share_setopt_int(CURLSH *share, CURLSHoption option, int value);
CURLSHcode ccurl_share_setopt_ptr(CURLSH *share, CURLSHoption option, void *value);
CURLSHcode ccurl_share_setopt_lockfunc(CURLSH *share, curl_lock_function function);
CURLSHcode ccurl_share_setopt_unlockfunc(CURLSH *share, curl_unlock_function function);
#endif
