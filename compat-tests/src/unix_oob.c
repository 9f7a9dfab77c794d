/* MSG_OOB on AF_UNIX streams: send(MSG_OOB) makes its last byte out of band; the receiver sees
   POLLPRI/EPOLLPRI and exceptfds, SIOCATMARK, FIONREAD counting the byte, reads that stop at the
   mark and skip the byte, recv(MSG_OOB) (with MSG_PEEK, once, then EINVAL; into no buffer),
   SO_OOBINLINE, a newer byte replacing the mark, SIGURG for the owner (F_SETOWN, FIOSETOWN,
   SIOCSPGRP); the errors of streams without a peer, datagram and seqpacket sockets, EPIPE and
   SIGPIPE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "compat.h"

static volatile sig_atomic_t urgs, pipes;

static void on_urg(int sig)
{
	(void)sig;
	urgs++;
}

static void on_pipe(int sig)
{
	(void)sig;
	pipes++;
}

/* A connected stream pair: *c sends, *s receives. */
static void pair(int *c, int *s)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		printf("socketpair: %s\n", errname(errno));
		exit(1);
	}
	*c = sv[0];
	*s = sv[1];
}

/* Closes the pair and starts another, under a heading. */
static void next_pair(int *c, int *s, const char *heading)
{
	close(*c);
	close(*s);
	printf("%s\n", heading);
	pair(c, s);
}

/* An ioctl that answers an int: the int, or -1 and the error. */
static void show_int_ioctl(const char *what, int fd, unsigned long req)
{
	int v = -1;
	if (ioctl(fd, req, &v))
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %d\n", what, v);
}

#define show_inq(fd) show_int_ioctl("FIONREAD", (fd), FIONREAD)
#define show_mark(fd) show_int_ioctl("SIOCATMARK", (fd), SIOCATMARK)

static void show_poll(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI };
	int r = poll(&p, 1, 0);
	printf("poll: %d%s%s\n", r, (p.revents & POLLIN) ? " POLLIN" : "",
	       (p.revents & POLLPRI) ? " POLLPRI" : "");
}

/* What a reader sees of fd: the mark, the bytes to read (unless inq is false), readiness. */
static void show_state(int fd, bool inq)
{
	show_mark(fd);
	if (inq)
		show_inq(fd);
	show_poll(fd);
}

/* recvmsg of up to n bytes (without waiting): the bytes and whether msg_flags has MSG_OOB. */
static void show_recv(const char *what, int fd, size_t n, int flags)
{
	char buf[64] = "";
	struct iovec io = { buf, n };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1 };
	ssize_t r = recvmsg(fd, &m, flags | MSG_DONTWAIT);
	if (r < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %zd \"%.*s\"%s\n", what, r, (int)(r < (ssize_t)n ? r : (ssize_t)n), buf,
		       (m.msg_flags & MSG_OOB) ? " MSG_OOB" : "");
}

static void send_flags(int fd, const char *data, int flags)
{
	char what[64];
	snprintf(what, sizeof(what), "send \"%s\"%s", data, flags ? " MSG_OOB" : "");
	RESULT(what, send(fd, data, strlen(data), flags));
}

static void send_oob(int fd, const char *data)
{
	send_flags(fd, data, MSG_OOB);
}

static void send_data(int fd, const char *data)
{
	send_flags(fd, data, 0);
}

static void out_of_band(void)
{
	printf("== out of band\n");
	int c, s;
	pair(&c, &s);
	show_recv("recv MSG_OOB (none)", s, 64, MSG_OOB);
	show_mark(s);
	show_inq(s);
	send_oob(c, "abc!");
	send_data(c, "def");
	show_inq(s);            /* the byte counts, as it does not on TCP */
	show_state(s, false);
	show_recv("recv MSG_PEEK", s, 64, MSG_PEEK);
	show_recv("recv MSG_OOB|MSG_PEEK", s, 64, MSG_OOB | MSG_PEEK);
	show_recv("recv", s, 64, 0);
	show_state(s, true);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_state(s, true);
	show_recv("recv MSG_OOB again", s, 64, MSG_OOB);
	show_recv("recv", s, 64, 0);
	show_state(s, true);
	close(c);
	close(s);
}

/* A read at the mark skips the byte, which is lost (FIONREAD is not looked at after it: Linux
   6.17 and later go on counting the lost byte). */
static void read_past(void)
{
	printf("== read past the mark\n");
	int c, s;
	pair(&c, &s);
	send_oob(c, "ab!");
	send_data(c, "cd");
	show_inq(s);
	show_recv("recv", s, 64, 0);
	show_mark(s);
	show_recv("recv", s, 64, 0);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_state(s, false);

	next_pair(&c, &s, "-- the byte alone");
	send_oob(c, "x");
	show_state(s, false);
	show_recv("recv MSG_PEEK", s, 64, MSG_PEEK);
	show_recv("recv", s, 64, 0);
	show_state(s, false);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	send_oob(c, "y");
	send_data(c, "z");
	show_recv("recv MSG_PEEK", s, 64, MSG_PEEK);
	show_recv("recv of 0 bytes", s, 0, 0);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_recv("recv", s, 64, 0);
	show_recv("recv of 0 bytes, empty", s, 0, 0);
	close(c);
	close(s);
}

/* recv(MSG_OOB) leaves a read byte where reads still stop. */
static void read_byte(void)
{
	printf("== a read byte\n");
	int c, s;
	pair(&c, &s);
	send_oob(c, "!");
	show_inq(s);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_inq(s);
	show_poll(s);           /* still POLLIN, as Linux: the read byte's place is queued */
	show_mark(s);
	show_recv("recv", s, 64, 0);
	show_state(s, false);

	next_pair(&c, &s, "-- before the rest is read");
	send_oob(c, "hello");
	send_data(c, "world");
	show_mark(s);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_mark(s);
	show_recv("recv", s, 9, 0);
	show_mark(s);
	show_inq(s);
	show_recv("recv", s, 64, 0);
	show_mark(s);

	next_pair(&c, &s, "-- into no buffer, and MSG_TRUNC");
	send_oob(c, "ab!");
	show_recv("recv MSG_OOB of 0 bytes", s, 0, MSG_OOB);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	send_oob(c, "?");
	show_recv("recv MSG_OOB|MSG_TRUNC", s, 64, MSG_OOB | MSG_TRUNC);
	show_recv("recv MSG_WAITALL", s, 64, MSG_WAITALL);
	close(c);
	close(s);
}

/* A newer byte takes the mark; the older one, if still pending, is data again. */
static void newer_mark(void)
{
	printf("== newer mark\n");
	int c, s;
	pair(&c, &s);
	send_oob(c, "hello");
	send_oob(c, "wor");
	send_data(c, "ld");
	show_inq(s);
	show_mark(s);
	show_recv("recv MSG_WAITALL", s, 10, MSG_WAITALL);
	show_mark(s);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_mark(s);
	show_recv("recv", s, 64, 0);

	next_pair(&c, &s, "-- after the older was read");
	send_oob(c, "hello");
	send_oob(c, "wor");
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	send_oob(c, "ld");
	show_inq(s);
	show_recv("recv", s, 10, 0);
	show_state(s, false);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_mark(s);

	next_pair(&c, &s, "-- two bytes alone");
	send_oob(c, "x");
	send_oob(c, "y");
	show_mark(s);
	show_recv("recv", s, 1, 0);
	show_mark(s);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_mark(s);
	close(c);
	close(s);
}

static void oob_inline(void)
{
	printf("== SO_OOBINLINE\n");
	int c, s, one = 1;
	pair(&c, &s);
	RESULT("SO_OOBINLINE", setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
	send_oob(c, "abc!");
	send_data(c, "def");
	show_inq(s);
	show_poll(s);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_recv("recv MSG_PEEK", s, 64, MSG_PEEK);
	show_recv("recv", s, 64, 0);
	show_state(s, true);
	show_recv("recv MSG_PEEK", s, 64, MSG_PEEK);
	show_recv("recv", s, 64, 0);
	show_state(s, false);

	next_pair(&c, &s, "-- set after the byte came");
	send_oob(c, "x");
	send_oob(c, "y");
	RESULT("SO_OOBINLINE", setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
	show_recv("recv", s, 64, 0);
	show_mark(s);
	show_recv("recv", s, 64, 0);
	show_poll(s);
	close(c);
	close(s);
}

static void readiness(void)
{
	printf("== epoll and select\n");
	int c, s;
	pair(&c, &s);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLPRI }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	fd_set ex;
	struct timeval tv = { 0, 0 };
	FD_ZERO(&ex);
	FD_SET(s, &ex);
	RESULT("select exceptfds", select(s + 1, NULL, NULL, &ex, &tv));
	RESULT("epoll_wait", epoll_wait(ep, &out, 1, 0));
	send_oob(c, "ab");
	int n = epoll_wait(ep, &out, 1, 0);
	printf("epoll_wait: %d%s\n", n, n > 0 && out.events == EPOLLPRI ? " EPOLLPRI" : "");
	FD_ZERO(&ex);
	FD_SET(s, &ex);
	RESULT("select exceptfds", select(s + 1, NULL, NULL, &ex, &tv));
	show_recv("recv", s, 64, 0);
	RESULT("epoll_wait", epoll_wait(ep, &out, 1, 0));
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	RESULT("epoll_wait", epoll_wait(ep, &out, 1, 0));
	close(ep);
	close(c);
	close(s);
}

static void owner_signals(void)
{
	printf("== SIGURG\n");
	int c, s, pid = getpid(), none = 0;
	struct sigaction sa = { .sa_handler = on_urg };
	sigaction(SIGURG, &sa, NULL);
	pair(&c, &s);
	urgs = 0;
	send_oob(c, "a");
	printf("SIGURG without an owner: %d\n", (int)urgs);
	RESULT("F_SETOWN", fcntl(s, F_SETOWN, pid));
	send_data(c, "b");
	printf("SIGURG for data: %d\n", (int)urgs);
	send_oob(c, "c");
	printf("SIGURG: %d\n", (int)urgs);
	RESULT("FIOSETOWN", ioctl(s, FIOSETOWN, &pid));
	send_oob(c, "d");
	printf("SIGURG: %d\n", (int)urgs);
	RESULT("SIOCSPGRP 0", ioctl(s, SIOCSPGRP, &none));
	send_oob(c, "e");
	printf("SIGURG without an owner: %d\n", (int)urgs);
	RESULT("F_SETOWN of the other end", fcntl(c, F_SETOWN, pid));
	send_oob(s, "f");
	printf("SIGURG: %d\n", (int)urgs);
	signal(SIGURG, SIG_DFL);
	close(c);
	close(s);
}

/* A connection not accepted yet gets the byte too (no owner to signal yet). */
static void listener(void)
{
	printf("== listener\n");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "unix_oob.%d", (int)getpid());
	socklen_t len = (socklen_t)(sizeof(sa_family_t) + 1 + strlen(a.sun_path + 1));
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, len) || listen(l, 1)) {
		printf("listener: %s\n", errname(errno));
		exit(1);
	}
	show_mark(l);
	show_recv("listener recv MSG_OOB", l, 64, MSG_OOB);
	RESULT("listener send MSG_OOB", send(l, "x", 1, MSG_OOB));
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("connect", connect(c, (struct sockaddr *)&a, len));
	send_oob(c, "ab");
	int s = accept(l, NULL, NULL);
	show_inq(s);
	show_poll(s);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	show_recv("recv", s, 64, 0);
	close(c);
	close(s);
	close(l);
}

/* The receiver closes after recv(MSG_OOB), with more data (then) left unread. */
static void close_after_oob(const char *more)
{
	int c, s;
	pair(&c, &s);
	send_oob(c, "x");
	if (more)
		send_data(c, more);
	show_recv("recv MSG_OOB", s, 64, MSG_OOB);
	close(s);
	show_recv(more ? "peer recv, data lost" : "peer recv", c, 64, 0);
	close(c);
}

/* Closing with a read byte left queued loses nothing: the peer sees end of input, not a reset. */
static void closing(void)
{
	printf("== close\n");
	int c, s;
	close_after_oob(NULL);
	close_after_oob("y");
	pair(&c, &s);
	send_oob(c, "ab");
	close(c);
	show_recv("recv MSG_OOB after the peer closed", s, 64, MSG_OOB);
	show_recv("recv", s, 64, 0);
	show_recv("recv", s, 64, 0);
	close(s);
}

static void send_epipe(const char *what, int how, const char *data)
{
	int c, s;
	pair(&c, &s);
	if (how == 0)
		close(s);
	else
		shutdown(how == 1 ? s : c, how == 1 ? SHUT_RD : SHUT_WR);
	pipes = 0;
	ssize_t r = send(c, data, strlen(data), MSG_OOB);
	printf("%s, send \"%s\" MSG_OOB: %zd %s, SIGPIPE %d\n", what, data, r,
	       r < 0 ? errname(errno) : "", (int)pipes);
	close(c);
	if (how)
		close(s);
}

static void errors(void)
{
	printf("== errors\n");
	int c, s, d[2];
	pair(&c, &s);
	RESULT("send of 0 bytes MSG_OOB", send(c, "", 0, MSG_OOB));
	close(c);
	close(s);
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("unconnected send MSG_OOB", send(u, "x", 1, MSG_OOB));
	RESULT("unconnected send of 0 bytes MSG_OOB", send(u, "", 0, MSG_OOB));
	show_recv("unconnected recv MSG_OOB", u, 64, MSG_OOB);
	show_mark(u);
	close(u);
	for (int i = 0; i < 2; i++) {
		int type = i ? SOCK_SEQPACKET : SOCK_DGRAM;
		printf("-- %s\n", i ? "seqpacket" : "dgram");
		socketpair(AF_UNIX, type, 0, d);
		RESULT("send MSG_OOB", send(d[0], "x", 1, MSG_OOB));
		RESULT("send", send(d[0], "y", 1, 0));
		show_recv("recv MSG_OOB", d[1], 64, MSG_OOB);
		show_mark(d[1]);
		show_recv("recv", d[1], 64, 0);
		close(d[0]);
		close(d[1]);
		u = socket(AF_UNIX, type, 0);
		RESULT("unconnected send MSG_OOB", send(u, "x", 1, MSG_OOB));
		show_recv("unconnected recv MSG_OOB", u, 64, MSG_OOB);
		close(u);
	}
	printf("-- EPIPE\n");
	signal(SIGPIPE, on_pipe);
	send_epipe("peer closed", 0, "x");
	send_epipe("peer closed", 0, "ax");
	send_epipe("peer SHUT_RD", 1, "x");
	send_epipe("peer SHUT_RD", 1, "ax");
	send_epipe("SHUT_WR", 2, "x");
	send_epipe("SHUT_WR", 2, "ax");
	signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	out_of_band();
	read_past();
	read_byte();
	newer_mark();
	oob_inline();
	readiness();
	owner_signals();
	listener();
	closing();
	errors();
	return 0;
}
