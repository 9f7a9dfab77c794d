/* Console hypercalls: the guest's fds 0, 1, 2 are the monitor's stdin, stdout and stderr. Writes
   go straight from guest memory to the host fd (no copy, bounded by the request). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "monitor/hc.h"
#include "monitor/net.h"

#define HC_IO_MAX (1u << 20)    /* the guest sends at most this much per call */

static enum hc_result hc_io_args(struct hc_ctx *ctx, unik_gpa_t arg, struct unik_hc_io *io,
				 void **buf)
{
	if (gmem_read(&ctx->mem, arg, io, sizeof(*io)))
		return HC_BAD;
	if (io->len > HC_IO_MAX)
		io->len = HC_IO_MAX;
	*buf = gmem_ptr(&ctx->mem, io->buf, io->len);
	return HC_OK;
}

/* As hc_io_args for a buffer the host only reads: the image too. */
static enum hc_result hc_io_src_args(struct hc_ctx *ctx, unik_gpa_t arg, struct unik_hc_io *io,
				     const void **buf)
{
	if (gmem_read(&ctx->mem, arg, io, sizeof(*io)))
		return HC_BAD;
	if (io->len > HC_IO_MAX)
		io->len = HC_IO_MAX;
	*buf = gmem_src(&ctx->mem, io->buf, io->len);
	return HC_OK;
}

static void hc_io_done(struct hc_ctx *ctx, unik_gpa_t arg, int64_t ret)
{
	gmem_write(&ctx->mem, arg + __builtin_offsetof(struct unik_hc_io, ret), &ret, sizeof(ret));
}

enum hc_result hc_console_write(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_io io;
	const void *buf;
	if (hc_io_src_args(ctx, arg, &io, &buf) != HC_OK)
		return HC_BAD;
	int fd = io.fd == 1 ? ctx->fd_out : io.fd == 2 ? ctx->fd_err : -1;
	int64_t ret;
	if (fd < 0)
		ret = -EBADF;
	else if (!buf)
		ret = -EFAULT;
	else {
		uint64_t done = 0;
		ret = 0;
		while (done < io.len) {
			ssize_t n = write(fd, (const char *)buf + done, io.len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = done ? (int64_t)done : -errno;
				break;
			}
			done += (uint64_t)n;
			ret = (int64_t)done;
		}
	}
	hc_io_done(ctx, arg, ret);
	return HC_OK;
}

enum hc_result hc_console_read(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_io io;
	void *buf;
	if (hc_io_args(ctx, arg, &io, &buf) != HC_OK)
		return HC_BAD;
	int64_t ret;
	if (io.fd != 0 || ctx->fd_in < 0)
		ret = -EBADF;
	else if (!buf)
		ret = -EFAULT;
	else {
		ssize_t n;
		do
			n = read(ctx->fd_in, buf, io.len);
		while (n < 0 && errno == EINTR && !(ctx->interrupted && ctx->interrupted()));
		ret = n < 0 ? -errno : n;       /* -EINTR: the guest takes the host signal */
	}
	hc_io_done(ctx, arg, ret);
	return HC_OK;
}

/* Edges for the guest's edge-triggered epoll on its console. Each host fd is watched by a host
   epoll entry with EPOLLET per direction (input and output apart, through a dup, since one
   epoll keys its entries by fd), so the host's own kernel says when a new event came: a write
   into a stdin pipe, room made in a stdout pipe, a hang-up, exactly as an EPOLLET entry of the
   guest's on a Linux pipe or terminal would be woken. The counts go to the boot info. Files the
   host cannot watch (regular files, /dev/null) keep 0 there. */
static void console_edges_setup(struct hc_ctx *ctx)
{
	struct hc_console_edges *e = &ctx->edges;
	int host[3] = { ctx->fd_in, ctx->fd_out, ctx->fd_err };
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	for (int k = 0; k < 6; k++) {
		e->fds[k] = -1;
		if (e->epfd < 0 || host[k % 3] < 0)
			continue;
		struct epoll_event ev = { .events = (k < 3 ? EPOLLIN : EPOLLOUT) | EPOLLET,
					  .data.u32 = (uint32_t)k };
		int fd = fcntl(host[k % 3], F_DUPFD_CLOEXEC, 3);
		if (fd >= 0 && epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
			e->fds[k] = fd;
			e->seq[k] = 1;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	if (e->epfd < 0)
		e->epfd = -1;
}

/* Counts the edges that came since the last look and publishes the counts. */
static void console_edges_take(struct hc_ctx *ctx)
{
	struct hc_console_edges *e = &ctx->edges;
	struct epoll_event ev[6];
	int n = e->epfd > 0 ? epoll_wait(e->epfd, ev, 6, 0) : 0;
	for (int i = 0; i < n; i++)
		e->seq[ev[i].data.u32 % 6]++;
	gmem_write(&ctx->mem, UNIK_BOOT_INFO_GPA + offsetof(struct unik_boot_info, console_seq_in),
		   e->seq, sizeof(e->seq));
}

static bool console_edge_moved(const struct hc_ctx *ctx, const uint64_t seen[6], int i)
{
	return ctx->edges.seq[i] != seen[i] || ctx->edges.seq[3 + i] != seen[3 + i];
}

void hc_console_free(struct hc_ctx *ctx)
{
	struct hc_console_edges *e = &ctx->edges;
	for (int k = 0; e->epfd > 0 && k < 6; k++)
		if (e->fds[k] >= 0)
			close(e->fds[k]);
	if (e->epfd > 0)
		close(e->epfd);
	memset(e, 0, sizeof(*e));
}

/* Waits for the console's host fds. Only POLLIN/POLLOUT (and the conditions poll always
   reports) pass through; a wait is capped at a day per call, as a sleep is, and the guest repeats
   for longer ones. An fd asked with UNIK_POLL_EDGE is looked at only once an edge came on it
   (the wait is then on the edge epoll). A host signal ends it with -EINTR so the monitor can
   stop the guest; received frames the guest asked to be woken for end it with UNIK_HC_WAKE_NET
   in ret, host changes of files it watches with UNIK_HC_WAKE_FS. */
enum hc_result hc_console_poll(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_poll p;
	if (gmem_read(&ctx->mem, arg, &p, sizeof(p)))
		return HC_BAD;
	if (!ctx->edges.epfd)
		console_edges_setup(ctx);
	uint64_t seen[6];
	memcpy(seen, ctx->edges.seq, sizeof(seen));
	console_edges_take(ctx);
	int host[3] = { ctx->fd_in, ctx->fd_out, ctx->fd_err };
	struct pollfd pfd[6];
	bool edge_wait[3], edges = false;
	for (int i = 0; i < 3; i++) {
		/* An fd the host cannot watch for edges is asked level-triggered. */
		edge_wait[i] = (p.events[i] & UNIK_POLL_EDGE) && ctx->edges.seq[i] &&
			       ctx->edges.seq[3 + i] && !console_edge_moved(ctx, seen, i);
		edges |= edge_wait[i];
		pfd[i].fd = p.events[i] && !edge_wait[i] ? host[i] : -1;
		pfd[i].events = (short)(p.events[i] & (POLLIN | POLLOUT));
		pfd[i].revents = 0;
	}
	pfd[3].fd = ctx->wake_fd > 0 ? ctx->wake_fd : -1;
	pfd[3].events = POLLIN;
	pfd[3].revents = 0;
	pfd[4].fd = edges ? ctx->edges.epfd : -1;
	pfd[4].events = POLLIN;
	pfd[4].revents = 0;
	pfd[5].fd = hc_file_notify_fd(ctx->file);
	pfd[5].events = POLLIN;
	pfd[5].revents = 0;
	int64_t ms = p.timeout_ns < 0 ? 86400000 : (p.timeout_ns + 999999) / 1000000;
	if (ms > 86400000)
		ms = 86400000;
	bool net = ctx->wake_fd > 0 && hc_net_wake_pending(ctx);
	bool fs = hc_file_notify_pump(ctx);
	int n = poll(pfd, 6, net || fs ? 0 : (int)ms), err = errno;
	if (n > 0 && pfd[4].revents) {
		/* Edges came: the fds they came on are asked now. */
		console_edges_take(ctx);
		for (int i = 0; i < 3; i++)
			if (edge_wait[i] && console_edge_moved(ctx, seen, i))
				pfd[i].fd = host[i];
		if (poll(pfd, 3, 0) < 0)
			for (int i = 0; i < 3; i++)
				pfd[i].revents = 0;
	}
	if (n > 0 && pfd[3].revents)
		net = true;
	if (n > 0 && pfd[5].revents)
		fs = hc_file_notify_pump(ctx);
	if (net)
		hc_net_wake_clear(ctx);
	int ready = 0;
	for (int i = 0; i < 3; i++) {
		p.revents[i] = n > 0 ? (uint16_t)pfd[i].revents : 0;
		ready += p.revents[i] != 0;
	}
	p.ret = n < 0 ? -err : ready | (net ? UNIK_HC_WAKE_NET : 0) | (fs ? UNIK_HC_WAKE_FS : 0);
	return gmem_write(&ctx->mem, arg + __builtin_offsetof(struct unik_hc_poll, revents),
			  &p.revents, sizeof(p.revents) + sizeof(p.ret)) ? HC_BAD : HC_OK;
}

enum hc_result hc_console_tty(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_tty t;
	if (gmem_read(&ctx->mem, arg, &t, sizeof(t)))
		return HC_BAD;
	static const unsigned long req[3] = { TCSETS, TCSETSW, TCSETSF };
	int64_t ret;
	if (ctx->tty_fd < 0)
		ret = -ENOTTY;
	else if (t.how > 2)
		ret = -EINVAL;
	else if (ctx->tty_modes_kept)
		ret = 0;
	else
		ret = ioctl(ctx->tty_fd, req[t.how], t.termios) < 0 ? -errno : 0;
	return gmem_write(&ctx->mem, arg + __builtin_offsetof(struct unik_hc_tty, ret), &ret,
			  sizeof(ret)) ? HC_BAD : HC_OK;
}
