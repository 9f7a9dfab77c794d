/* UDP over loopback (127.0.0.1, ::1, dual stack): sendto/recvfrom with source addresses,
   connect and send, MSG_TRUNC and MSG_PEEK, poll (datagrams over 3952 bytes to loopback are a
   known unik limit, see net/inet_udp.c),
   FIONREAD, the errno cases, ICMP port unreachable on a connected socket. Prints no ports. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "compat.h"
#include "inet_loop.h"

static int bound(int family)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(family, 0, &ss);
	if (bind(fd, (void *)&ss, len)) {
		printf("bind: %s\n", errname(errno));
		exit(1);
	}
	return fd;
}

static void basic(int family)
{
	printf("== %s\n", family == AF_INET ? "inet" : "inet6");
	int a = bound(family), b = bound(family);
	struct sockaddr_storage to, from;
	socklen_t tolen = loop_addr(family, port_of(b), &to), flen = sizeof(from);
	RESULT("sendto", sendto(a, "one", 3, 0, (void *)&to, tolen));
	RESULT("sendto", sendto(a, "second", 6, 0, (void *)&to, tolen));
	int avail = -1;
	ioctl(b, FIONREAD, &avail);
	printf("FIONREAD %d\n", avail);
	struct pollfd p = { b, POLLIN | POLLOUT, 0 };
	poll(&p, 1, 0);
	printf("poll %#x\n", p.revents);
	char buf[70000];
	RESULT("recvfrom peek", recvfrom(b, buf, sizeof(buf), MSG_PEEK, (void *)&from, &flen));
	RESULT("recvfrom", recvfrom(b, buf, sizeof(buf), 0, (void *)&from, &flen));
	show_addr("from", &from, flen, port_of(a));
	struct msghdr mh = { 0 };
	struct iovec iov = { buf, 2 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	RESULT("recvmsg truncated", recvmsg(b, &mh, 0));
	printf("flags trunc %d\n", !!(mh.msg_flags & MSG_TRUNC));
	RESULT("recv empty", recv(b, buf, sizeof(buf), MSG_DONTWAIT));
	RESULT("connect", connect(a, (void *)&to, tolen));
	RESULT("send connected", send(a, "three", 5, 0));
	RESULT("recv MSG_TRUNC", recv(b, buf, 2, MSG_TRUNC));
	static char big[3000];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	RESULT("send 3000", send(a, big, sizeof(big), 0));
	memset(buf, 0, sizeof(buf));
	RESULT("recv 3000", recv(b, buf, sizeof(buf), 0));
	fact("3000 intact", !memcmp(buf, big, sizeof(big)));
	/* far above a page: the loopback carries it whole */
	static char huge[60000], hbuf[65536];
	for (unsigned i = 0; i < sizeof(huge); i++)
		huge[i] = (char)(i * 13);
	RESULT("send 60000", send(a, huge, sizeof(huge), 0));
	RESULT("recv 60000", recv(b, hbuf, sizeof(hbuf), 0));
	fact("60000 intact", !memcmp(hbuf, huge, sizeof(huge)));
	RESULT("send too big", send(a, big, 65536, 0) < 0 ? -1 : 0);
	struct sockaddr_storage pn;
	socklen_t pl = sizeof(pn);
	getpeername(a, (void *)&pn, &pl);
	show_addr("peer", &pn, pl, port_of(b));
	RESULT("peer of unconnected", getpeername(b, (void *)&pn, &pl));
	RESULT("send unconnected", send(b, "x", 1, 0));
	RESULT("sendto port 0", sendto(b, "x", 1, 0, (void *)&to, (loop_addr(family, 0, &to), tolen)));
	RESULT("bind again", bind(b, (void *)&to, tolen));
	struct sockaddr_storage un = { .ss_family = AF_UNSPEC };
	RESULT("disconnect", connect(a, (void *)&un, sizeof(un)));
	RESULT("send after disconnect", send(a, "x", 1, 0));
	struct timeval tv = { 0, 30000 };
	setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	RESULT("recv timeout", recv(b, buf, sizeof(buf), 0));
	RESULT("shutdown unconnected", shutdown(b, SHUT_RD));
	RESULT("recv after SHUT_RD", recv(b, buf, sizeof(buf), 0));
	close(a);
	close(b);
}

static void dual_and_options(void)
{
	printf("== dual stack, options\n");
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
	bind(s6, (void *)&any, sizeof(any));
	int s4 = bound(AF_INET);
	struct sockaddr_storage to, from;
	socklen_t tolen = loop_addr(AF_INET, port_of(s6), &to), flen = sizeof(from);
	RESULT("v4 to dual", sendto(s4, "hi", 2, 0, (void *)&to, tolen));
	char buf[16];
	RESULT("recvfrom", recvfrom(s6, buf, sizeof(buf), 0, (void *)&from, &flen));
	show_addr("from", &from, flen, port_of(s4));
	int v = 0;
	socklen_t len = sizeof(v);
	getsockopt(s4, SOL_SOCKET, SO_BROADCAST, &v, &len);
	printf("broadcast %d\n", v);
	struct sockaddr_in bc = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
	RESULT("sendto broadcast without SO_BROADCAST", sendto(s4, "x", 1, 0, (void *)&bc, sizeof(bc)));
	len = sizeof(v);
	getsockopt(s4, SOL_SOCKET, SO_TYPE, &v, &len);
	printf("type %d", v);
	getsockopt(s4, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	printf(" protocol %d\n", v);
	v = 1;
	RESULT("tcp option on udp", setsockopt(s4, IPPROTO_TCP, 1, &v, sizeof(v)));
	RESULT("socket udp explicit", socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) >= 0 ? 0 : -1);
	close(s4);
	close(s6);
}

/* A connected socket sending to a port nobody has: the ICMP port unreachable makes the next
   receive (or send) fail with ECONNREFUSED, once; poll shows POLLERR meanwhile. An unconnected
   socket hears nothing of it. */
static void refused(int family)
{
	printf("-- port unreachable, %s\n", family == AF_INET ? "IPv4" : "IPv6");
	int gone = bound(family), port = port_of(gone);
	close(gone);
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(family, port, &ss);
	int c = socket(family, SOCK_DGRAM, 0);
	RESULT("connect", connect(c, (void *)&ss, len));
	RESULT("send", send(c, "x", 1, 0));
	struct pollfd p = { .fd = c, .events = POLLIN };
	RESULT("poll", poll(&p, 1, 2000));
	printf("revents: %s%s\n", p.revents & POLLERR ? "POLLERR " : "",
	       p.revents & POLLIN ? "POLLIN" : "");
	char b[4];
	RESULT("recv", recv(c, b, sizeof(b), MSG_DONTWAIT));
	RESULT("recv again", recv(c, b, sizeof(b), MSG_DONTWAIT));
	RESULT("send again", send(c, "y", 1, 0));
	poll(&p, 1, 2000);
	RESULT("the next send", send(c, "z", 1, 0));
	close(c);
	int u = socket(family, SOCK_DGRAM, 0);
	RESULT("sendto from an unconnected socket", sendto(u, "x", 1, 0, (void *)&ss, len));
	usleep(100000);
	RESULT("  its recv", recv(u, b, sizeof(b), MSG_DONTWAIT));
	close(u);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	basic(AF_INET);
	basic(AF_INET6);
	dual_and_options();
	refused(AF_INET);
	refused(AF_INET6);
	return 0;
}
