/* The waiting machinery of poll/select, shared with epoll (syscalls/sys_poll.c). */
#ifndef SYSCALLS_POLL_H
#define SYSCALLS_POLL_H
#include <stdint.h>
#include <stdbool.h>

struct pollfd_k {
	int32_t fd;
	int16_t events, revents;
};

/* In events: an edge-triggered epoll entry of the console already reported (poll_wait_ex). */
#define POLL_EDGE_K 0x8000

/* Polls p[0..n) until something is ready or the deadline (monotonic ns; < 0: none; 0: just
   look) passes: the number ready, 0, or -EINTR. what names the call for --trace. */
int64_t poll_wait(struct pollfd_k *p, uint64_t n, int64_t deadline, const char *what);
/* The same; with once, a wait that ends without a signal returns -EAGAIN so the caller can
   rebuild p (epoll: another task may have changed the interest list meanwhile) and call again
   with ask_host, so the console's readiness is asked of the host at once. With once, a console
   entry whose events carry POLL_EDGE_K counts only after the host saw a new edge on its fd. */
int64_t poll_wait_ex(struct pollfd_k *p, uint64_t n, int64_t deadline, const char *what,
		     bool once, bool ask_host);
/* The deadline for a relative timeout of ns (< 0: none). */
int64_t poll_deadline_after(int64_t ns);
/* Reads a timespec (ppoll, pselect6, epoll_pwait2) or timeval (select) timeout at uts as ns;
   none (NULL) is -1. 0, -EFAULT or -EINVAL. */
int64_t poll_timeout_read(uint64_t uts, bool timeval, int64_t *ns);
/* Installs a temporary signal mask (ppoll, pselect6, epoll_pwait); *saved gets the old one. */
int64_t poll_sigmask_swap(uint64_t umask, uint64_t size, uint64_t *saved);
/* After the wait: restores the mask, or leaves that to the signal frame when r is -EINTR. */
void poll_sigmask_done(int64_t r, uint64_t saved);
#endif
