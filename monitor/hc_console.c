/* Console hypercalls: the guest's fds 0, 1, 2 are the monitor's stdin, stdout and stderr. Writes
   go straight from guest memory to the host fd (no copy, bounded by the request). */
#include <errno.h>
#include <poll.h>
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

/* Waits for the console's host fds. Only POLLIN/POLLOUT (and the conditions poll always
   reports) pass through; a wait is capped at a day per call, as a sleep is, and the guest repeats
   for longer ones. A host signal ends it with -EINTR so the monitor can stop the guest; received
   frames the guest asked to be woken for end it with UNIK_HC_WAKE_NET in ret. */
enum hc_result hc_console_poll(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_poll p;
	if (gmem_read(&ctx->mem, arg, &p, sizeof(p)))
		return HC_BAD;
	int host[3] = { ctx->fd_in, ctx->fd_out, ctx->fd_err };
	struct pollfd pfd[4];
	for (int i = 0; i < 3; i++) {
		pfd[i].fd = p.events[i] ? host[i] : -1;
		pfd[i].events = (short)(p.events[i] & (POLLIN | POLLOUT));
		pfd[i].revents = 0;
	}
	pfd[3].fd = ctx->wake_fd > 0 ? ctx->wake_fd : -1;
	pfd[3].events = POLLIN;
	pfd[3].revents = 0;
	int64_t ms = p.timeout_ns < 0 ? 86400000 : (p.timeout_ns + 999999) / 1000000;
	if (ms > 86400000)
		ms = 86400000;
	bool net = ctx->wake_fd > 0 && hc_net_wake_pending(ctx);
	int n = poll(pfd, 4, net ? 0 : (int)ms), err = errno;
	if (n > 0 && pfd[3].revents) {
		net = true;
		n--;
	}
	if (net)
		hc_net_wake_clear(ctx);
	p.ret = n < 0 ? -err : n | (net ? UNIK_HC_WAKE_NET : 0);
	for (int i = 0; i < 3; i++)
		p.revents[i] = n > 0 ? (uint16_t)pfd[i].revents : 0;
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
