/* inet_hdrincl: raw sockets that send their own IP header, as root: IPPROTO_RAW sockets (IPv4
 * and IPv6; EPERM without CAP_NET_RAW), IP_HDRINCL and IPV6_HDRINCL (where each may be set and
 * read), and what the kernel fills in of a header a program wrote (total length, an
 * identification unless DF is set, a missing source, the header checksum) as raw sockets of
 * the packet's protocol see it. Over loopback a header-included UDP datagram reaches a UDP
 * socket unless its checksum is wrong, an ICMP echo request gets its reply, a packet of
 * protocol 255 reaches the IPPROTO_RAW socket, and an ICMP error about such a datagram gives a
 * raw socket with IP_HDRINCL the quoted packet from its IP header on. Then the send's errors. */
#include "compat.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define IPV6_HDRINCL_OPT 36
#define SOL_RAW_LEVEL 255
#define LOOPBACK htonl(0x7f000001)
#define SPORT 4444              /* the source port the headers carry */
#define ECHO_ID 0x4d55

static const char payload[] = "hello";
static const struct sockaddr_in lo4 = { .sin_family = AF_INET, .sin_addr.s_addr = 0x0100007f };

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* An IPv4 header with what the kernel should replace wrong: total length 0x1234, checksum
 * 0xdead. src and dst in network order; frag the flags and offset word. */
static void ip4(uint8_t *b, uint8_t proto, uint32_t src, uint16_t id, uint16_t frag)
{
	uint32_t dst = LOOPBACK;
	memset(b, 0, 20);
	b[0] = 0x45;
	b[1] = 0x10;
	b[2] = 0x12;
	b[3] = 0x34;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 33;
	b[9] = proto;
	b[10] = 0xde;
	b[11] = 0xad;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
}

/* The sum of the UDP pseudo-header of IPv4 header b and tl bytes of UDP. */
static unsigned long pseudo4(const uint8_t *b, size_t tl)
{
	unsigned long sum = IPPROTO_UDP + tl;
	for (int i = 12; i < 20; i += 2)
		sum += (unsigned long)(b[i] << 8 | b[i + 1]);
	return sum;
}

/* At u: a UDP header SPORT -> dport, checksum 0, and the payload; their length. */
static size_t udp_hdr(uint8_t *u, uint16_t dport)
{
	size_t n = 8 + sizeof(payload);
	memset(u, 0, 8);
	u[0] = SPORT >> 8;
	u[1] = SPORT & 0xff;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[5] = (uint8_t)n;
	memcpy(u + 8, payload, sizeof(payload));
	return n;
}

/* After an IPv4 header at b: a UDP datagram to dport, its checksum over the pseudo-header of
 * src -> 127.0.0.1 (csum 1), 0 (none), or a wrong one (2). */
static size_t udp4(uint8_t *b, uint16_t dport, uint32_t src, int csum)
{
	uint8_t *u = b + 20, ph[20];
	size_t n = udp_hdr(u, dport);
	memcpy(ph + 12, &src, 4);               /* the source the kernel fills in */
	memcpy(ph + 16, b + 16, 4);
	uint16_t c = csum == 1 ? ip_csum(u, n, pseudo4(ph, n)) : csum ? 0x1234 : 0;
	if (csum == 1 && !c)
		c = 0xffff;                     /* 0 would mean none */
	u[6] = (uint8_t)(c >> 8);
	u[7] = (uint8_t)c;
	return 20 + n;
}

/* After an IPv4 header at b: an ICMP echo request (ECHO_ID, seq), its checksum right (csum 1),
 * 0 (0) or wrong (2). */
static size_t echo4(uint8_t *b, uint16_t seq, int csum)
{
	uint8_t *m = b + 20;
	memset(m, 0, 8);
	m[0] = 8;
	m[4] = ECHO_ID >> 8;
	m[5] = ECHO_ID & 0xff;
	m[6] = (uint8_t)(seq >> 8);
	m[7] = (uint8_t)seq;
	memcpy(m + 8, payload, sizeof(payload));
	size_t n = 8 + sizeof(payload);
	uint16_t c = csum == 1 ? ip_csum(m, n, 0) : csum ? 0x1234 : 0;
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	return 20 + n;
}

static long send4(int fd, const void *b, size_t n)
{
	return sendto(fd, b, n, 0, (const struct sockaddr *)&lo4, sizeof(lo4));
}

/* The next packet on raw IPv4 socket fd that is ours: UDP to dport, or ICMP with ECHO_ID
 * (dport 0), skipping what other programs send over loopback. Its length, or 0. */
static ssize_t next4(int fd, uint16_t dport, uint8_t *b, size_t size)
{
	while (readable(fd, 1000)) {
		ssize_t n = recv(fd, b, size, 0);
		if (n < 28)
			continue;
		const uint8_t *t = b + (b[0] & 15) * 4;
		if (dport ? b[9] == IPPROTO_UDP && (t[2] << 8 | t[3]) == dport :
			    b[9] == IPPROTO_ICMP && (t[4] << 8 | t[5]) == ECHO_ID)
			return n;
	}
	return 0;
}

/* An IPv4 packet as a raw socket received it, without what varies between kernels. */
static void show4(const char *what, const uint8_t *b, ssize_t n)
{
	if (!n) {
		printf("%s: nothing\n", what);
		return;
	}
	unsigned hl = (b[0] & 15) * 4, id = (unsigned)(b[4] << 8 | b[5]);
	char src[16], dst[16];
	inet_ntop(AF_INET, b + 12, src, sizeof(src));
	inet_ntop(AF_INET, b + 16, dst, sizeof(dst));
	printf("%s: version %d header %u tos %#x length %s id %s%s ttl %d protocol %d %s -> %s "
	       "checksum %s\n", what, b[0] >> 4, hl, b[1],
	       (b[2] << 8 | b[3]) == n ? "filled in" : "wrong", id == 0 ? "0" :
	       id == 0x4242 ? "kept" : "filled in", b[6] & 0x40 ? " DF" : "", b[8], b[9], src,
	       dst, ip_csum(b, hl, 0) ? "bad" : "good");
	const uint8_t *t = b + hl;
	size_t tl = (size_t)n - hl;
	if (b[9] == IPPROTO_ICMP)
		printf("%s: ICMP type %d seq %d checksum %s, payload %s\n", what, t[0],
		       t[6] << 8 | t[7], !(t[2] | t[3]) ? "0" : ip_csum(t, tl, 0) ? "bad" : "good",
		       tl == 8 + sizeof(payload) && !memcmp(t + 8, payload, sizeof(payload)) ?
			       "same" : "differs");
	else
		printf("%s: UDP %d bytes, checksum %s\n", what, (int)tl, !(t[6] | t[7]) ? "none" :
		       ip_csum(t, tl, pseudo4(b, tl)) ? "bad" : "good");
}

/* Whether UDP socket u got the payload now, and from where. */
static void udp_got(const char *what, int u)
{
	char b[64], a[16];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	if (!readable(u, 300)) {
		printf("%s: nothing\n", what);
		return;
	}
	ssize_t n = recvfrom(u, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
	inet_ntop(AF_INET, &from.sin_addr, a, sizeof(a));
	printf("%s: %zd bytes from %s port %d, payload %s\n", what, n, a, ntohs(from.sin_port),
	       n == sizeof(payload) && !memcmp(b, payload, sizeof(payload)) ? "same" : "differs");
}

static void opt(const char *what, int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof(v);
	long r = getsockopt(fd, level, name, &v, &l);
	if (r < 0)
		result(what, r, errno);
	else
		printf("%s: %d (length %u)\n", what, v, (unsigned)l);
}

static void setopt(const char *what, int fd, int level, int name, int v, socklen_t len)
{
	RESULT(what, setsockopt(fd, level, name, &v, len));
}

/* socket(family, SOCK_RAW, IPPROTO_RAW) in a child without CAP_NET_RAW: as another user
 * (uid), or as root that dropped it from its effective set (uid 0). */
static void create_without_cap(const char *what, int family, uid_t uid)
{
	pid_t c = fork();
	if (c == 0) {
		if (uid) {
			if (setgid(uid) || setuid(uid))
				_exit(2);
		} else {
			struct { uint32_t version; int pid; } h = { 0x20080522, 0 };
			struct { uint32_t eff, prm, inh; } d[2];
			if (syscall(SYS_capget, &h, d))
				_exit(2);
			d[0].eff &= ~(1u << 13);        /* CAP_NET_RAW */
			if (syscall(SYS_capset, &h, d))
				_exit(2);
		}
		int s = socket(family, SOCK_RAW, IPPROTO_RAW);
		_exit(s < 0 ? (errno == EPERM ? 0 : 3) : 1);
	}
	int st;
	waitpid(c, &st, 0);
	printf("%s: %s\n", what, WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "EPERM" :
	       WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "created" : "failed");
}

static void options(void)
{
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	fact("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", r >= 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	getsockname(r, (struct sockaddr *)&a, &al);
	printf("getsockname: port %d\n", ntohs(a.sin_port));
	opt("IP_HDRINCL of IPPROTO_RAW", r, IPPROTO_IP, IP_HDRINCL);
	RESULT("recv on IPPROTO_RAW", recv(r, &a, sizeof(a), MSG_DONTWAIT));
	close(r);
	int i = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	opt("IP_HDRINCL of raw ICMP", i, IPPROTO_IP, IP_HDRINCL);
	setopt("IP_HDRINCL 5", i, IPPROTO_IP, IP_HDRINCL, 5, sizeof(int));
	opt("IP_HDRINCL now", i, IPPROTO_IP, IP_HDRINCL);
	setopt("IP_HDRINCL 0 of one byte", i, IPPROTO_IP, IP_HDRINCL, 0, 1);
	opt("IP_HDRINCL now", i, IPPROTO_IP, IP_HDRINCL);
	setopt("IP_HDRINCL 1 of one byte", i, IPPROTO_IP, IP_HDRINCL, 1, 1);
	setopt("IP_HDRINCL of no length", i, IPPROTO_IP, IP_HDRINCL, 1, 0);
	opt("IP_HDRINCL now", i, IPPROTO_IP, IP_HDRINCL);
	setopt("IP_HDRINCL at SOL_RAW", i, SOL_RAW_LEVEL, IP_HDRINCL, 1, sizeof(int));
	setopt("IPV6_HDRINCL on IPv4", i, IPPROTO_IPV6, IPV6_HDRINCL_OPT, 1, sizeof(int));
	close(i);
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	setopt("IP_HDRINCL on TCP", t, IPPROTO_IP, IP_HDRINCL, 1, sizeof(int));
	opt("IP_HDRINCL of TCP", t, IPPROTO_IP, IP_HDRINCL);
	setopt("IP_HDRINCL on UDP", u, IPPROTO_IP, IP_HDRINCL, 1, sizeof(int));
	opt("IP_HDRINCL of UDP", u, IPPROTO_IP, IP_HDRINCL);
	close(t);
	close(u);
	int r6 = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	fact("socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)", r6 >= 0);
	opt("IPV6_HDRINCL of IPPROTO_RAW", r6, IPPROTO_IPV6, IPV6_HDRINCL_OPT);
	opt("IP_HDRINCL of IPv6 IPPROTO_RAW", r6, IPPROTO_IP, IP_HDRINCL);
	close(r6);
	int u6 = socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
	opt("IPV6_HDRINCL of raw UDP", u6, IPPROTO_IPV6, IPV6_HDRINCL_OPT);
	setopt("IPV6_HDRINCL 1", u6, IPPROTO_IPV6, IPV6_HDRINCL_OPT, 1, sizeof(int));
	opt("IPV6_HDRINCL at SOL_RAW", u6, SOL_RAW_LEVEL, IPV6_HDRINCL_OPT);
	setopt("IPV6_HDRINCL of one byte", u6, IPPROTO_IPV6, IPV6_HDRINCL_OPT, 0, 1);
	setopt("IPV6_HDRINCL 0 at SOL_RAW", u6, SOL_RAW_LEVEL, IPV6_HDRINCL_OPT, 0, sizeof(int));
	opt("IPV6_HDRINCL now", u6, IPPROTO_IPV6, IPV6_HDRINCL_OPT);
	setopt("IP_HDRINCL on IPv6 raw", u6, IPPROTO_IP, IP_HDRINCL, 1, sizeof(int));
	close(u6);
	int d6 = socket(AF_INET6, SOCK_DGRAM, 0);
	setopt("IPV6_HDRINCL on UDP6", d6, IPPROTO_IPV6, IPV6_HDRINCL_OPT, 1, sizeof(int));
	opt("IPV6_HDRINCL of UDP6", d6, IPPROTO_IPV6, IPV6_HDRINCL_OPT);
	opt("IP_HDRINCL of UDP6", d6, IPPROTO_IP, IP_HDRINCL);
	close(d6);
	create_without_cap("IPPROTO_RAW as another user", AF_INET, 65534);
	create_without_cap("IPv6 IPPROTO_RAW as another user", AF_INET6, 65534);
	create_without_cap("IPPROTO_RAW as root without CAP_NET_RAW", AF_INET, 0);
}

/* Header-included UDP datagrams to a UDP socket, watched by a raw UDP socket. */
static void udp(void)
{
	static const struct {
		const char *what;
		int via;                /* 0 IPPROTO_RAW, 1 raw ICMP, 2 IPPROTO_RAW connected */
		uint32_t src;           /* host order; 0 for the kernel to fill in */
		uint16_t id, frag;
		int csum;               /* as udp4's */
	} cases[] = {
		{ "UDP, no source, no id", 0, 0, 0, 0, 0 },
		{ "UDP from 127.0.0.9, id 0x4242, checksum", 0, 0x7f000009, 0x4242, 0, 1 },
		{ "UDP with DF, no id", 0, 0x7f000001, 0, 0x4000, 1 },
		{ "UDP with a wrong checksum", 0, 0x7f000001, 0x4242, 0, 2 },
		{ "UDP through raw ICMP (the header's protocol counts)", 1, 0, 0x4242, 0, 1 },
		{ "send connected", 2, 0, 0x4242, 0, 1 },
	};
	int fd[3] = { socket(AF_INET, SOCK_RAW, IPPROTO_RAW), socket(AF_INET, SOCK_RAW, IPPROTO_ICMP),
		      socket(AF_INET, SOCK_RAW, IPPROTO_RAW) };
	int w = socket(AF_INET, SOCK_RAW, IPPROTO_UDP), u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo4;
	socklen_t al = sizeof(a);
	bind(u, (struct sockaddr *)&a, sizeof(a));
	getsockname(u, (struct sockaddr *)&a, &al);
	uint16_t port = ntohs(a.sin_port);
	uint8_t b[128], got[256];
	setopt("IP_HDRINCL on raw ICMP", fd[1], IPPROTO_IP, IP_HDRINCL, 1, sizeof(int));
	RESULT("connect IPPROTO_RAW", connect(fd[2], (const struct sockaddr *)&lo4, sizeof(lo4)));
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint32_t src = htonl(cases[k].src);
		ip4(b, IPPROTO_UDP, src, cases[k].id, cases[k].frag);
		size_t n = udp4(b, port, src ? src : LOOPBACK, cases[k].csum);
		int via = cases[k].via;
		RESULT(cases[k].what, via == 2 ? send(fd[via], b, n, 0) : send4(fd[via], b, n));
		show4("seen", got, next4(w, port, got, sizeof(got)));
		udp_got("UDP socket", u);
	}
	fact("raw UDP socket: nothing more", !next4(w, port, got, sizeof(got)));
	for (int k = 0; k < 3; k++)
		close(fd[k]);
	close(w);
	close(u);
}

/* Header-included ICMP echo requests, watched by a raw ICMP socket. */
static void echo(void)
{
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), w = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	uint8_t b[128], got[256];
	static const char *const csum[] = { "checksum 0", "checksum", "wrong checksum" };
	for (int c = 1; c <= 3; c++) {
		char what[64];
		ip4(b, IPPROTO_ICMP, 0, 0, 0);
		snprintf(what, sizeof(what), "echo request, %s", csum[c % 3]);
		RESULT(what, send4(r, b, echo4(b, (uint16_t)c, c % 3)));
		show4("request", got, next4(w, 0, got, sizeof(got)));
		show4("reply", got, next4(w, 0, got, sizeof(got)));
	}
	/* the raw ICMP socket sends its own header and sees both */
	setopt("IP_HDRINCL on raw ICMP", w, IPPROTO_IP, IP_HDRINCL, 1, sizeof(int));
	ip4(b, IPPROTO_ICMP, 0, 0, 0);
	RESULT("echo request through raw ICMP", send4(w, b, echo4(b, 9, 1)));
	show4("request", got, next4(w, 0, got, sizeof(got)));
	show4("reply", got, next4(w, 0, got, sizeof(got)));
	fact("raw ICMP socket: nothing more", !next4(w, 0, got, sizeof(got)));
	/* protocol 255 reaches IPPROTO_RAW sockets */
	int r2 = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	ip4(b, IPPROTO_RAW, 0, 0x4242, 0);
	memcpy(b + 20, payload, sizeof(payload));
	RESULT("protocol 255", send4(r, b, 20 + sizeof(payload)));
	for (int k = 0; k < 2; k++) {
		int fd = k ? r2 : r;
		ssize_t n = readable(fd, 1000) ? recv(fd, got, sizeof(got), 0) : 0;
		printf("IPPROTO_RAW socket %d: %zd bytes, protocol %d, payload %s\n", k + 1, n,
		       n > 20 ? got[9] : -1, n == 20 + sizeof(payload) &&
		       !memcmp(got + 20, payload, sizeof(payload)) ? "same" : "differs");
	}
	close(r2);
	close(r);
	close(w);
}

/* Linux's sock_extended_err (musl has no linux/errqueue.h). */
struct ext_err {
	uint32_t ee_errno;
	uint8_t ee_origin, ee_type, ee_code, ee_pad;
	uint32_t ee_info, ee_data;
};

/* An ICMP error about a header-included datagram: a raw UDP socket with IP_HDRINCL gets it
 * from the quoted IP header on. */
static void recverr(void)
{
	int w = socket(AF_INET, SOCK_RAW, IPPROTO_UDP), u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo4;
	socklen_t al = sizeof(a);
	bind(u, (struct sockaddr *)&a, sizeof(a));
	getsockname(u, (struct sockaddr *)&a, &al);
	close(u);                       /* a port nothing listens on */
	uint16_t port = ntohs(a.sin_port);
	setopt("IP_HDRINCL on raw UDP", w, IPPROTO_IP, IP_HDRINCL, 1, sizeof(int));
	setopt("IP_RECVERR", w, IPPROTO_IP, IP_RECVERR, 1, sizeof(int));
	uint8_t b[128], data[600];
	ip4(b, IPPROTO_UDP, 0, 0x4242, 0);
	RESULT("UDP to a closed port", send4(w, b, udp4(b, port, LOOPBACK, 1)));
	for (int tries = 0; tries < 50; tries++) {
		char ctl[256];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		usleep(20000);
		ssize_t n = recvmsg(w, &m, MSG_ERRQUEUE);
		if (n < 28)
			continue;
		const uint8_t *t = data + (data[0] & 15) * 4;
		if (data[9] != IPPROTO_UDP || (t[2] << 8 | t[3]) != port)
			continue;               /* another program's */
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		struct ext_err ee = { 0 };
		if (c && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR)
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		printf("error queue: %s, ICMP type %d code %d, data from version %d header %d "
		       "protocol %d, UDP source port %d\n", errname((int)ee.ee_errno), ee.ee_type,
		       ee.ee_code, data[0] >> 4, (data[0] & 15) * 4, data[9], t[0] << 8 | t[1]);
		break;
	}
	close(w);
}

static void errors(void)
{
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), w = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	static uint8_t b[65536 + 16];
	uint8_t got[256];
	ip4(b, IPPROTO_UDP, 0, 0, 0);
	size_t n = udp4(b, 9, LOOPBACK, 0);
	RESULT("19 bytes", send4(r, b, 19));
	RESULT("20 bytes", send4(r, b, 20));
	b[0] = 0x44;
	RESULT("IHL 4", send4(r, b, n));
	b[0] = 0x40;
	RESULT("IHL 0", send4(r, b, n));
	b[0] = 0x46;
	RESULT("IHL 6 in 20 bytes", send4(r, b, 20));
	b[0] = 0x45;
	RESULT("65535 bytes", send4(r, b, 65535) < 0 ? -1 : 0);
	RESULT("65536 bytes", send4(r, b, 65536));
	RESULT("no address", send(r, b, n, 0));
	RESULT("MSG_OOB", sendto(r, b, n, MSG_OOB, (const struct sockaddr *)&lo4, sizeof(lo4)));
	RESULT("address of 8 bytes", sendto(r, b, n, 0, (const struct sockaddr *)&lo4, 8));
	struct sockaddr_in bc = { .sin_family = AF_INET, .sin_addr.s_addr = 0xffffffff };
	RESULT("broadcast", sendto(r, b, n, 0, (struct sockaddr *)&bc, sizeof(bc)));
	b[0] = 0x05;
	RESULT("IP version 0", send4(r, b, n));
	b[0] = 0x65;
	RESULT("IP version 6", send4(r, b, n));
	ssize_t k;
	while ((k = next4(w, 9, got, sizeof(got))) && (got[2] << 8 | got[3]) == 65535)
		;                       /* the 65535-byte one */
	show4("raw UDP socket", got, k);
	close(r);
	close(w);
}

/* An IPv6 header and a UDP datagram SPORT -> dport, ::1 to ::1, the header's payload length
 * extra bytes too long. */
static size_t udp6(uint8_t *b, uint16_t dport, int extra)
{
	size_t n = 8 + sizeof(payload), plen = n + (size_t)extra;
	memset(b, 0, 48);
	b[0] = 0x60;
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	b[6] = IPPROTO_UDP;
	b[7] = 64;
	b[23] = b[39] = 1;
	uint8_t *u = b + 40;
	udp_hdr(u, dport);
	unsigned long sum = 2 + n + IPPROTO_UDP;        /* ::1 twice, the length, the protocol */
	uint16_t c = ip_csum(u, n, sum);
	u[6] = (uint8_t)(c >> 8);
	u[7] = (uint8_t)c;
	return 40 + n;
}

static void v6(void)
{
	int r = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW), w = socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t al = sizeof(a);
	bind(u, (struct sockaddr *)&a, sizeof(a));
	getsockname(u, (struct sockaddr *)&a, &al);
	uint16_t port = ntohs(a.sin6_port);
	a.sin6_port = 0;
	uint8_t b[128], got[128];
	for (int k = 0; k < 3; k++) {
		static const char *const what[] = { "IPv6 UDP", "IPv6 UDP, payload length too long",
						    "39 bytes of IPv6" };
		size_t n = udp6(b, port, 10 * (k == 1));
		RESULT(what[k], sendto(r, b, k == 2 ? 39 : n, 0, (struct sockaddr *)&a, sizeof(a)));
		ssize_t g = 0;
		while (readable(w, 500) && (g = recv(w, got, sizeof(got), 0)) > 0 &&
		       (g < 8 || (got[2] << 8 | got[3]) != port))
			g = 0;          /* another program's */
		printf("raw UDP6 socket: %zd bytes, source port %d\n", g, g ? got[0] << 8 | got[1] : 0);
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		g = readable(u, 300) ? recvfrom(u, got, sizeof(got), 0, (struct sockaddr *)&from, &fl) : 0;
		printf("UDP6 socket: %zd bytes from %s port %d\n", g,
		       g && IN6_IS_ADDR_LOOPBACK(&from.sin6_addr) ? "::1" : "?",
		       g ? ntohs(from.sin6_port) : 0);
	}
	close(r);
	close(w);
	close(u);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (geteuid() != 0) {
		printf("needs root\n");
		return 1;
	}
	options();
	udp();
	echo();
	recverr();
	errors();
	v6();
	return 0;
}
