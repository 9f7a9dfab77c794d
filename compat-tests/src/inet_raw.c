/* inet_raw: raw ICMP sockets over loopback as root (CAP_NET_RAW): an echo request sent to
 * 127.0.0.1 comes back twice, as the request itself and as the stack's reply, each with its IP
 * header; ICMP_FILTER; recvfrom's address; getsockname's port (the protocol); EPERM for another
 * user; and ICMPv6 over ::1, where the stack computes the checksum and the IPv6 header is not
 * part of what is read. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ICMP_FILTER_OPT 1
#define SOL_RAW_LEVEL 255
#define ICMPV6_FILTER_OPT 1

static const char payload[] = "unik raw probe";

static size_t echo_request(uint8_t *b, int type, uint16_t seq, int with_csum)
{
	memset(b, 0, 8);
	b[0] = (uint8_t)type;
	b[4] = 0x12;
	b[5] = 0x34;
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	memcpy(b + 8, payload, sizeof(payload));
	size_t n = 8 + sizeof(payload);
	if (with_csum) {
		uint16_t c = ip_csum(b, n, 0);
		b[2] = (uint8_t)(c >> 8);
		b[3] = (uint8_t)c;
	}
	return n;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* One IPv4 packet from a raw ICMP socket, described without what varies (id, TTL of others). */
static void show_v4(int fd, const char *what)
{
	uint8_t b[256];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	if (!readable(fd, 2000)) {
		printf("%s: nothing\n", what);
		return;
	}
	ssize_t n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
	if (n < 28) {
		printf("%s: short read %zd\n", what, n);
		return;
	}
	unsigned hl = (b[0] & 15) * 4;
	char src[16], dst[16], fa[16];
	inet_ntop(AF_INET, b + 12, src, sizeof(src));
	inet_ntop(AF_INET, b + 16, dst, sizeof(dst));
	inet_ntop(AF_INET, &from.sin_addr, fa, sizeof(fa));
	printf("%s: version %d, header %u, protocol %d, %s -> %s, total length %s, header checksum "
	       "%s, from %s port %d (len %u)\n", what, b[0] >> 4, hl, b[9], src, dst,
	       (b[2] << 8 | b[3]) == n ? "right" : "wrong", ip_csum(b, hl, 0) ? "bad" : "good", fa,
	       ntohs(from.sin_port), (unsigned)fl);
	const uint8_t *ic = b + hl;
	size_t il = (size_t)n - hl;
	printf("%s: ICMP type %d code %d id %02x%02x seq %d, checksum %s, payload %s\n", what, ic[0],
	       ic[1], ic[4], ic[5], ic[6] << 8 | ic[7], ip_csum(ic, il, 0) ? "bad" : "good",
	       il == 8 + sizeof(payload) && !memcmp(ic + 8, payload, sizeof(payload)) ? "same" :
											  "differs");
}

static void raw_v4(void)
{
	RESULT("socket(AF_INET, SOCK_RAW, 0)", socket(AF_INET, SOCK_RAW, 0));
	RESULT("socket(AF_INET, SOCK_RAW, -1)", socket(AF_INET, SOCK_RAW, -1));
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	fact("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	printf("getsockname: port %d, address %s\n", ntohs(a.sin_port),
	       a.sin_addr.s_addr ? "set" : "any");
	RESULT("getpeername unconnected", getpeername(fd, (struct sockaddr *)&a, &al));
	uint8_t b[128];
	size_t n = echo_request(b, 8, 1, 1);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	RESULT("sendto 127.0.0.1", sendto(fd, b, n, 0, (struct sockaddr *)&to, sizeof(to)));
	show_v4(fd, "first");
	show_v4(fd, "second");
	fact("nothing more", !readable(fd, 100));
	/* Filter out echo requests: only the reply arrives. */
	uint32_t filt = 1u << 8, got = 0;
	socklen_t gl = 16;
	RESULT("ICMP_FILTER set", setsockopt(fd, SOL_RAW_LEVEL, ICMP_FILTER_OPT, &filt, 4));
	RESULT("ICMP_FILTER get", getsockopt(fd, SOL_RAW_LEVEL, ICMP_FILTER_OPT, &got, &gl));
	printf("ICMP_FILTER: %#x, length %u\n", got, (unsigned)gl);
	n = echo_request(b, 8, 2, 1);
	RESULT("sendto again", sendto(fd, b, n, 0, (struct sockaddr *)&to, sizeof(to)));
	show_v4(fd, "filtered");
	fact("nothing more after the filter", !readable(fd, 100));
	RESULT("ICMP_FILTER at SOL_IPV6", setsockopt(fd, IPPROTO_IPV6, ICMP_FILTER_OPT, &filt, 4));
	int u = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	RESULT("ICMP_FILTER on a raw UDP socket", setsockopt(u, SOL_RAW_LEVEL, ICMP_FILTER_OPT,
							       &filt, 4));
	RESULT("an unknown SOL_RAW option", setsockopt(fd, SOL_RAW_LEVEL, 99, &filt, 4));
	close(u);
	/* connect: the socket then takes packets from that address only */
	RESULT("connect 127.0.0.1", connect(fd, (struct sockaddr *)&to, sizeof(to)));
	RESULT("send connected", send(fd, b, n, 0));
	show_v4(fd, "connected");
	close(fd);
	pid_t c = fork();
	if (c == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0 && errno == EPERM ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	printf("raw socket as another user gives EPERM: %s\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
}

static void raw_v6(void)
{
	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	fact("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)", fd >= 0);
	uint32_t filt[8];
	memset(filt, 0xff, sizeof(filt));
	filt[129 >> 5] &= ~(1u << (129 & 31));          /* only echo replies */
	RESULT("ICMPV6_FILTER set", setsockopt(fd, IPPROTO_ICMPV6, ICMPV6_FILTER_OPT, filt,
					       sizeof(filt)));
	RESULT("ICMPV6_FILTER at SOL_RAW", setsockopt(fd, SOL_RAW_LEVEL, ICMPV6_FILTER_OPT, filt,
						      sizeof(filt)));
	int v = 0;
	socklen_t vl = sizeof(v);
	RESULT("IPV6_CHECKSUM get", getsockopt(fd, IPPROTO_IPV6, 7, &v, &vl));
	printf("IPV6_CHECKSUM: %d\n", v);
	v = 2;
	RESULT("IPV6_CHECKSUM at IPPROTO_IPV6 on ICMPv6", setsockopt(fd, IPPROTO_IPV6, 7, &v, 4));
	RESULT("IPV6_CHECKSUM 2 at SOL_RAW", setsockopt(fd, SOL_RAW_LEVEL, 7, &v, 4));
	v = 3;
	RESULT("IPV6_CHECKSUM odd", setsockopt(fd, SOL_RAW_LEVEL, 7, &v, 4));
	uint8_t b[128];
	size_t n = echo_request(b, 128, 3, 0);
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	RESULT("sendto ::1", sendto(fd, b, n, 0, (struct sockaddr *)&to, sizeof(to)));
	if (!readable(fd, 2000)) {
		printf("v6: nothing\n");
		return;
	}
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t r = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
	/* the checksum over the pseudo-header: ::1 both ways, the length, next header 58 */
	uint8_t ph[40] = { 0 };
	ph[15] = ph[31] = 1;
	ph[34] = (uint8_t)(r >> 8);
	ph[35] = (uint8_t)r;
	ph[39] = 58;
	uint32_t sum = 0;
	for (int i = 0; i < 40; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	printf("v6: read %zd, type %d id %02x%02x seq %d, checksum %s, payload %s, from %s port "
	       "%d\n", r, b[0], b[4], b[5], b[6] << 8 | b[7], ip_csum(b, (size_t)r, sum) ? "bad" :
										   "good",
	       r == (ssize_t)n && !memcmp(b + 8, payload, sizeof(payload)) ? "same" : "differs",
	       IN6_IS_ADDR_LOOPBACK(&from.sin6_addr) ? "::1" : "?", ntohs(from.sin6_port));
	fact("v6: nothing more", !readable(fd, 100));
	close(fd);
	int u = socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
	RESULT("ICMPV6_FILTER on a raw UDP socket", setsockopt(u, IPPROTO_ICMPV6, 99, filt, 4));
	vl = sizeof(v);
	RESULT("IPV6_CHECKSUM get on raw UDP", getsockopt(u, IPPROTO_IPV6, 7, &v, &vl));
	printf("IPV6_CHECKSUM on raw UDP: %d\n", v);
	v = 6;
	RESULT("IPV6_CHECKSUM 6 at IPPROTO_IPV6 on raw UDP", setsockopt(u, IPPROTO_IPV6, 7, &v, 4));
	vl = sizeof(v);
	getsockopt(u, IPPROTO_IPV6, 7, &v, &vl);
	printf("IPV6_CHECKSUM on raw UDP now: %d\n", v);
	close(u);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (geteuid() != 0) {
		printf("needs root\n");
		return 1;
	}
	raw_v4();
	raw_v6();
	return 0;
}
