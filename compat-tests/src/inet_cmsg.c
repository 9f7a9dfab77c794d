/* inet_cmsg: the IP levels' control messages on UDP over loopback. Receiving: IP_PKTINFO,
 * IP_RECVTTL, IP_RECVTOS, IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS and RFC 2292's
 * IPV6_2292HOPLIMIT, an IPv4 datagram on a dual-stack socket, a control buffer too small
 * (MSG_CTRUNC). Sending: IP_TTL, IP_TOS, IP_PKTINFO (source address), IPV6_HOPLIMIT,
 * IPV6_TCLASS, IPV6_PKTINFO, and the EINVAL cases. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int on = 1;
static struct timespec window[2];      /* a timestamp must fall between these: send, receive */

static int udp_bound(int family, const char *addr, uint16_t *port)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_in6 a = { 0 };
	socklen_t l;
	if (family == AF_INET) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&a;
		a4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a4->sin_addr);
		l = sizeof(*a4);
	} else {
		a.sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a.sin6_addr);
		l = sizeof(a);
	}
	bind(fd, (struct sockaddr *)&a, l);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin6_port);     /* the same place in both */
	return fd;
}

/* Sends "ping" to addr:port with the control messages in ctl (len bytes). */
static long send_ctl(int fd, int family, const char *addr, uint16_t port, void *ctl, size_t len)
{
	struct sockaddr_in6 to = { 0 };
	socklen_t tl;
	if (family == AF_INET) {
		struct sockaddr_in *t = (struct sockaddr_in *)&to;
		t->sin_family = AF_INET;
		t->sin_port = htons(port);
		inet_pton(AF_INET, addr, &t->sin_addr);
		tl = sizeof(*t);
	} else {
		to.sin6_family = AF_INET6;
		to.sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &to.sin6_addr);
		tl = sizeof(to);
	}
	struct iovec iov = { "ping", 4 };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = tl, .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = len ? ctl : NULL, .msg_controllen = len };
	clock_gettime(CLOCK_REALTIME, &window[0]);
	return sendmsg(fd, &mh, 0);
}

/* A control buffer with one int message (level, type, v); its length. */
static size_t one_int(void *buf, int level, int type, int v)
{
	struct cmsghdr *c = buf;
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &v, sizeof(v));
	return CMSG_SPACE(sizeof(int));
}

static int in_window(int64_t sec, int64_t frac, int ns)
{
	int64_t t = sec * 1000000000 + frac * (ns ? 1 : 1000);
	int64_t lo = window[0].tv_sec * 1000000000ll + window[0].tv_nsec - 1000;
	int64_t hi = window[1].tv_sec * 1000000000ll + window[1].tv_nsec + 1000;
	return t >= lo && t <= hi;
}

static void show_cmsgs(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		const unsigned char *d = CMSG_DATA(c);
		size_t dl = c->cmsg_len - CMSG_LEN(0);
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		int v = 0;
		if (dl == sizeof(int))
			memcpy(&v, d, sizeof(v));
		if (c->cmsg_level == SOL_SOCKET && dl == 16) {
			int64_t t[2];
			memcpy(t, d, sizeof(t));
			int ns = c->cmsg_type == 35 || c->cmsg_type == 64;
			printf("  SOL_SOCKET type %d: a %s within the send and receive: %s\n",
			       c->cmsg_type, ns ? "timespec" : "timeval", in_window(t[0], t[1], ns) ?
									"yes" : "no");
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && dl == 12) {
			struct in_pktinfo pi;
			memcpy(&pi, d, sizeof(pi));
			inet_ntop(AF_INET, &pi.ipi_spec_dst, a, sizeof(a));
			inet_ntop(AF_INET, &pi.ipi_addr, b, sizeof(b));
			printf("  IP_PKTINFO ifindex %d spec_dst %s addr %s\n", pi.ipi_ifindex, a, b);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			printf("  IP_TTL %d (len %zu)\n", v, dl);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			printf("  IP_TOS %#x (len %zu)\n", d[0], dl);
		} else if (c->cmsg_level == IPPROTO_IPV6 && (c->cmsg_type == IPV6_PKTINFO ||
							     c->cmsg_type == 2) && dl == 20) {
			struct in6_pktinfo pi;
			memcpy(&pi, d, sizeof(pi));
			inet_ntop(AF_INET6, &pi.ipi6_addr, a, sizeof(a));
			printf("  %s ifindex %d addr %s\n", c->cmsg_type == 2 ? "IPV6_2292PKTINFO" :
				"IPV6_PKTINFO", pi.ipi6_ifindex, a);
		} else {
			printf("  level %d type %d len %zu int %d\n", c->cmsg_level, c->cmsg_type, dl,
			       v);
		}
	}
}

/* Receives one datagram with a control buffer of room bytes; prints the source and messages. */
static void recv_show(int fd, const char *what, size_t room)
{
	char data[16], ctl[512];
	struct sockaddr_in6 from;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = room };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 2000) != 1) {
		printf("%s: nothing\n", what);
		return;
	}
	long n = recvmsg(fd, &mh, 0);
	clock_gettime(CLOCK_REALTIME, &window[1]);
	char a[INET6_ADDRSTRLEN] = "?";
	if (from.sin6_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, a, sizeof(a));
	else
		inet_ntop(AF_INET6, &from.sin6_addr, a, sizeof(a));
	printf("%s: %ld bytes from %s, control %zu bytes%s\n", what, n, a,
	       (size_t)mh.msg_controllen, (mh.msg_flags & MSG_CTRUNC) ? ", MSG_CTRUNC" : "");
	show_cmsgs(&mh);
}

static void v4(void)
{
	uint16_t port;
	int r = udp_bound(AF_INET, "0.0.0.0", &port), s = socket(AF_INET, SOCK_DGRAM, 0);
	int v = 0;
	socklen_t vl = sizeof(v);
	RESULT("IP_PKTINFO", setsockopt(r, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)));
	RESULT("IP_RECVTTL", setsockopt(r, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on)));
	RESULT("IP_RECVTOS", setsockopt(r, IPPROTO_IP, IP_RECVTOS, &on, sizeof(on)));
	getsockopt(r, IPPROTO_IP, IP_PKTINFO, &v, &vl);
	printf("IP_PKTINFO reads %d\n", v);
	int tos = 0x10;
	setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	char ctl[256];
	RESULT("send with IP_TTL 7", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
					      one_int(ctl, IPPROTO_IP, IP_TTL, 7)));
	recv_show(r, "v4", sizeof(ctl));
	RESULT("send plain", send_ctl(s, AF_INET, "127.0.0.1", port, NULL, 0));
	recv_show(r, "v4 plain", sizeof(ctl));
	RESULT("send again", send_ctl(s, AF_INET, "127.0.0.1", port, NULL, 0));
	recv_show(r, "v4 room for one", CMSG_SPACE(sizeof(struct in_pktinfo)));
	/* a source address of this machine's, by IP_PKTINFO */
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	struct in_pktinfo pi = { 0 };
	inet_pton(AF_INET, "127.0.0.2", &pi.ipi_spec_dst);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	RESULT("send from 127.0.0.2", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
					       CMSG_SPACE(sizeof(pi))));
	recv_show(r, "v4 from 127.0.0.2", sizeof(ctl));
	inet_pton(AF_INET, "192.0.2.1", &pi.ipi_spec_dst);
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	RESULT("send from an address not ours", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
							 CMSG_SPACE(sizeof(pi))));
	c->cmsg_len = CMSG_LEN(8);
	RESULT("IP_PKTINFO of 8 bytes", send_ctl(s, AF_INET, "127.0.0.1", port, ctl, CMSG_SPACE(8)));
	RESULT("IP_TTL 0", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
				    one_int(ctl, IPPROTO_IP, IP_TTL, 0)));
	RESULT("IP_TTL 256", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
				      one_int(ctl, IPPROTO_IP, IP_TTL, 256)));
	RESULT("unknown IP type 99", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
					      one_int(ctl, IPPROTO_IP, 99, 1)));
	RESULT("an IPv6 message on IPv4", send_ctl(s, AF_INET, "127.0.0.1", port, ctl,
						   one_int(ctl, IPPROTO_IPV6, IPV6_HOPLIMIT, 3)));
	recv_show(r, "v4 after the IPv6 message", sizeof(ctl));
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TOS;
	c->cmsg_len = CMSG_LEN(1);
	CMSG_DATA(c)[0] = 0x28;
	RESULT("IP_TOS of one byte", send_ctl(s, AF_INET, "127.0.0.1", port, ctl, CMSG_SPACE(1)));
	recv_show(r, "v4 TOS 0x28", sizeof(ctl));
	close(r);
	close(s);
}

static void v6(void)
{
	uint16_t port;
	int r = udp_bound(AF_INET6, "::", &port), s = socket(AF_INET6, SOCK_DGRAM, 0);
	RESULT("IPV6_RECVPKTINFO", setsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)));
	RESULT("IPV6_RECVHOPLIMIT", setsockopt(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
					       sizeof(on)));
	RESULT("IPV6_RECVTCLASS", setsockopt(r, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof(on)));
	RESULT("IPV6_2292HOPLIMIT", setsockopt(r, IPPROTO_IPV6, 8, &on, sizeof(on)));
	int u4 = socket(AF_INET, SOCK_DGRAM, 0);
	RESULT("IPV6_RECVPKTINFO on IPv4", setsockopt(u4, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
						      sizeof(on)));
	close(u4);
	char ctl[256];
	size_t n = one_int(ctl, IPPROTO_IPV6, IPV6_HOPLIMIT, 9);
	n += one_int(ctl + n, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	RESULT("send with IPV6_HOPLIMIT 9, IPV6_TCLASS 0x20", send_ctl(s, AF_INET6, "::1", port,
									ctl, n));
	recv_show(r, "v6", sizeof(ctl));
	RESULT("IPV6_HOPLIMIT 256", send_ctl(s, AF_INET6, "::1", port, ctl,
					     one_int(ctl, IPPROTO_IPV6, IPV6_HOPLIMIT, 256)));
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	struct in6_pktinfo pi = { .ipi6_addr = IN6ADDR_LOOPBACK_INIT };
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	RESULT("IPV6_PKTINFO from ::1", send_ctl(s, AF_INET6, "::1", port, ctl,
						 CMSG_SPACE(sizeof(pi))));
	recv_show(r, "v6 from ::1", sizeof(ctl));
	inet_pton(AF_INET6, "2001:db8::1", &pi.ipi6_addr);
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	RESULT("IPV6_PKTINFO from an address not ours", send_ctl(s, AF_INET6, "::1", port, ctl,
								 CMSG_SPACE(sizeof(pi))));
	/* an IPv4 datagram on the dual-stack socket, with the IP level's option too */
	RESULT("IP_PKTINFO on the IPv6 socket", setsockopt(r, IPPROTO_IP, IP_PKTINFO, &on,
							   sizeof(on)));
	int s4 = socket(AF_INET, SOCK_DGRAM, 0);
	RESULT("send over IPv4", send_ctl(s4, AF_INET, "127.0.0.1", port, NULL, 0));
	recv_show(r, "v4 on v6", sizeof(ctl));
	close(s4);
	close(r);
	close(s);
}

/* SO_TIMESTAMP and its kin: which reads back as set, and the message a receive gets. */
static void timestamps(void)
{
	uint16_t port;
	int r = udp_bound(AF_INET, "127.0.0.1", &port), s = socket(AF_INET, SOCK_DGRAM, 0);
	static const struct { int opt; const char *name; } opts[] = {
		{ 29, "SO_TIMESTAMP" }, { 35, "SO_TIMESTAMPNS" }, { 63, "SO_TIMESTAMP_NEW" },
		{ 64, "SO_TIMESTAMPNS_NEW" },
	};
	for (int k = 0; k < 4; k++) {
		char what[64];
		RESULT(opts[k].name, setsockopt(r, SOL_SOCKET, opts[k].opt, &on, sizeof(on)));
		printf("  reads:");
		for (int j = 0; j < 4; j++) {
			int v = -1;
			socklen_t vl = sizeof(v);
			getsockopt(r, SOL_SOCKET, opts[j].opt, &v, &vl);
			printf(" %s=%d", opts[j].name, v);
		}
		printf("\n");
		send_ctl(s, AF_INET, "127.0.0.1", port, NULL, 0);
		snprintf(what, sizeof(what), "with %s", opts[k].name);
		recv_show(r, what, 256);
	}
	int off = 0;
	RESULT("SO_TIMESTAMP off", setsockopt(r, SOL_SOCKET, 29, &off, sizeof(off)));
	int v = -1;
	socklen_t vl = sizeof(v);
	getsockopt(r, SOL_SOCKET, 64, &v, &vl);
	printf("  SO_TIMESTAMPNS_NEW reads %d\n", v);
	setsockopt(r, SOL_SOCKET, 35, &on, sizeof(on));
	setsockopt(r, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	send_ctl(s, AF_INET, "127.0.0.1", port, NULL, 0);
	recv_show(r, "SO_TIMESTAMPNS with IP_PKTINFO", 256);
	close(r);
	close(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	v4();
	v6();
	timestamps();
	return 0;
}
