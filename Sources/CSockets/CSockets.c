#define _GNU_SOURCE
#include <sys/socket.h>
#include "CSockets.h"

int csockets_accept(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
