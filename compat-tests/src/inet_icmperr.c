/* inet_icmperr: ICMP and ICMPv6 errors reaching UDP sockets, as root: a raw socket sends over
 * loopback an error quoting a datagram a connected UDP socket sent; the socket's next receive
 * reports the hard ones (ECONNREFUSED, EHOSTUNREACH for "administratively prohibited",
 * ENOPROTOOPT, EMSGSIZE, EPROTO, EACCES) and not the soft ones (host unreachable, time
 * exceeded), and an unconnected socket hears nothing. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The error a receive on fd reports now ("none" if it would block). */
static void pending(const char *what, int fd)
{
	char c;
	usleep(20000);
	long r = recv(fd, &c, 1, MSG_DONTWAIT);
	int e = errno;
	if (r < 0 && e == EAGAIN)
		printf("%s: none\n", what);
	else
		result(what, r, e);
}

/* The quoted IPv4 header of a packet of proto and len bytes from 127.0.0.1 to 127.0.0.1. */
static void quote_ip4(uint8_t *ip, uint8_t proto, uint16_t len)
{
	ip[0] = 0x45;
	ip[3] = (uint8_t)len;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = ip[16] = 127;
	ip[15] = ip[19] = 1;
	uint16_t c = ip_csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

/* Fills the ICMP checksum of the n-byte message m. */
static void icmp_sum(uint8_t *m, size_t n)
{
	uint16_t c = ip_csum(m, n, 0);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
}

/* An ICMP error (type, code, info word) quoting a UDP datagram lport -> rport on 127.0.0.1. */
/* Linux's struct sock_extended_err (musl has no linux/errqueue.h). */
struct ext_err {
	uint32_t ee_errno;
	uint8_t ee_origin, ee_type, ee_code, ee_pad;
	uint32_t ee_info, ee_data;
};

static const char quoted[] = "hello";   /* what the offending datagram carried */

static void icmp4(int raw, uint8_t type, uint8_t code, uint32_t info, uint16_t lport,
		  uint16_t rport)
{
	uint8_t m[8 + 20 + 8 + 5] = { type, code };
	m[4] = (uint8_t)(info >> 24);
	m[5] = (uint8_t)(info >> 16);
	m[6] = (uint8_t)(info >> 8);
	m[7] = (uint8_t)info;
	uint8_t *ip = m + 8, *udp = ip + 20;
	quote_ip4(ip, IPPROTO_UDP, 28 + 5);
	udp[0] = (uint8_t)(lport >> 8);
	udp[1] = (uint8_t)lport;
	udp[2] = (uint8_t)(rport >> 8);
	udp[3] = (uint8_t)rport;
	udp[5] = 13;
	memcpy(udp + 8, quoted, 5);
	icmp_sum(m, sizeof(m));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	if (sendto(raw, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(m))
		printf("injecting failed: %s\n", errname(errno));
}

/* The same over IPv6 between ::1 and ::1 (the stack computes the ICMPv6 checksum). */
static void icmp6(int raw, uint8_t type, uint8_t code, uint16_t lport, uint16_t rport)
{
	uint8_t m[8 + 40 + 8 + 5] = { type, code };
	uint8_t *ip = m + 8, *udp = ip + 40;
	ip[0] = 0x60;
	ip[5] = 13;
	ip[6] = IPPROTO_UDP;
	ip[7] = 64;
	ip[23] = ip[39] = 1;
	udp[0] = (uint8_t)(lport >> 8);
	udp[1] = (uint8_t)lport;
	udp[2] = (uint8_t)(rport >> 8);
	udp[3] = (uint8_t)rport;
	udp[5] = 13;
	memcpy(udp + 8, quoted, 5);
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	if (sendto(raw, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(m))
		printf("injecting failed: %s\n", errname(errno));
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in6 a;
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin6_port);
}

static int connected(int family, uint16_t *lport)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(9),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(0x7f000001) };
	if (family == AF_INET)
		connect(fd, (struct sockaddr *)&a4, sizeof(a4));
	else
		connect(fd, (struct sockaddr *)&a6, sizeof(a6));
	*lport = local_port(fd);
	return fd;
}

/* One MSG_ERRQUEUE read: the quoted bytes, where they went, the extended error. */
static void errqueue(const char *what, int fd)
{
	char data[64], ctl[256];
	struct sockaddr_in6 name;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	long n = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0) {
		result(what, n, errno);
		return;
	}
	char a[INET6_ADDRSTRLEN] = "?";
	int port = ntohs(name.sin6_port);
	if (name.sin6_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&name)->sin_addr, a, sizeof(a));
	else
		inet_ntop(AF_INET6, &name.sin6_addr, a, sizeof(a));
	printf("%s: %ld bytes '%.*s', to %s port %d, flags%s%s\n", what, n, (int)n, data, a, port,
	       (mh.msg_flags & MSG_ERRQUEUE) ? " MSG_ERRQUEUE" : "",
	       (mh.msg_flags & MSG_TRUNC) ? " MSG_TRUNC" : "");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		struct ext_err ee;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		struct sockaddr_in6 off;
		memset(&off, 0, sizeof(off));
		memcpy(&off, CMSG_DATA(c) + sizeof(ee), c->cmsg_len - CMSG_LEN(sizeof(ee)) <
		       sizeof(off) ? c->cmsg_len - CMSG_LEN(sizeof(ee)) : sizeof(off));
		char o[INET6_ADDRSTRLEN] = "?";
		if (off.sin6_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&off)->sin_addr, o, sizeof(o));
		else if (off.sin6_family == AF_INET6)
			inet_ntop(AF_INET6, &off.sin6_addr, o, sizeof(o));
		printf("  level %d type %d: errno %s origin %d type %d code %d info %u data %u, "
		       "offender %s (len %zu)\n", c->cmsg_level, c->cmsg_type, errname(ee.ee_errno),
		       ee.ee_origin, ee.ee_type, ee.ee_code, ee.ee_info, ee.ee_data, o,
		       (size_t)(c->cmsg_len - CMSG_LEN(sizeof(ee))));
	}
}

/* A TCP connect whose SYN goes unanswered (the listener's accept queue is full: Linux drops
   it), then an ICMP error quoting that SYN; with bad_seq, one quoting another sequence number,
   which must change nothing. */
enum { SYN_PLAIN, SYN_BAD_SEQ, SYN_RECVERR };

static void tcp_syn_error(int raw, uint8_t type, uint8_t code, int mode, const char *what)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof(a);
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 0);
	getsockname(l, (struct sockaddr *)&a, &al);
	uint16_t port = ntohs(a.sin_port);
	int first = socket(AF_INET, SOCK_STREAM, 0);
	connect(first, (struct sockaddr *)&a, sizeof(a));       /* fills the accept queue */
	usleep(20000);
	int sniff = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	int c = socket(AF_INET, SOCK_STREAM, 0), on = 1;
	fcntl(c, F_SETFL, O_NONBLOCK);
	if (mode == SYN_RECVERR)
		setsockopt(c, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	connect(c, (struct sockaddr *)&a, sizeof(a));
	uint16_t lp = local_port(c);
	uint32_t seq = 0;
	int found = 0;
	for (int tries = 0; tries < 50 && !found; tries++) {
		uint8_t pkt[128];
		struct pollfd p = { .fd = sniff, .events = POLLIN };
		if (poll(&p, 1, 100) != 1)
			continue;
		long n = recv(sniff, pkt, sizeof(pkt), 0);
		unsigned hl = (pkt[0] & 15) * 4;
		if (n < hl + 20)
			continue;
		const uint8_t *t = pkt + hl;
		if ((t[0] << 8 | t[1]) == lp && (t[2] << 8 | t[3]) == port && (t[13] & 0x02)) {
			seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | t[6] << 8 | t[7];
			found = 1;
		}
	}
	if (!found) {
		printf("%s: no SYN seen\n", what);
		return;
	}
	uint8_t m[8 + 20 + 8] = { type, code };
	uint8_t *ip = m + 8, *tcp = ip + 20;
	quote_ip4(ip, IPPROTO_TCP, 40);
	tcp[0] = (uint8_t)(lp >> 8);
	tcp[1] = (uint8_t)lp;
	tcp[2] = (uint8_t)(port >> 8);
	tcp[3] = (uint8_t)port;
	seq += mode == SYN_BAD_SEQ ? 1000 : 0;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	icmp_sum(m, sizeof(m));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	sendto(raw, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to));
	struct pollfd p = { .fd = c, .events = POLLOUT };
	int r = poll(&p, 1, 300);
	int err = 0;
	socklen_t el = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
	printf("%s: %s, SO_ERROR %s\n", what, r == 1 ? "the connect ended" : "still connecting",
	       errname(err));
	if (mode == SYN_RECVERR) {
		/* the quoted TCP header (its ports and sequence number: compared, not printed) */
		uint8_t data[64], ctl[256];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		long n = recvmsg(c, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		struct ext_err ee = { 0 };
		if (cm)
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		printf("  error queue: %ld bytes, the SYN's ports and sequence: %s, errno %s "
		       "type %d code %d\n", n, n == 8 && !memcmp(data, tcp, 8) ? "yes" : "no",
		       errname(ee.ee_errno), ee.ee_type, ee.ee_code);
	}
	close(c);
	close(sniff);
	close(first);
	close(l);
}

static void recverr(int raw, int raw6)
{
	int on = 1, off = 0;
	uint16_t lp;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	bind(fd, (struct sockaddr *)&any, sizeof(any));
	lp = local_port(fd);
	RESULT("IP_RECVERR", setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)));
	icmp4(raw, 3, 1, 0, lp, 9);
	usleep(20000);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	poll(&p, 1, 0);
	printf("poll after a soft error: %s\n", (p.revents & POLLERR) ? "POLLERR" : "nothing");
	pending("receive with IP_RECVERR, unconnected", fd);
	errqueue("error queue", fd);
	errqueue("error queue again", fd);
	poll(&p, 1, 0);
	printf("poll after reading it: %s\n", (p.revents & POLLERR) ? "POLLERR" : "nothing");
	icmp4(raw, 3, 4, 1200, lp, 9);
	icmp4(raw, 11, 0, 0, lp, 9);
	usleep(20000);
	errqueue("frag needed", fd);
	pending("pending after one of two is read", fd);
	errqueue("time exceeded", fd);
	icmp4(raw, 3, 3, 0, lp, 9);
	usleep(20000);
	RESULT("IP_RECVERR off", setsockopt(fd, IPPROTO_IP, IP_RECVERR, &off, sizeof(off)));
	errqueue("error queue after turning it off", fd);
	close(fd);

	fd = connected(AF_INET6, &lp);
	RESULT("IPV6_RECVERR", setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on)));
	icmp6(raw6, 1, 3, lp, 9);
	pending("v6 address unreachable with IPV6_RECVERR", fd);
	errqueue("v6 error queue", fd);
	close(fd);

	int t = socket(AF_INET, SOCK_STREAM, 0);
	char c;
	RESULT("MSG_ERRQUEUE on TCP", recv(t, &c, 1, MSG_ERRQUEUE));
	close(t);

	/* A raw ICMP socket with IP_RECVERR: an error quoting an echo request is queued with the
	   quoted ICMP message as its data, besides arriving as a packet itself. */
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	RESULT("IP_RECVERR on a raw socket", setsockopt(r, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)));
	uint8_t m[8 + 20 + 8 + 5] = { 3, 1 };
	uint8_t *ip = m + 8, *echo = ip + 20;
	quote_ip4(ip, IPPROTO_ICMP, 20 + 8 + 5);
	echo[0] = 8;
	echo[4] = echo[5] = 0x42;
	memcpy(echo + 8, quoted, 5);
	icmp_sum(m, sizeof(m));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	sendto(raw, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to));
	pending("raw socket with IP_RECVERR", r);
	uint8_t data[64], ctl[256];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	long n = recvmsg(r, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct ext_err ee = { 0 };
	if (cm)
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
	printf("raw error queue: %ld bytes, an echo request with id 0x4242 and the payload: %s, "
	       "errno %s type %d code %d\n", n, n == 13 && data[0] == 8 && data[4] == 0x42 &&
	       !memcmp(data + 8, quoted, 5) ? "yes" : "no", errname(ee.ee_errno), ee.ee_type,
	       ee.ee_code);
	n = recv(r, data, sizeof(data), MSG_DONTWAIT);
	printf("then the error as a packet: %ld bytes, ICMP type %d\n", n, n > 20 ? data[20] : -1);
	close(r);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	int raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (raw < 0 || raw6 < 0) {
		printf("needs root\n");
		return 1;
	}
	uint16_t lp;
	int fd = connected(AF_INET, &lp);
	static const struct {
		uint8_t type, code;
		const char *what;
	} v4[] = {
		{ 3, 13, "admin prohibited" }, { 3, 1, "host unreachable" },
		{ 3, 0, "net unreachable" }, { 3, 2, "protocol unreachable" },
		{ 3, 3, "port unreachable" }, { 3, 7, "host unknown" }, { 3, 10, "host prohibited" },
		{ 11, 0, "time exceeded" }, { 12, 0, "parameter problem" },
		{ 3, 4, "fragmentation needed" },
	};
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		icmp4(raw, v4[i].type, v4[i].code, v4[i].code == 4 ? 1200 : 0, lp, 9);
		pending(v4[i].what, fd);
	}
	icmp4(raw, 3, 13, 0, lp, 10);
	pending("about another destination port", fd);
	icmp4(raw, 3, 13, 0, (uint16_t)(lp + 1), 9);
	pending("about another source port", fd);
	int un = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	bind(un, (struct sockaddr *)&any, sizeof(any));
	icmp4(raw, 3, 3, 0, local_port(un), 9);
	pending("an unconnected socket", un);
	close(fd);

	fd = connected(AF_INET6, &lp);
	static const struct {
		uint8_t type, code;
		const char *what;
	} v6[] = {
		{ 1, 1, "v6 admin prohibited" }, { 1, 3, "v6 address unreachable" },
		{ 1, 0, "v6 no route" }, { 1, 4, "v6 port unreachable" },
		{ 1, 5, "v6 policy failed" }, { 1, 9, "v6 unknown code" },
		{ 2, 0, "v6 packet too big" }, { 3, 0, "v6 time exceeded" },
		{ 4, 0, "v6 parameter problem" },
	};
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		icmp6(raw6, v6[i].type, v6[i].code, lp, 9);
		pending(v6[i].what, fd);
	}
	close(fd);
	recverr(raw, raw6);
	tcp_syn_error(raw, 3, 1, SYN_PLAIN, "TCP SYN, host unreachable");
	tcp_syn_error(raw, 3, 13, SYN_PLAIN, "TCP SYN, prohibited");
	tcp_syn_error(raw, 11, 0, SYN_PLAIN, "TCP SYN, time exceeded");
	tcp_syn_error(raw, 3, 1, SYN_BAD_SEQ, "TCP SYN, another sequence number");
	tcp_syn_error(raw, 3, 1, SYN_RECVERR, "TCP SYN with IP_RECVERR");
	return 0;
}
