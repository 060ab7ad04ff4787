#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// libcurl's entry points, resolved by name from the opened library.
struct ccurl_table {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    curl_version_info_data *(*version_info)(CURLversion);
    CURLSH *(*share_init)(void);
    CURLSHcode (*share_cleanup)(CURLSH *);
    CURLSHcode (*share_setopt)(CURLSH *, CURLSHoption, ...);
};

// Written once, under `load_lock`, before `ccurl_load` first returns 0; only read afterwards. Callers
// reach the wrappers only after a `ccurl_load` that returned 0 (CurlGlobal.isReady before every handle),
// and taking the same mutex orders their reads after the write.
static struct ccurl_table curl;
#define CCURL_VERSION_MIN 0x075500  // 7.85.0
static int loaded;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

#if defined(__APPLE__)
static const char *const default_path = "libcurl.4.dylib";
#else
static const char *const default_path = "libcurl.so.4";  // the SONAME, as the dynamic linker would load it
#endif

// dlsym returns `void *`; POSIX guarantees it converts to a function pointer (dlsym(3)).
#define RESOLVE(field, name)                                                                  \
    do {                                                                                      \
        *(void **)(&table.field) = dlsym(library, name);                                      \
        if (table.field == NULL) {                                                            \
            (void)dlerror(); /* leave no stale message behind */                             \
            snprintf(error, errorSize, "%s has no symbol %s", path, name);                   \
            goto fail;                                                                        \
        }                                                                                     \
    } while (0)

int ccurl_load(const char *path, char *error, size_t errorSize) {
    pthread_mutex_lock(&load_lock);
    if (loaded) {
        pthread_mutex_unlock(&load_lock);
        return 0;
    }
    if (path == NULL) path = default_path;
    struct ccurl_table table;
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(error, errorSize, "cannot load %s: %s", path, reason ? reason : "unknown error");
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(version_info, "curl_version_info");
    RESOLVE(share_init, "curl_share_init");
    RESOLVE(share_cleanup, "curl_share_cleanup");
    RESOLVE(share_setopt, "curl_share_setopt");
    // Options we set silently do nothing in an older libcurl (CURLOPT_PROTOCOLS_STR, which keeps
    // transfers to http and https, needs 7.85), so an older one is refused rather than half-used.
    const curl_version_info_data *version = table.version_info(CURLVERSION_NOW);
    if (version == NULL || version->version_num < CCURL_VERSION_MIN) {
        snprintf(error, errorSize, "%s is libcurl %s; 7.85.0 or newer is needed", path,
                 version != NULL && version->version != NULL ? version->version : "(unknown)");
        goto fail;
    }
    // libcurl requires global init before the first handle, once, with no other thread in libcurl:
    // nothing else can be in it yet, as every wrapper waits for this load.
    CURLcode code = table.global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
        snprintf(error, errorSize, "curl_global_init failed: %s", table.easy_strerror(code));
        // Not unloaded: a failed init may have left TLS libraries initialized, with exit handlers
        // pointing into them.
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    curl = table;
    loaded = 1;
    pthread_mutex_unlock(&load_lock);
    return 0;
fail:
    dlclose(library);
    pthread_mutex_unlock(&load_lock);
    return -1;
}

CURL *ccurl_easy_init(void) { return curl.easy_init(); }
void ccurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
CURLcode ccurl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *ccurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
CURLSH *ccurl_share_init(void) { return curl.share_init(); }
CURLSHcode ccurl_share_cleanup(CURLSH *share) { return curl.share_cleanup(share); }

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_ptr(CURL *handle, CURLoption option, const void *value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_write(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl.easy_getinfo(handle, info, value);
}
CURLSHcode ccurl_share_setopt_int(CURLSH *share, CURLSHoption option, int value) {
    return curl.share_setopt(share, option, value);
}
CURLSHcode ccurl_share_setopt_ptr(CURLSH *share, CURLSHoption option, void *value) {
    return curl.share_setopt(share, option, value);
}
CURLSHcode ccurl_share_setopt_lockfunc(CURLSH *share, curl_lock_function function) {
    return curl.share_setopt(share, CURLSHOPT_LOCKFUNC, function);
}
CURLSHcode ccurl_share_setopt_unlockfunc(CURLSH *share, curl_unlock_function function) {
    return curl.share_setopt(share, CURLSHOPT_UNLOCKFUNC, function);
}
