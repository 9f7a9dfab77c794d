/* TCP over loopback (127.0.0.1 and ::1): connect/accept in one process and across fork, 8 MiB
   each way with checksums, nonblocking connect with epoll, the errno cases (ECONNREFUSED,
   EADDRINUSE, EPIPE, ECONNRESET), shutdown and EOF, poll states, address shapes, dual stack,
   options, sendfile into a socket. Prints no ports. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "compat.h"

#define BIG (8u << 20)

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static struct addr loop_addr(int family, int port)
{
	struct addr a = { .len = family == AF_INET ? sizeof(struct sockaddr_in) :
						      sizeof(struct sockaddr_in6) };
	memset(&a.ss, 0, sizeof(a.ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)&a.ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *s = (void *)&a.ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		s->sin6_addr = in6addr_loopback;
	}
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (void *)&ss, &len);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A listener on the loopback address of family, on a free port. */
static int listener(int family)
{
	int fd = socket(family, SOCK_STREAM, 0);
	struct addr a = loop_addr(family, 0);
	if (fd < 0 || bind(fd, (void *)&a.ss, a.len) || listen(fd, 8)) {
		printf("listener: %s\n", errname(errno));
		exit(1);
	}
	return fd;
}

static int connect_to(int family, int port)
{
	int fd = socket(family, SOCK_STREAM, 0);
	struct addr a = loop_addr(family, port);
	if (connect(fd, (void *)&a.ss, a.len)) {
		printf("connect: %s\n", errname(errno));
		exit(1);
	}
	return fd;
}

static void show_name(const char *what, int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0xaa, sizeof(ss));
	int r = peer ? getpeername(fd, (void *)&ss, &len) : getsockname(fd, (void *)&ss, &len);
	if (r) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	char buf[64] = "?";
	int port;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s = (void *)&ss;
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		port = s->sin_port != 0;
		printf("%s: inet len %u %s port %s zero %d\n", what, len, buf, port ? "set" : "0",
		       !memcmp(s->sin_zero, "\0\0\0\0\0\0\0\0", 8));
	} else {
		struct sockaddr_in6 *s = (void *)&ss;
		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
		port = s->sin6_port != 0;
		printf("%s: inet6 len %u %s port %s scope %u flow %u\n", what, len, buf,
		       port ? "set" : "0", s->sin6_scope_id, s->sin6_flowinfo);
	}
}

static void pair(int family, int *c, int *s)
{
	int l = listener(family);
	*c = connect_to(family, port_of(l));
	*s = accept(l, NULL, NULL);
	close(l);
}

static void basic(int family)
{
	printf("== basic %s\n", family == AF_INET ? "inet" : "inet6");
	int l = listener(family);
	show_name("listener name", l, 0);
	show_name("listener peer", l, 1);
	int c = connect_to(family, port_of(l));
	struct sockaddr_storage pa;
	socklen_t plen = sizeof(pa);
	int s = accept(l, (void *)&pa, &plen);
	printf("accept len %u\n", plen);
	show_name("client name", c, 0);
	show_name("client peer", c, 1);
	show_name("server name", s, 0);
	show_name("server peer", s, 1);
	struct sockaddr_in6 cn, sp;
	socklen_t n1 = sizeof(cn), n2 = sizeof(sp);
	getsockname(c, (void *)&cn, &n1);
	getpeername(s, (void *)&sp, &n2);
	fact("client name equals server peer", n1 == n2 && !memcmp(&cn, &sp, n1));
	RESULT("send", send(c, "hello", 5, 0));
	char buf[64] = { 0 };
	int avail = -1;
	usleep(10000);
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD %d\n", avail);
	RESULT("recv peek", recv(s, buf, 3, MSG_PEEK));
	RESULT("recv", recv(s, buf, sizeof(buf), 0));
	printf("got %s\n", buf);
	RESULT("recv dontwait", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	RESULT("write", write(s, "world!", 6));
	RESULT("read", read(c, buf, sizeof(buf)));
	RESULT("shutdown wr", shutdown(c, SHUT_WR));
	RESULT("send after shutdown", send(c, "x", 1, MSG_NOSIGNAL));
	RESULT("recv eof", recv(s, buf, sizeof(buf), 0));
	struct pollfd p = { s, POLLIN | POLLOUT | POLLRDHUP, 0 };
	poll(&p, 1, 0);
	printf("poll after peer fin %#x\n", p.revents);
	RESULT("server send after peer fin", send(s, "late", 4, 0));
	RESULT("client reads it", recv(c, buf, sizeof(buf), 0));
	close(s);
	RESULT("client eof", recv(c, buf, sizeof(buf), 0));
	close(c);
	close(l);
}

static void errors(void)
{
	printf("== errors\n");
	RESULT("socket stream udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	RESULT("socket dgram tcp", socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP));
	RESULT("socket seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0));
	int l = listener(AF_INET), port = port_of(l);
	int b = socket(AF_INET, SOCK_STREAM, 0);
	struct addr a = loop_addr(AF_INET, port);
	RESULT("bind used port", bind(b, (void *)&a.ss, a.len));
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	RESULT("bind listened port reuseaddr", bind(b, (void *)&a.ss, a.len));
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);
	struct addr z = loop_addr(AF_INET, 0);
	RESULT("bind port 0", bind(b, (void *)&z.ss, z.len));
	RESULT("bind again", bind(b, (void *)&z.ss, z.len));
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in far = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0afffe01) };
	RESULT("bind foreign address", bind(b, (void *)&far, sizeof(far)));
	RESULT("bind short", bind(b, (void *)&far, 8));
	struct sockaddr_in6 six = { .sin6_family = AF_INET6 };
	RESULT("bind inet6 address", bind(b, (void *)&six, sizeof(six)));
	RESULT("listen unbound", listen(b, 1));
	show_name("auto-bound by listen", b, 0);
	close(b);
	close(l);
	b = socket(AF_INET, SOCK_STREAM, 0);
	RESULT("connect refused", connect(b, (void *)&a.ss, a.len));
	RESULT("send unconnected", send(b, "x", 1, MSG_NOSIGNAL));
	RESULT("recv unconnected", recv(b, &one, 1, 0));
	RESULT("shutdown unconnected", shutdown(b, SHUT_RDWR));
	show_name("peer unconnected", b, 1);
	close(b);
	int c, s;
	pair(AF_INET, &c, &s);
	RESULT("connect connected", connect(c, (void *)&a.ss, a.len));
	RESULT("accept on connected", accept(c, NULL, NULL));
	RESULT("listen on connected", listen(c, 1));
	close(c);
	close(s);
}

static void peer_gone(void)
{
	printf("== peer gone\n");
	signal(SIGPIPE, SIG_IGN);
	int c, s;
	char buf[64];
	pair(AF_INET, &c, &s);
	close(s);
	long r = 0;
	int i;
	for (i = 0; i < 20 && r >= 0; i++) {
		r = send(c, "data", 4, 0);
		usleep(5000);
	}
	printf("send after peer close: %s (first failure not first send: %d)\n", errname(errno),
	       i > 1);
	RESULT("recv after reset", recv(c, buf, sizeof(buf), 0));
	struct pollfd p = { c, POLLIN | POLLOUT | POLLRDHUP, 0 };
	poll(&p, 1, 0);
	printf("poll after reset %#x\n", p.revents);
	close(c);
	signal(SIGPIPE, SIG_DFL);

	pair(AF_INET6, &c, &s);
	struct linger lg = { 1, 0 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	usleep(10000);
	p = (struct pollfd){ c, POLLIN | POLLOUT | POLLRDHUP, 0 };
	poll(&p, 1, 0);
	printf("poll after linger-0 reset %#x\n", p.revents);
	RESULT("recv after linger-0 close", recv(c, buf, sizeof(buf), 0));
	RESULT("recv again", recv(c, buf, sizeof(buf), 0));
	RESULT("send with MSG_NOSIGNAL", send(c, "x", 1, MSG_NOSIGNAL));
	close(c);

	pair(AF_INET, &c, &s);
	send(c, "unread", 6, 0);
	usleep(10000);
	close(s);
	usleep(10000);
	RESULT("recv after close with unread data", recv(c, buf, sizeof(buf), 0));
	close(c);
}

static void nonblocking(void)
{
	printf("== nonblocking\n");
	int l = listener(AF_INET6);
	int c = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct addr a = loop_addr(AF_INET6, port_of(l));
	errno = 0;
	int r = connect(c, (void *)&a.ss, a.len);
	printf("connect: %d in progress %d\n", r, r == -1 && errno == EINPROGRESS);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = c }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	RESULT("epoll_wait", epoll_wait(ep, &out, 1, 5000));
	printf("events %#x\n", out.events);
	int err = -1;
	socklen_t len = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR %s\n", errname(err));
	RESULT("connect again", connect(c, (void *)&a.ss, a.len));
	RESULT("connect third", connect(c, (void *)&a.ss, a.len));
	int lflags = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, lflags | O_NONBLOCK);
	int s = accept(l, NULL, NULL);
	fact("accepted", s >= 0);
	RESULT("accept empty", accept(l, NULL, NULL));
	fcntl(l, F_SETFL, lflags);
	struct timeval tv = { 0, 50000 };
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	RESULT("accept timeout", accept(l, NULL, NULL));
	char buf[16];
	RESULT("recv nothing", recv(c, buf, sizeof(buf), 0));
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev);
	RESULT("epoll nothing", epoll_wait(ep, &out, 1, 0));
	send(s, "ping", 4, 0);
	RESULT("epoll data", epoll_wait(ep, &out, 1, 5000));
	RESULT("recv data", recv(c, buf, sizeof(buf), 0));
	close(s);
	close(c);

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct addr dead = loop_addr(AF_INET, port_of(l));
	close(l);
	r = connect(c, (void *)&dead.ss, dead.len);
	printf("connect refused: %d in progress %d\n", r, r == -1 && errno == EINPROGRESS);
	struct pollfd p = { c, POLLOUT, 0 };
	poll(&p, 1, 5000);
	printf("poll %#x\n", p.revents);
	len = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR %s\n", errname(err));
	close(c);
	close(ep);
}

static int getint(int fd, int level, int name)
{
	int v = -7;
	socklen_t len = sizeof(v);
	getsockopt(fd, level, name, &v, &len);
	return v;
}

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static void options(void)
{
	printf("== options\n");
	int c, s;
	socklen_t len;
	pair(AF_INET, &c, &s);
#define GET(lvl, name) getint(c, lvl, name)
#define SET(lvl, name, val) setint(c, lvl, name, val)
	printf("nodelay %d", GET(IPPROTO_TCP, TCP_NODELAY));
	SET(IPPROTO_TCP, TCP_NODELAY, 1);
	printf(" -> %d\n", GET(IPPROTO_TCP, TCP_NODELAY));
	/* TCP_CORK (nginx's tcp_nopush): kept, and what was corked arrives once uncorked */
	printf("cork %d", GET(IPPROTO_TCP, TCP_CORK));
	RESULT(" set", SET(IPPROTO_TCP, TCP_CORK, 1));
	printf("cork now %d\n", GET(IPPROTO_TCP, TCP_CORK));
	send(c, "head", 4, 0);
	send(c, "body", 4, 0);
	RESULT("uncork", SET(IPPROTO_TCP, TCP_CORK, 0));
	{
		char cb[16] = "";
		size_t got = 0;
		while (got < 8) {
			ssize_t n = recv(s, cb + got, sizeof(cb) - 1 - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		printf("corked data arrived: %.*s\n", (int)got, cb);
	}
	printf("keepalive %d idle %d intvl %d cnt %d\n", GET(SOL_SOCKET, SO_KEEPALIVE),
	       GET(IPPROTO_TCP, TCP_KEEPIDLE), GET(IPPROTO_TCP, TCP_KEEPINTVL),
	       GET(IPPROTO_TCP, TCP_KEEPCNT));
	SET(SOL_SOCKET, SO_KEEPALIVE, 1);
	SET(IPPROTO_TCP, TCP_KEEPIDLE, 30);
	SET(IPPROTO_TCP, TCP_KEEPINTVL, 5);
	SET(IPPROTO_TCP, TCP_KEEPCNT, 3);
	printf("keepalive %d idle %d intvl %d cnt %d\n", GET(SOL_SOCKET, SO_KEEPALIVE),
	       GET(IPPROTO_TCP, TCP_KEEPIDLE), GET(IPPROTO_TCP, TCP_KEEPINTVL),
	       GET(IPPROTO_TCP, TCP_KEEPCNT));
	RESULT("keepidle 0", SET(IPPROTO_TCP, TCP_KEEPIDLE, 0));
	RESULT("keepcnt 200", SET(IPPROTO_TCP, TCP_KEEPCNT, 200));
	SET(SOL_SOCKET, SO_RCVBUF, 65536);
	SET(SOL_SOCKET, SO_SNDBUF, 65536);
	printf("rcvbuf %d sndbuf %d\n", GET(SOL_SOCKET, SO_RCVBUF), GET(SOL_SOCKET, SO_SNDBUF));
	printf("tos %d", GET(IPPROTO_IP, IP_TOS));
	SET(IPPROTO_IP, IP_TOS, 0x10);
	printf(" -> %#x ttl %d", GET(IPPROTO_IP, IP_TOS), GET(IPPROTO_IP, IP_TTL));
	SET(IPPROTO_IP, IP_TTL, 9);
	printf(" -> %d\n", GET(IPPROTO_IP, IP_TTL));
	RESULT("ttl 0", SET(IPPROTO_IP, IP_TTL, 0));
	RESULT("ttl 256", SET(IPPROTO_IP, IP_TTL, 256));
	printf("maxseg positive %d\n", GET(IPPROTO_TCP, TCP_MAXSEG) > 0);
	printf("type %d protocol %d domain %d acceptconn %d error %d\n", GET(SOL_SOCKET, SO_TYPE),
	       GET(SOL_SOCKET, SO_PROTOCOL), GET(SOL_SOCKET, SO_DOMAIN),
	       GET(SOL_SOCKET, SO_ACCEPTCONN), GET(SOL_SOCKET, SO_ERROR));
	RESULT("ipv6 option on inet", SET(IPPROTO_IPV6, IPV6_V6ONLY, 1));
	RESULT("unknown tcp option", SET(IPPROTO_TCP, 9999, 1));
	struct tcp_info ti;
	len = sizeof(ti);
	RESULT("tcp_info", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
	printf("tcp_info state %u\n", ti.tcpi_state);
	close(c);
	close(s);
	int l = listener(AF_INET6);
	len = sizeof(ti);
	getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len);
	c = l;
	printf("listener state %u acceptconn %d v6only %d tclass %d hops %d\n", ti.tcpi_state,
	       GET(SOL_SOCKET, SO_ACCEPTCONN), GET(IPPROTO_IPV6, IPV6_V6ONLY),
	       GET(IPPROTO_IPV6, IPV6_TCLASS), GET(IPPROTO_IPV6, IPV6_UNICAST_HOPS));
	RESULT("v6only after bind", SET(IPPROTO_IPV6, IPV6_V6ONLY, 1));
	SET(IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	printf("tclass %d\n", GET(IPPROTO_IPV6, IPV6_TCLASS));
	RESULT("tclass 300", SET(IPPROTO_IPV6, IPV6_TCLASS, 300));
	close(l);
}

static void dual_stack(void)
{
	printf("== dual stack\n");
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
	bind(l, (void *)&any, sizeof(any));
	listen(l, 4);
	show_name("listener", l, 0);
	int c = connect_to(AF_INET, port_of(l));
	int s = accept(l, NULL, NULL);
	show_name("v4 client seen by v6 server", s, 1);
	show_name("v6 server name", s, 0);
	close(c);
	close(s);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = htons(port_of(l)) };
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
	RESULT("v6 socket to mapped v4", connect(c6, (void *)&m, sizeof(m)));
	show_name("its name", c6, 0);
	s = accept(l, NULL, NULL);
	close(s);
	close(c6);
	close(l);
	l = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1;
	RESULT("v6only", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	bind(l, (void *)&any, sizeof(any));
	listen(l, 4);
	c = socket(AF_INET, SOCK_STREAM, 0);
	struct addr a = loop_addr(AF_INET, port_of(l));
	RESULT("v4 to v6only", connect(c, (void *)&a.ss, a.len));
	close(c);
	c6 = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	errno = 0;
	int r = connect(c6, (void *)&m, sizeof(m));
	printf("v6only socket to mapped: %d %s\n", r, errno == ENETUNREACH ? "ENETUNREACH" : errname(errno));
	close(c6);
	close(l);
	/* One port, both families, SO_REUSEADDR (as nginx's listen 80 and listen [::]:80): an
	   IPv6-only wildcard beside an IPv4 listener and the other way round; a dual-stack one
	   conflicts, and so does a second IPv6-only listener. */
	for (int order = 0; order < 4; order++) {
		int v4 = socket(AF_INET, SOCK_STREAM, 0), v6 = socket(AF_INET6, SOCK_STREAM, 0);
		int v6b = socket(AF_INET6, SOCK_STREAM, 0);
		setsockopt(v4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(v6, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(v6b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		int only = order != 2;
		setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof(only));
		setsockopt(v6b, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		struct sockaddr_in any4 = { .sin_family = AF_INET };
		bind(v4, (void *)&any4, sizeof(any4));
		listen(v4, 4);
		struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any,
					     .sin6_port = htons(port_of(v4)) };
		char what[96];
		if (order == 1) {
			/* the IPv6-only listener first, then IPv4 on its port */
			close(v4);
			any6.sin6_port = 0;
			bind(v6, (void *)&any6, sizeof(any6));
			listen(v6, 4);
			v4 = socket(AF_INET, SOCK_STREAM, 0);
			setsockopt(v4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			any4.sin_port = htons(port_of(v6));
			RESULT("ipv4 wildcard beside an ipv6-only listener",
			       bind(v4, (void *)&any4, sizeof(any4)));
		} else {
			snprintf(what, sizeof(what), "%s wildcard beside an ipv4 listener",
				 order == 2 ? "dual-stack" : "ipv6-only");
			RESULT(what, bind(v6, (void *)&any6, sizeof(any6)));
			if (order == 3) {
				listen(v6, 4);
				RESULT("  a second ipv6-only wildcard",
				       bind(v6b, (void *)&any6, sizeof(any6)));
			}
		}
		close(v4);
		close(v6);
		close(v6b);
	}
	/* without SO_REUSEADDR: a dual-stack wildcard beside an IPv6-only one (both bound) */
	int a6 = socket(AF_INET6, SOCK_STREAM, 0), d6 = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(a6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	struct sockaddr_in6 w6 = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
	bind(a6, (void *)&w6, sizeof(w6));
	w6.sin6_port = htons(port_of(a6));
	RESULT("dual-stack wildcard beside a bound ipv6-only one", bind(d6, (void *)&w6, sizeof(w6)));
	close(a6);
	close(d6);
}

static void pump(int fd, unsigned seed, unsigned total)
{
	static char buf[65536];
	unsigned done = 0, x = seed;
	while (done < total) {
		unsigned n = (done / 7) % 2 ? 65536 : 7777;
		n = total - done < n ? total - done : n;
		for (unsigned i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			buf[i] = (char)(x >> 16);
		}
		for (unsigned off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w <= 0) {
				printf("write: %s\n", errname(errno));
				exit(1);
			}
			off += w;
		}
		done += n;
	}
}

static unsigned long long drain(int fd, unsigned long *total)
{
	static char buf[100000];
	unsigned long long h = FNV_INIT;
	ssize_t n;
	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		h = fnv1a(h, buf, n);
		*total += n;
	}
	return h;
}

static void bulk(int family)
{
	printf("== bulk %s\n", family == AF_INET ? "inet" : "inet6");
	int l = listener(family), port = port_of(l);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int c = connect_to(family, port);
		pump(c, 1, BIG);
		shutdown(c, SHUT_WR);
		unsigned long total;
		unsigned long long h = drain(c, &total);
		printf("child got %lu bytes, checksum %016llx\n", total, h);
		close(c);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	unsigned long total;
	unsigned long long h = drain(s, &total);
	printf("parent got %lu bytes, checksum %016llx\n", total, h);
	fflush(stdout);
	pump(s, 2, BIG);
	close(s);
	int st;
	waitpid(pid, &st, 0);
	printf("child status %d\n", st);
	close(l);
}

static void waitall_and_sendfile(void)
{
	printf("== waitall, sendfile\n");
	int l = listener(AF_INET), port = port_of(l);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int c = connect_to(AF_INET, port);
		for (int i = 0; i < 3; i++) {
			send(c, "abcd", 4, 0);
			usleep(20000);
		}
		char path[] = "/tmp/inet_tcp_XXXXXX";
		int f = mkstemp(path);
		unlink(path);
		pump(f, 3, 300000);
		off_t off = 0;
		long n = 0, r;
		while ((r = sendfile(c, f, &off, 300000 - n)) > 0)
			n += r;
		close(f);
		close(c);
		_exit(n == 300000 ? 0 : 1);
	}
	int s = accept(l, NULL, NULL);
	char buf[16] = { 0 };
	RESULT("recv waitall", recv(s, buf, 12, MSG_WAITALL));
	printf("got %s\n", buf);
	unsigned long total;
	unsigned long long h = drain(s, &total);
	printf("sendfile: %lu bytes, checksum %016llx\n", total, h);
	int st;
	waitpid(pid, &st, 0);
	printf("child status %d\n", st);
	close(s);
	close(l);
}

static void in_process(void)
{
	printf("== in process\n");
	int c, s;
	pair(AF_INET6, &c, &s);
	static char buf[65536];
	memset(buf, 'q', sizeof(buf));
	RESULT("send 64k", send(c, buf, sizeof(buf), 0));
	unsigned long got = 0;
	long n;
	while (got < sizeof(buf) && (n = recv(s, buf, sizeof(buf), 0)) > 0)
		got += n;
	printf("received %lu\n", got);
	struct pollfd p[2] = { { c, POLLIN | POLLOUT, 0 }, { s, POLLIN | POLLOUT, 0 } };
	poll(p, 2, 0);
	printf("poll idle %#x %#x\n", p[0].revents, p[1].revents);
	int f = socket(AF_INET, SOCK_STREAM, 0);
	p[0] = (struct pollfd){ f, POLLIN | POLLOUT, 0 };
	poll(p, 1, 0);
	printf("poll fresh %#x\n", p[0].revents);
	close(f);
	close(c);
	close(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	basic(AF_INET);
	basic(AF_INET6);
	errors();
	peer_gone();
	nonblocking();
	options();
	dual_stack();
	in_process();
	bulk(AF_INET);
	bulk(AF_INET6);
	waitall_and_sendfile();
	return 0;
}
