#ifndef CSOCKETS_H
#define CSOCKETS_H
// Linux-only calls that Swift's Glibc module does not export (epoll, eventfd, accept4, prctl).
// No feature macros here: a header that defines _GNU_SOURCE before system headers makes its
// fd_set differ from Glibc's module, and clang then rejects the mix depending on build order.
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/uio.h>

// epoll_event is packed on x86_64; reading its fields through these accessors keeps Swift from
// guessing the layout.
static inline int csockets_event_fd(const struct epoll_event *e) { return e->data.fd; }
static inline unsigned int csockets_event_mask(const struct epoll_event *e) { return e->events; }
static inline int csockets_epoll_ctl(int epfd, int op, int fd, unsigned int events) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epfd, op, fd, &event);
}
static inline int csockets_set_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC (defined in CSockets.c, which needs _GNU_SOURCE).
int csockets_accept(int fd, struct sockaddr *addr, socklen_t *len);
// CPUs in the calling process's affinity mask (sched_getaffinity, any number of CPUs), or -1.
int csockets_affinity_count(void);

#endif
