/* AF_UNIX sockets: socketpair of each type, pathname and abstract addresses, listen/connect/
   accept, datagram addressing and queue limits, shutdown and close as the peer sees them, poll,
   socket options, and the errno cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include "compat.h"

static char dir[64];

static socklen_t mkaddr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static socklen_t mkabstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void poll1(const char *what, int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP, 0 };
	int r = poll(&p, 1, 0);
	printf("%s: %d revents %#x\n", what, r, r < 0 ? 0 : p.revents);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

/* A peek stops at the end of what is queued: MSG_WAITALL and SO_RCVLOWAT make it wait only
   for a first byte. */
static void peek_all(int sv[2])
{
	char buf[16];
	int lowat = 8;
	struct timeval tv = { 2, 0 };
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	RESULT("write 3", write(sv[0], "abc", 3));
	RESULT("write 2", write(sv[0], "de", 2));
	long long t0 = now_ms();
	RESULT("recv MSG_PEEK|MSG_WAITALL of 16", recv(sv[1], buf, sizeof(buf), MSG_PEEK | MSG_WAITALL));
	RESULT("SO_RCVLOWAT 8", setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)));
	RESULT("recv MSG_PEEK of 16 below SO_RCVLOWAT", recv(sv[1], buf, sizeof(buf), MSG_PEEK));
	printf("peeks returned at once: %s\n", now_ms() - t0 < 1000 ? "yes" : "no");
	lowat = 1;
	setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
	RESULT("read 16", read(sv[1], buf, sizeof(buf)));
	tv.tv_sec = 0;
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void pairs(void)
{
	int sv[2];
	char buf[64];
	RESULT("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	poll1("stream pair, fresh", sv[0]);
	RESULT("write 5", write(sv[0], "hello", 5));
	RESULT("write 6", write(sv[0], " world", 6));
	int n = -1;
	RESULT("FIONREAD", ioctl(sv[1], FIONREAD, &n));
	printf("FIONREAD value: %d\n", n);
	poll1("stream pair, data queued", sv[1]);
	RESULT("recv peek 4", recv(sv[1], buf, 4, MSG_PEEK));
	RESULT("read 64 joins both writes", read(sv[1], buf, sizeof(buf)));
	printf("data: %.11s\n", buf);
	RESULT("recv dontwait, empty", recv(sv[1], buf, 1, MSG_DONTWAIT));
	RESULT("read of 0 bytes", read(sv[1], buf, 0));
	struct iovec none = { buf, 0 };
	RESULT("readv of 0 bytes", readv(sv[1], &none, 1));
	RESULT("recv of 0 bytes waits for data", recv(sv[1], buf, 0, MSG_DONTWAIT));
	peek_all(sv);
	RESULT("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
	poll1("after peer SHUT_WR", sv[1]);
	RESULT("read at EOF", read(sv[1], buf, sizeof(buf)));
	RESULT("write after own SHUT_WR", write(sv[0], "x", 1));
	RESULT("shutdown bad how", shutdown(sv[0], 7));
	RESULT("write other way", write(sv[1], "back", 4));
	RESULT("read other way", read(sv[0], buf, sizeof(buf)));
	close(sv[1]);
	poll1("stream, peer closed", sv[0]);
	RESULT("read, peer closed", read(sv[0], buf, sizeof(buf)));
	RESULT("send nosignal, peer closed", send(sv[0], "x", 1, MSG_NOSIGNAL));
	close(sv[0]);

	RESULT("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	RESULT("send 3", send(sv[0], "abc", 3, 0));
	RESULT("send 0", send(sv[0], "", 0, 0));
	struct iovec iov[3] = { { "de", 2 }, { "", 0 }, { "fgh", 3 } };
	RESULT("writev is one datagram", writev(sv[0], iov, 3));
	RESULT("FIONREAD next datagram", ioctl(sv[1], FIONREAD, &n));
	printf("FIONREAD value: %d\n", n);
	RESULT("recv 2 of 3 (truncated)", recv(sv[1], buf, 2, 0));
	RESULT("recv empty datagram", recv(sv[1], buf, sizeof(buf), 0));
	RESULT("recv trunc flag gives full length", recv(sv[1], buf, 1, MSG_TRUNC | MSG_PEEK));
	struct msghdr mh = { 0 };
	struct iovec one = { buf, 2 };
	mh.msg_iov = &one;
	mh.msg_iovlen = 1;
	RESULT("recvmsg 2 of 5", recvmsg(sv[1], &mh, 0));
	printf("msg_flags MSG_TRUNC: %s\n", mh.msg_flags & MSG_TRUNC ? "yes" : "no");
	close(sv[0]);
	poll1("dgram pair, peer closed", sv[1]);
	RESULT("recv dontwait, dgram peer closed", recv(sv[1], buf, 1, MSG_DONTWAIT));
	RESULT("send to closed dgram peer", send(sv[1], "x", 1, 0));
	close(sv[1]);

	RESULT("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	printf("cloexec: %d\n", fcntl(sv[0], F_GETFD));
	RESULT("send 4", send(sv[0], "1234", 4, 0));
	RESULT("send 2", send(sv[0], "56", 2, 0));
	mh.msg_flags = 0;
	one.iov_len = 3;
	RESULT("recvmsg 3 of 4", recvmsg(sv[1], &mh, 0));
	printf("msg_flags MSG_TRUNC: %s\n", mh.msg_flags & MSG_TRUNC ? "yes" : "no");
	RESULT("recv next record", recv(sv[1], buf, sizeof(buf), 0));
	close(sv[0]);
	RESULT("recv seqpacket, peer closed", recv(sv[1], buf, sizeof(buf), 0));
	RESULT("send seqpacket, peer closed", send(sv[1], "x", 1, MSG_NOSIGNAL));
	close(sv[1]);

	RESULT("socketpair nonblock", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	printf("nonblock: %s\n", fcntl(sv[0], F_GETFL) & O_NONBLOCK ? "yes" : "no");
	RESULT("read nonblocking, empty", read(sv[0], buf, 1));
	static char big[65536];
	long total = 0;
	for (;;) {
		ssize_t w = write(sv[0], big, sizeof(big));
		if (w < 0) {
			printf("fill ends with: %s\n", errname(errno));
			break;
		}
		total += w;
	}
	printf("filled more than 100 KiB: %s\n", total > 100000 ? "yes" : "no");
	struct pollfd pf = { sv[0], POLLOUT, 0 };
	RESULT("poll POLLOUT when full", poll(&pf, 1, 0));
	long got = 0;
	for (;;) {
		ssize_t r = read(sv[1], big, sizeof(big));
		if (r <= 0)
			break;
		got += r;
	}
	printf("read back all: %s\n", got == total ? "yes" : "no");
	RESULT("poll POLLOUT after drain", poll(&pf, 1, 0));
	close(sv[0]);
	close(sv[1]);
}

static void stream_server(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = mkaddr(&a, "srv"), blen;
	char buf[64];
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	poll1("fresh stream socket", l);
	RESULT("listen unbound", listen(l, 5));
	RESULT("recv unconnected", recv(l, buf, 1, 0));
	RESULT("send unconnected", send(l, "x", 1, 0));
	RESULT("getpeername unconnected", getpeername(l, (struct sockaddr *)&b, &(socklen_t){ sizeof(b) }));
	blen = sizeof(b);
	RESULT("getsockname unbound", getsockname(l, (struct sockaddr *)&b, &blen));
	printf("unbound name length: %u\n", blen);
	RESULT("bind", bind(l, (struct sockaddr *)&a, alen));
	RESULT("bind again", bind(l, (struct sockaddr *)&a, alen));
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("bind taken path", bind(l2, (struct sockaddr *)&a, alen));
	close(l2);
	struct stat st;
	RESULT("stat socket file", stat(a.sun_path, &st));
	printf("is socket: %s, mode %o\n", S_ISSOCK(st.st_mode) ? "yes" : "no", st.st_mode & 0777);
	RESULT("open socket file", open(a.sun_path, O_RDWR));
	int c0 = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("connect before listen", connect(c0, (struct sockaddr *)&a, alen));
	RESULT("listen backlog 1", listen(l, 1));
	fcntl(l, F_SETFL, O_NONBLOCK);
	RESULT("accept, none queued", accept(l, NULL, NULL));
	poll1("listener, nothing queued", l);
	blen = sizeof(b);
	RESULT("getsockname bound", getsockname(l, (struct sockaddr *)&b, &blen));
	printf("name length matches: %s, path matches: %s\n", blen == alen ? "yes" : "no",
	       strcmp(b.sun_path, a.sun_path) ? "no" : "yes");
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	int c3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	RESULT("connect 1", connect(c1, (struct sockaddr *)&a, alen));
	RESULT("connect 2", connect(c2, (struct sockaddr *)&a, alen));
	RESULT("connect 3 nonblocking, backlog full", connect(c3, (struct sockaddr *)&a, alen));
	poll1("listener, two queued", l);
	RESULT("write before accept", write(c1, "early", 5));
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	RESULT("SO_PEERCRED client", getsockopt(c1, SOL_SOCKET, SO_PEERCRED, &cr, &crl));
	printf("peercred: pid ok %s uid ok %s gid ok %s len %u\n", cr.pid == getpid() ? "yes" : "no",
	       cr.uid == geteuid() ? "yes" : "no", cr.gid == getegid() ? "yes" : "no", crl);
	blen = sizeof(b);
	int s1 = accept(l, (struct sockaddr *)&b, &blen);
	printf("accept 1: %s, peer name length %u\n", s1 >= 0 ? "ok" : errname(errno), blen);
	printf("accepted nonblock: %s\n", fcntl(s1, F_GETFL) & O_NONBLOCK ? "yes" : "no");
	RESULT("connect connected", connect(c1, (struct sockaddr *)&a, alen));
	RESULT("read on accepted", read(s1, buf, sizeof(buf)));
	blen = sizeof(b);
	RESULT("getsockname accepted", getsockname(s1, (struct sockaddr *)&b, &blen));
	printf("accepted name is the listener's: %s\n", strcmp(b.sun_path, a.sun_path) ? "no" : "yes");
	blen = sizeof(b);
	RESULT("getpeername client", getpeername(c1, (struct sockaddr *)&b, &blen));
	printf("client's peer is the listener path: %s\n", strcmp(b.sun_path, a.sun_path) ? "no" : "yes");
	blen = 4;
	RESULT("getsockname short buffer", getsockname(l, (struct sockaddr *)&b, &blen));
	printf("reported length still full: %s\n", blen == alen ? "yes" : "no");
	crl = sizeof(cr);
	RESULT("SO_PEERCRED accepted", getsockopt(s1, SOL_SOCKET, SO_PEERCRED, &cr, &crl));
	printf("peercred pid ok %s\n", cr.pid == getpid() ? "yes" : "no");
	int v = -1;
	socklen_t vl = sizeof(v);
	RESULT("SO_ACCEPTCONN listener", getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
	printf("value %d\n", v);
	/* close with unread data: the peer sees ECONNRESET */
	RESULT("write to accepted", write(c1, "unread", 6));
	close(s1);
	RESULT("read after peer closed with unread data", read(c1, buf, sizeof(buf)));
	RESULT("read again", read(c1, buf, sizeof(buf)));
	/* a listener closed with c2 still queued resets it */
	close(l);
	RESULT("read, listener closed before accept", read(c2, buf, sizeof(buf)));
	RESULT("connect after listener closed", connect(c0, (struct sockaddr *)&a, alen));
	unlink(a.sun_path);
	RESULT("connect after unlink", connect(c0, (struct sockaddr *)&a, alen));
	close(c0);
	close(c1);
	close(c2);
	close(c3);

	/* unlinking a listener's file: new connects fail, accepted ones keep working */
	alen = mkaddr(&a, "srv2");
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 4);
	c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("connect srv2", connect(c1, (struct sockaddr *)&a, alen));
	RESULT("unlink srv2", unlink(a.sun_path));
	c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("connect after unlink", connect(c2, (struct sockaddr *)&a, alen));
	s1 = accept(l, NULL, NULL);
	RESULT("send on old connection", send(s1, "ok", 2, 0));
	RESULT("recv on old connection", recv(c1, buf, sizeof(buf), 0));
	RESULT("dgram connect to stream listener", connect(socket(AF_UNIX, SOCK_DGRAM, 0),
							    (struct sockaddr *)&a, alen));
	close(s1);
	close(c1);
	close(c2);
	close(l);
}

static void abstract(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = mkabstract(&a, "unik-compat-abstract"), blen;
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("bind abstract", bind(l, (struct sockaddr *)&a, alen));
	RESULT("listen", listen(l, 8));
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("bind abstract taken", bind(l2, (struct sockaddr *)&a, alen));
	blen = sizeof(b);
	RESULT("getsockname abstract", getsockname(l, (struct sockaddr *)&b, &blen));
	printf("length matches: %s, bytes match: %s\n", blen == alen ? "yes" : "no",
	       memcmp(&a, &b, alen) ? "no" : "yes");
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("connect abstract", connect(c, (struct sockaddr *)&a, alen));
	struct sockaddr_un w;
	socklen_t wlen = mkabstract(&w, "unik-compat-absent");
	RESULT("connect absent abstract", connect(l2, (struct sockaddr *)&w, wlen));
	/* the name's length counts: a prefix is another name */
	RESULT("connect to a prefix", connect(l2, (struct sockaddr *)&a, alen - 1));
	RESULT("autobind", bind(l2, (struct sockaddr *)&(struct sockaddr_un){ .sun_family = AF_UNIX },
				offsetof(struct sockaddr_un, sun_path)));
	blen = sizeof(b);
	getsockname(l2, (struct sockaddr *)&b, &blen);
	printf("autobind length %u, abstract %s\n", blen, b.sun_path[0] ? "no" : "yes");
	RESULT("autobind again", bind(l2, (struct sockaddr *)&(struct sockaddr_un){ .sun_family = AF_UNIX },
				      offsetof(struct sockaddr_un, sun_path)));
	close(c);
	close(l2);
	close(l);
	/* the name is free again once closed */
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("bind abstract after close", bind(l, (struct sockaddr *)&a, alen));
	close(l);
}

static void dgrams(void)
{
	struct sockaddr_un a, b, from;
	socklen_t alen = mkaddr(&a, "dg-a"), blen = mkaddr(&b, "dg-b"), flen;
	char buf[64];
	int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
	int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
	RESULT("send unconnected, no address", send(sa, "x", 1, 0));
	RESULT("bind a", bind(sa, (struct sockaddr *)&a, alen));
	RESULT("bind b", bind(sb, (struct sockaddr *)&b, blen));
	RESULT("sendto b", sendto(sa, "from-a", 6, 0, (struct sockaddr *)&b, blen));
	flen = sizeof(from);
	RESULT("recvfrom", recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	printf("source is a: %s\n", flen == alen && !strcmp(from.sun_path, a.sun_path) ? "yes" : "no");
	RESULT("sendto from unbound", sendto(anon, "anon", 4, 0, (struct sockaddr *)&b, blen));
	flen = sizeof(from);
	RESULT("recvfrom unbound sender", recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	printf("source length: %u\n", flen);
	RESULT("connect a to b", connect(sa, (struct sockaddr *)&b, blen));
	RESULT("send connected", send(sa, "c", 1, 0));
	RESULT("recv", recv(sb, buf, sizeof(buf), 0));
	RESULT("connect b to a", connect(sb, (struct sockaddr *)&a, alen));
	RESULT("anon sends to b (b connected to a)", sendto(anon, "no", 2, 0, (struct sockaddr *)&b, blen));
	RESULT("getpeername connected dgram", getpeername(sa, (struct sockaddr *)&from, &(socklen_t){ sizeof(from) }));
	RESULT("disconnect with AF_UNSPEC", connect(sb, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(struct sockaddr)));
	RESULT("getpeername after disconnect", getpeername(sb, (struct sockaddr *)&from, &(socklen_t){ sizeof(from) }));
	RESULT("anon sends to b again", sendto(anon, "ok", 2, 0, (struct sockaddr *)&b, blen));
	recv(sb, buf, sizeof(buf), 0);
	/* the receive queue takes max_dgram_qlen + 1 datagrams from others */
	fcntl(anon, F_SETFL, O_NONBLOCK);
	int sent = 0;
	while (sendto(anon, "q", 1, 0, (struct sockaddr *)&b, blen) == 1)
		sent++;
	printf("queued before %s: %d\n", errname(errno), sent);
	struct pollfd pf = { anon, POLLOUT, 0 };
	RESULT("poll POLLOUT to a full receiver (unconnected)", poll(&pf, 1, 0));
	while (recv(sb, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		sent--;
	printf("all received: %s\n", sent == 0 ? "yes" : "no");
	/* sizes */
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	getsockopt(anon, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl);
	char *huge = calloc(1, (size_t)sndbuf);
	RESULT("datagram of sndbuf bytes", sendto(anon, huge, (size_t)sndbuf, 0, (struct sockaddr *)&b, blen));
	RESULT("datagram of sndbuf-32 bytes", sendto(anon, huge, (size_t)sndbuf - 32, 0, (struct sockaddr *)&b, blen));
	RESULT("recv big datagram", recv(sb, huge, (size_t)sndbuf, 0));
	free(huge);
	/* the peer goes: the association dissolves with ECONNREFUSED */
	close(sb);
	RESULT("send to closed peer", send(sa, "x", 1, 0));
	RESULT("send again (now unconnected)", send(sa, "x", 1, 0));
	RESULT("sendto closed address", sendto(anon, "x", 1, 0, (struct sockaddr *)&b, blen));
	RESULT("sendto non-socket file", sendto(anon, "x", 1, 0, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "/" }, 4));
	RESULT("listen on dgram", listen(sa, 1));
	RESULT("accept on dgram", accept(sa, NULL, NULL));
	RESULT("stream connect to dgram", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
	unlink(a.sun_path);
	unlink(b.sun_path);
	close(sa);
	close(anon);
}

static void options(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), v;
	socklen_t l;
	char buf[8];
#define GET(name, opt)                                                        \
	do {                                                                  \
		v = -12345;                                                   \
		l = sizeof(v);                                                \
		long r_ = getsockopt(s, SOL_SOCKET, opt, &v, &l);             \
		if (r_)                                                       \
			printf("get %s: -1 %s\n", name, errname(errno));      \
		else                                                          \
			printf("get %s: %d (len %u)\n", name, v, l);          \
	} while (0)
	GET("SO_TYPE", SO_TYPE);
	GET("SO_DOMAIN", SO_DOMAIN);
	GET("SO_PROTOCOL", SO_PROTOCOL);
	GET("SO_ERROR", SO_ERROR);
	GET("SO_ACCEPTCONN", SO_ACCEPTCONN);
	GET("SO_REUSEADDR", SO_REUSEADDR);
	GET("SO_KEEPALIVE", SO_KEEPALIVE);
	GET("SO_PASSCRED", SO_PASSCRED);
	GET("SO_RCVLOWAT", SO_RCVLOWAT);
	GET("SO_SNDLOWAT", SO_SNDLOWAT);
	GET("SO_PRIORITY", SO_PRIORITY);
	v = 10000;
	RESULT("set SO_SNDBUF 10000", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	GET("SO_SNDBUF", SO_SNDBUF);
	v = 1;
	RESULT("set SO_SNDBUF 1", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	GET("SO_SNDBUF", SO_SNDBUF);
	v = 1;
	RESULT("set SO_RCVBUF 1", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	GET("SO_RCVBUF", SO_RCVBUF);
	v = 1;
	RESULT("set SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	GET("SO_REUSEADDR", SO_REUSEADDR);
	RESULT("set SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
	GET("SO_KEEPALIVE", SO_KEEPALIVE);
	RESULT("set int option, short length", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2));
	RESULT("set SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)));
	RESULT("set unknown SOL_SOCKET option", setsockopt(s, SOL_SOCKET, 9999, &v, sizeof(v)));
	RESULT("set at level IPPROTO_TCP", setsockopt(s, 6, 1, &v, sizeof(v)));
	l = sizeof(v);
	RESULT("get at level IPPROTO_TCP", getsockopt(s, 6, 1, &v, &l));
	l = (socklen_t)-1;
	RESULT("get negative length", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
	l = 2;
	v = 0;
	RESULT("get SO_TYPE into 2 bytes", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
	printf("len %u value %d\n", l, v);
	struct linger lg = { 1, 7 };
	RESULT("set SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	memset(&lg, 0, sizeof(lg));
	l = sizeof(lg);
	RESULT("get SO_LINGER", getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l));
	printf("linger %d %d len %u\n", lg.l_onoff, lg.l_linger, l);
	struct timeval tv = { 0, 1000000 };
	RESULT("set SO_RCVTIMEO usec 1000000", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){ 0, 200000 };
	RESULT("set SO_RCVTIMEO 0.2 s", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	RESULT("get SO_RCVTIMEO", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &l));
	printf("timeout %ld.%06ld len %u\n", (long)tv.tv_sec, (long)tv.tv_usec, l);
	close(s);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	tv = (struct timeval){ 0, 200000 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	long long t0 = now_ms();
	RESULT("recv with SO_RCVTIMEO", recv(sv[0], buf, 1, 0));
	long long dt = now_ms() - t0;
	printf("waited about the timeout: %s\n", dt >= 150 && dt < 2000 ? "yes" : "no");
	close(sv[0]);
	close(sv[1]);
}

static void errors(void)
{
	int p[2];
	pipe(p);
	RESULT("socket bad family", socket(12345, SOCK_STREAM, 0));
	RESULT("socket AF_UNIX bad type", socket(AF_UNIX, 9, 0));
	RESULT("socket AF_UNIX SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0));
	RESULT("socket AF_UNIX bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
	RESULT("socket AF_UNIX protocol 7", socket(AF_UNIX, SOCK_STREAM, 7));
	int raw = socket(AF_UNIX, SOCK_RAW, 0);
	int v = 0;
	socklen_t l = sizeof(v);
	getsockopt(raw, SOL_SOCKET, SO_TYPE, &v, &l);
	printf("SOCK_RAW becomes type %d\n", v);
	close(raw);
	RESULT("bind on a pipe", bind(p[0], (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "x" }, 4));
	RESULT("listen on bad fd", listen(999, 1));
	RESULT("getsockopt on a pipe", getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &l));
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	RESULT("bind length 1", bind(s, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "x" }, 1));
	RESULT("bind AF_INET family", bind(s, (struct sockaddr *)&(struct sockaddr_un){ AF_INET, "x" }, 4));
	RESULT("bind length 200", bind(s, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "x" }, 200));
	RESULT("bind in missing directory", bind(s, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "/nonexistent/dir/s" }, sizeof(struct sockaddr_un)));
	RESULT("connect length 2", connect(s, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "" }, 2));
	RESULT("connect missing path", connect(s, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "/nonexistent" }, sizeof(struct sockaddr_un)));
	RESULT("connect bad pointer", connect(s, (struct sockaddr *)8, 20));
	RESULT("accept4 bad flags", accept4(s, NULL, NULL, 1));
	RESULT("fstat socket", fstat(s, &(struct stat){ 0 }));
	struct stat st;
	fstat(s, &st);
	printf("fstat: socket %s, size %ld\n", S_ISSOCK(st.st_mode) ? "yes" : "no", (long)st.st_size);
	RESULT("lseek on socket", lseek(s, 0, SEEK_SET));
	close(s);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/unik-unix-%d", getpid());
	mkdir(dir, 0700);
	pairs();
	stream_server();
	abstract();
	dgrams();
	options();
	errors();
	rmdir(dir);
	return 0;
}
