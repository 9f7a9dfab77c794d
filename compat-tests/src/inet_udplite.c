/* UDP-Lite (RFC 3828) over loopback: socket(AF_INET/AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE)
   pairs with full and partial checksum coverage; UDPLITE_SEND_CSCOV and UDPLITE_RECV_CSCOV
   (their rounding, the other levels and socket kinds, the errno cases); a receiver's minimum
   coverage dropping what covers less; UDP-Lite's own port space beside UDP's (the same port
   bound by both, the ICMP port unreachable for a port only UDP has); /proc/net/udplite{,6};
   and, as root, raw IPPROTO_UDPLITE sockets: the coverage field and checksum of what the stack
   sends, and the datagrams the receive refuses (coverage below 8 or past the end, checksum 0).
   Prints no ports. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
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

#define PROTO_UDPLITE 136       /* IPPROTO_UDPLITE; SOL_UDPLITE too */
#define SEND_CSCOV 10           /* UDPLITE_SEND_CSCOV */
#define RECV_CSCOV 11           /* UDPLITE_RECV_CSCOV */

/* A socket of this family and protocol bound to loopback's port (0: any). */
static int bound(int family, int proto, int port)
{
	int fd = socket(family, SOCK_DGRAM, proto);
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(family, port, &ss);
	if (fd < 0 || bind(fd, (void *)&ss, len)) {
		printf("socket/bind: %s\n", errname(errno));
		exit(1);
	}
	return fd;
}

static int get_int(int fd, int level, int name)
{
	int v = -99;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, level, name, &v, &len))
		return -1000 - errno;
	return v;
}

static void set_int(int fd, int level, int name, int v)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)))
		printf("setsockopt %d %d: %s\n", level, name, errname(errno));
}

static void show_get(const char *what, int fd, int level, int name)
{
	int v = get_int(fd, level, name);
	if (v <= -1000)
		printf("%s: -1 %s\n", what, errname(-1000 - v));
	else
		printf("%s: %d\n", what, v);
}

static void creation(void)
{
	printf("== creation\n");
	for (int i = 0; i < 2; i++) {
		int fd = socket(i ? AF_INET6 : AF_INET, SOCK_DGRAM, PROTO_UDPLITE);
		printf("%s: %s", i ? "inet6" : "inet", fd >= 0 ? "ok" : errname(errno));
		printf(" type %d protocol %d domain %d\n", get_int(fd, SOL_SOCKET, SO_TYPE),
		       get_int(fd, SOL_SOCKET, SO_PROTOCOL),
		       get_int(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
		close(fd);
	}
	RESULT("stream", socket(AF_INET, SOCK_STREAM, PROTO_UDPLITE));
	RESULT("stream6", socket(AF_INET6, SOCK_STREAM, PROTO_UDPLITE));
	RESULT("seqpacket", socket(AF_INET, SOCK_SEQPACKET, PROTO_UDPLITE));
}

static void options(void)
{
	printf("== options\n");
	int a = socket(AF_INET, SOCK_DGRAM, PROTO_UDPLITE);
	show_get("default send", a, PROTO_UDPLITE, SEND_CSCOV);
	show_get("default recv", a, PROTO_UDPLITE, RECV_CSCOV);
	static const int vals[] = { 1, 7, 8, 9, 0, -1, -100, 1000, 65535, 65536, 100000 };
	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		set_int(a, PROTO_UDPLITE, SEND_CSCOV, vals[i]);
		set_int(a, PROTO_UDPLITE, RECV_CSCOV, vals[i] + 1);
		printf("set %d, %d: send %d recv %d\n", vals[i], vals[i] + 1,
		       get_int(a, PROTO_UDPLITE, SEND_CSCOV), get_int(a, PROTO_UDPLITE, RECV_CSCOV));
	}
	int v = 20;
	RESULT("SOL_UDP level", setsockopt(a, IPPROTO_UDP, SEND_CSCOV, &v, sizeof(v)));
	show_get("  read at SOL_UDPLITE", a, PROTO_UDPLITE, SEND_CSCOV);
	show_get("  read at SOL_UDP", a, IPPROTO_UDP, SEND_CSCOV);
	RESULT("optlen 2", setsockopt(a, PROTO_UDPLITE, SEND_CSCOV, &v, 2));
	long long big = 30;
	RESULT("optlen 8", setsockopt(a, PROTO_UDPLITE, RECV_CSCOV, &big, sizeof(big)));
	show_get("  recv", a, PROTO_UDPLITE, RECV_CSCOV);
	RESULT("unknown name", setsockopt(a, PROTO_UDPLITE, 12, &v, sizeof(v)));
	show_get("unknown name get", a, PROTO_UDPLITE, 12);
	short s = -1;
	socklen_t sl = sizeof(s);
	RESULT("get optlen 2", getsockopt(a, PROTO_UDPLITE, SEND_CSCOV, &s, &sl));
	printf("  len %u value %d\n", sl, s);
	sl = 0;
	RESULT("get optlen 0", getsockopt(a, PROTO_UDPLITE, SEND_CSCOV, &s, &sl));
	printf("  len %u\n", sl);
	close(a);

	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	RESULT("udp: set send", setsockopt(u, PROTO_UDPLITE, SEND_CSCOV, &v, sizeof(v)));
	RESULT("udp: set recv", setsockopt(u, PROTO_UDPLITE, RECV_CSCOV, &v, sizeof(v)));
	RESULT("udp: set at SOL_UDP", setsockopt(u, IPPROTO_UDP, SEND_CSCOV, &v, sizeof(v)));
	show_get("udp: get send", u, PROTO_UDPLITE, SEND_CSCOV);
	show_get("udp: get recv at SOL_UDP", u, IPPROTO_UDP, RECV_CSCOV);
	close(u);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	RESULT("tcp: set", setsockopt(t, PROTO_UDPLITE, SEND_CSCOV, &v, sizeof(v)));
	show_get("tcp: get", t, PROTO_UDPLITE, SEND_CSCOV);
	close(t);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	show_get("tcp6: get", t, PROTO_UDPLITE, SEND_CSCOV);
	close(t);
	int r = socket(AF_INET, SOCK_RAW, PROTO_UDPLITE);
	RESULT("raw: set", setsockopt(r, PROTO_UDPLITE, SEND_CSCOV, &v, sizeof(v)));
	show_get("raw: get", r, PROTO_UDPLITE, SEND_CSCOV);
	close(r);
}

static void pair(int family)
{
	printf("== pair %s\n", family == AF_INET ? "inet" : "inet6");
	int a = bound(family, PROTO_UDPLITE, 0), b = bound(family, PROTO_UDPLITE, 0);
	struct sockaddr_storage to, from;
	socklen_t tolen = loop_addr(family, port_of(b), &to), flen = sizeof(from);
	struct pollfd p = { b, POLLIN | POLLOUT, 0 };
	poll(&p, 1, 0);
	printf("poll empty %#x\n", p.revents);
	RESULT("sendto full", sendto(a, "full coverage", 13, 0, (void *)&to, tolen));
	set_int(a, PROTO_UDPLITE, SEND_CSCOV, 8);
	RESULT("sendto header only", sendto(a, "partial", 7, 0, (void *)&to, tolen));
	poll(&p, 1, 1000);
	printf("poll %#x\n", p.revents);
	int avail = -1;
	ioctl(b, FIONREAD, &avail);
	printf("FIONREAD %d\n", avail);
	char buf[4096];
	struct iovec iov = { buf, 4 };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	RESULT("recvmsg into 4 bytes", recvmsg(b, &mh, 0));
	printf("  %.4s trunc %d\n", buf, !!(mh.msg_flags & MSG_TRUNC));
	show_addr("from", &from, mh.msg_namelen, port_of(a));
	ssize_t n = recvfrom(b, buf, sizeof(buf), 0, (void *)&from, &flen);
	printf("recvfrom %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	show_addr("from", &from, flen, port_of(a));
	RESULT("connect", connect(a, (void *)&to, tolen));
	struct sockaddr_storage pn;
	socklen_t pl = sizeof(pn);
	RESULT("getpeername", getpeername(a, (void *)&pn, &pl));
	show_addr("peer", &pn, pl, port_of(b));
	set_int(a, PROTO_UDPLITE, SEND_CSCOV, 20);
	static char big[3000];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	RESULT("send 3000 coverage 20", send(a, big, sizeof(big), 0));
	static char rbuf[4000];
	RESULT("recv", recv(b, rbuf, sizeof(rbuf), 0));
	fact("intact", !memcmp(rbuf, big, sizeof(big)));
	RESULT("send MSG_PEEK'd", send(a, "peek", 4, 0));
	RESULT("recv MSG_PEEK", recv(b, buf, sizeof(buf), MSG_PEEK));
	RESULT("recv MSG_TRUNC", recv(b, buf, 1, MSG_TRUNC));
	RESULT("recv empty", recv(b, buf, sizeof(buf), MSG_DONTWAIT));
	RESULT("send too big", send(a, big, 65536, 0) < 0 ? -1 : 0);
	struct sockaddr_storage un = { .ss_family = AF_UNSPEC };
	RESULT("disconnect", connect(a, (void *)&un, sizeof(un)));
	RESULT("send unconnected", send(a, "x", 1, 0));
	close(a);
	close(b);
}

/* Receives until the "end" datagram, printing what came. */
static void drain(int fd)
{
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[512];
	printf("  received:");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			printf(" (%s)", errname(errno));
			break;
		}
		buf[n] = 0;
		printf(" %s", buf);
		if (!strcmp(buf, "end"))
			break;
	}
	printf("\n");
}

/* a sends a 100-byte datagram named by label with send coverage cov (-1: never set). */
static void send_cov(int a, const struct sockaddr_storage *to, socklen_t tolen, const char *label,
		     int cov)
{
	if (cov >= 0)
		set_int(a, PROTO_UDPLITE, SEND_CSCOV, cov);
	char buf[100] = { 0 };
	strcpy(buf, label);
	if (sendto(a, buf, sizeof(buf), 0, (const void *)to, tolen) != sizeof(buf))
		printf("sendto %s: %s\n", label, errname(errno));
}

/* b's minimum coverage set to min (-1: never set), then datagrams "covN" from a with send
   coverage N for each of the n in covs (-1: "default", from fresh, whose coverage was never
   set) and "end"; prints what b received. */
static void minimum_round(int a, int fresh, int b, int min, const int *covs, int n)
{
	struct sockaddr_storage to;
	socklen_t tolen = sizeof(to);
	getsockname(b, (void *)&to, &tolen);            /* its loopback address */
	if (min >= 0)
		set_int(b, PROTO_UDPLITE, RECV_CSCOV, min);
	printf("minimum %d, sent:", min);
	for (int i = 0; i < n; i++) {
		char label[16];
		snprintf(label, sizeof(label), covs[i] < 0 ? "default" : "cov%d", covs[i]);
		printf(" %s", label);
		send_cov(covs[i] < 0 ? fresh : a, &to, tolen, label, covs[i]);
	}
	printf("\n");
	send_cov(a, &to, tolen, "end", 0);
	drain(b);
}

/* The receiver's minimum coverage: partial coverage below it is dropped, and with a minimum
   of 0 (full coverage required) any partial coverage; full coverage (0, or at least the
   datagram's 108 bytes) always passes. */
static void minimum(int family)
{
	static const int unset[] = { 8, -1 }, min20[] = { 8, 19, 20, 21, 0, 108, 200, -1 },
			 min0[] = { 20, 107, 108, 0, -1 };
	printf("== receive minimum %s\n", family == AF_INET ? "inet" : "inet6");
	int b = bound(family, PROTO_UDPLITE, 0);
	int fresh = socket(family, SOCK_DGRAM, PROTO_UDPLITE);
	int a = socket(family, SOCK_DGRAM, PROTO_UDPLITE);
	minimum_round(a, fresh, b, -1, unset, 2);
	minimum_round(a, fresh, b, 20, min20, 8);
	minimum_round(a, fresh, b, 0, min0, 5);
	close(a);
	close(fresh);
	close(b);
}

/* A dual-stack AF_INET6 UDP-Lite socket hears an AF_INET one, from a v4-mapped address. */
static void dual(void)
{
	printf("== dual stack\n");
	int s6 = socket(AF_INET6, SOCK_DGRAM, PROTO_UDPLITE);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
	RESULT("bind ::", bind(s6, (void *)&any, sizeof(any)));
	int s4 = bound(AF_INET, PROTO_UDPLITE, 0);
	set_int(s4, PROTO_UDPLITE, SEND_CSCOV, 9);
	struct sockaddr_storage to, from;
	socklen_t tolen = loop_addr(AF_INET, port_of(s6), &to), flen = sizeof(from);
	RESULT("v4 to dual", sendto(s4, "hi", 2, 0, (void *)&to, tolen));
	char buf[16];
	struct timeval tv = { 2, 0 };
	setsockopt(s6, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	RESULT("recvfrom", recvfrom(s6, buf, sizeof(buf), 0, (void *)&from, &flen));
	show_addr("from", &from, flen, port_of(s4));
	close(s4);
	close(s6);
}

static void ports(int family)
{
	printf("== port spaces %s\n", family == AF_INET ? "inet" : "inet6");
	int u = bound(family, 0, 0), port = port_of(u);
	int l = socket(family, SOCK_DGRAM, PROTO_UDPLITE);
	struct sockaddr_storage to;
	socklen_t tolen = loop_addr(family, port, &to);
	RESULT("bind udplite to udp's port", bind(l, (void *)&to, tolen));
	int l2 = socket(family, SOCK_DGRAM, PROTO_UDPLITE);
	RESULT("bind a second udplite there", bind(l2, (void *)&to, tolen));
	int us = socket(family, SOCK_DGRAM, 0), ls = socket(family, SOCK_DGRAM, PROTO_UDPLITE);
	RESULT("udp sendto", sendto(us, "to udp", 6, 0, (void *)&to, tolen));
	RESULT("udplite sendto", sendto(ls, "to udplite", 10, 0, (void *)&to, tolen));
	char buf[64];
	struct pollfd p[2] = { { u, POLLIN, 0 }, { l, POLLIN, 0 } };
	poll(p, 2, 1000);
	ssize_t n = recv(u, buf, sizeof(buf), MSG_DONTWAIT);
	printf("udp got %.*s\n", (int)(n > 0 ? n : 0), buf);
	RESULT("  and no more", recv(u, buf, sizeof(buf), MSG_DONTWAIT));
	n = recv(l, buf, sizeof(buf), MSG_DONTWAIT);
	printf("udplite got %.*s\n", (int)(n > 0 ? n : 0), buf);
	RESULT("  and no more", recv(l, buf, sizeof(buf), MSG_DONTWAIT));
	close(l);
	close(l2);
	printf("-- a port only udp has\n");
	RESULT("connect", connect(ls, (void *)&to, tolen));
	RESULT("send", send(ls, "x", 1, 0));
	struct pollfd e = { ls, POLLIN, 0 };
	RESULT("poll", poll(&e, 1, 2000));
	printf("revents %#x\n", e.revents);
	RESULT("recv", recv(ls, buf, sizeof(buf), MSG_DONTWAIT));
	RESULT("recv again", recv(ls, buf, sizeof(buf), MSG_DONTWAIT));
	RESULT("udp still empty", recv(u, buf, sizeof(buf), MSG_DONTWAIT));
	close(u);
	close(us);
	close(ls);
}

/* Whether /proc/net/FILE has a line whose local port is port. */
static int proc_has(const char *file, int port)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/net/%s", file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int found = 0;
	unsigned lport;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*[0-9A-F]:%x", &lport) == 1 && lport == (unsigned)port)
			found = 1;
	fclose(f);
	return found;
}

static void procnet(void)
{
	printf("== /proc/net\n");
	FILE *f = fopen("/proc/net/udplite", "r");
	char line[512] = "";
	if (f && fgets(line, sizeof(line), f))
		printf("udplite header: %.*s\n", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
	int l4 = bound(AF_INET, PROTO_UDPLITE, 0), l6 = bound(AF_INET6, PROTO_UDPLITE, 0);
	int u4 = bound(AF_INET, 0, 0);
	int p4 = port_of(l4), p6 = port_of(l6), pu = port_of(u4);
	printf("udplite v4 socket: udplite %d udp %d udplite6 %d\n", proc_has("udplite", p4),
	       proc_has("udp", p4), proc_has("udplite6", p4));
	printf("udplite v6 socket: udplite6 %d udp6 %d udplite %d\n", proc_has("udplite6", p6),
	       proc_has("udp6", p6), proc_has("udplite", p6));
	printf("udp socket: udp %d udplite %d\n", proc_has("udp", pu), proc_has("udplite", pu));
	close(l4);
	close(l6);
	close(u4);
}

/* The pseudo-header sum of IPv4 header ip for a UDP-Lite datagram of len bytes. */
static unsigned long pseudo4(const uint8_t *ip, size_t len)
{
	unsigned long sum = PROTO_UDPLITE + len;
	for (int i = 12; i < 20; i += 2)
		sum += (unsigned long)(ip[i] << 8 | ip[i + 1]);
	return sum;
}

/* What a raw IPPROTO_UDPLITE socket sees of the datagrams the stack sends: IP protocol 136,
   the coverage field where UDP has its length, a checksum over the covered bytes. */
static void raw_view(void)
{
	printf("== raw view\n");
	int r = socket(AF_INET, SOCK_RAW, PROTO_UDPLITE);
	int b = bound(AF_INET, PROTO_UDPLITE, 0), a = bound(AF_INET, PROTO_UDPLITE, 0);
	struct sockaddr_storage to;
	socklen_t tolen = loop_addr(AF_INET, port_of(b), &to);
	static const int covs[] = { -1, 8, 20, 0, 500 };
	for (unsigned i = 0; i < sizeof(covs) / sizeof(covs[0]); i++) {
		send_cov(a, &to, tolen, "raw", covs[i]);
		uint8_t pkt[512];
		struct pollfd p = { r, POLLIN, 0 };
		if (poll(&p, 1, 2000) != 1) {
			printf("cov %d: nothing\n", covs[i]);
			continue;
		}
		ssize_t n = recv(r, pkt, sizeof(pkt), 0);
		size_t hl = (pkt[0] & 15u) * 4;
		const uint8_t *u = pkt + hl;
		size_t ulen = (size_t)n - hl, field = (size_t)(u[4] << 8 | u[5]);
		size_t covered = field ? field : ulen;
		int dport = u[2] << 8 | u[3];
		unsigned short c = ip_csum(u, covered, pseudo4(pkt, ulen));
		printf("cov %d: proto %u length %zu field %zu dport matches %d checksum %s\n",
		       covs[i], pkt[9], ulen, field, dport == port_of(b),
		       !(u[6] | u[7]) ? "0" : c ? "bad" : "good");
		recv(b, pkt, sizeof(pkt), MSG_DONTWAIT);
	}
	close(r);
	close(a);
	close(b);
}

/* Datagrams built by hand through a raw socket: the receive drops a coverage of 1-7 or past
   the datagram's end and a checksum of 0, as RFC 3828 asks; coverage 0 is the whole. */
static void raw_crafted(void)
{
	printf("== crafted\n");
	int r = socket(AF_INET, SOCK_RAW, PROTO_UDPLITE);
	int b = bound(AF_INET, PROTO_UDPLITE, 0);
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct {
		const char *label;
		int cov, zero_sum;
	} cases[] = {
		{ "cov4", 4, 0 }, { "cov7", 7, 0 }, { "cov8", 8, 0 }, { "cov33", 33, 0 },
		{ "cov32", 32, 0 }, { "cov0", 0, 0 }, { "sum0", 0, 1 }, { "end", 12, 0 },
	};
	uint8_t ph[20] = { 0 };            /* only its addresses count: 127.0.0.1 both */
	ph[12] = ph[16] = 127;
	ph[15] = ph[19] = 1;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t u[32] = { 0 };
		u[0] = 0x12;
		u[1] = 0x34;
		u[2] = (uint8_t)(port_of(b) >> 8);
		u[3] = (uint8_t)port_of(b);
		u[4] = (uint8_t)(cases[i].cov >> 8);
		u[5] = (uint8_t)cases[i].cov;
		strcpy((char *)u + 8, cases[i].label);
		size_t covered = cases[i].cov ? (size_t)cases[i].cov : sizeof(u);
		if (covered > sizeof(u))
			covered = sizeof(u);
		unsigned short c = ip_csum(u, covered, pseudo4(ph, sizeof(u)));
		if (!cases[i].zero_sum) {
			u[6] = (uint8_t)((c ? c : 0xffff) >> 8);
			u[7] = (uint8_t)(c ? c : 0xffff);
		}
		if (sendto(r, u, sizeof(u), 0, (void *)&dst, sizeof(dst)) != sizeof(u))
			printf("sendto %s: %s\n", cases[i].label, errname(errno));
	}
	drain(b);
	close(r);
	close(b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	creation();
	options();
	pair(AF_INET);
	pair(AF_INET6);
	minimum(AF_INET);
	minimum(AF_INET6);
	dual();
	ports(AF_INET);
	ports(AF_INET6);
	procnet();
	raw_view();
	raw_crafted();
	return 0;
}
