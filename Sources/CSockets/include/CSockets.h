#ifndef CSOCKETS_H
#define CSOCKETS_H
// Linux-only calls that Swift's Glibc module does not export (epoll, eventfd, accept4, prctl).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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
static inline int csockets_accept(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
#endif
