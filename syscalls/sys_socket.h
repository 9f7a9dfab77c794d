/* The socket side of read, write, readv and writev (syscalls/sys_io.c): the program's iovecs go
   to the socket as one message, so a writev on a datagram socket sends one datagram. */
#ifndef SYSCALLS_SYS_SOCKET_H
#define SYSCALLS_SYS_SOCKET_H
#include <stdint.h>
#include <stdbool.h>
struct file;
/* f is a socket; uiov holds n iovecs (the caller checked n). Bytes moved or -errno. */
int64_t socket_rw(struct file *f, uint64_t uiov, uint64_t n, bool is_write);
#endif
