/* ICMP echo ("ping") sockets as an unprivileged user, as docker allows them (its containers'
 * net.ipv4.ping_group_range covers every group): the stack puts in the socket's identifier and
 * the checksum, takes only echo requests, and hands back only the replies to that identifier,
 * without the IP header. usage: ping ADDR4 ADDR6 -- prints one line per check; exit 0 when all
 * hold. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failed;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok" : "FAILED", what);
	failed |= !ok;
}

static uint16_t csum(const uint8_t *b, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An echo request (type) with a wrong identifier and checksum the stack must replace. */
static size_t request(uint8_t *b, int type, int seq)
{
	memset(b, 0, 8);
	b[0] = (uint8_t)type;
	b[2] = 0xde;
	b[3] = 0xad;
	b[4] = 0x11;
	b[5] = 0x11;
	b[7] = (uint8_t)seq;
	strcpy((char *)b + 8, "unik ping socket");
	return 8 + 17;
}

static int port_of(int fd, int family)
{
	struct sockaddr_in6 a;
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(family == AF_INET ? ((struct sockaddr_in *)&a)->sin_port : a.sin6_port);
}

static void echo(int family, const char *addr)
{
	char what[128];
	int icmp = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_DGRAM, icmp);
	snprintf(what, sizeof(what), "%s: ping socket as uid %d", addr, (int)getuid());
	check(what, fd >= 0);
	if (fd < 0)
		return;
	struct sockaddr_in6 to = { 0 };
	socklen_t tl;
	if (family == AF_INET) {
		struct sockaddr_in *t = (struct sockaddr_in *)&to;
		t->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &t->sin_addr);
		tl = sizeof(*t);
	} else {
		to.sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &to.sin6_addr);
		tl = sizeof(to);
	}
	uint8_t b[256];
	size_t n = request(b, family == AF_INET ? 8 : 128, 7);
	snprintf(what, sizeof(what), "%s: unbound socket has identifier 0", addr);
	check(what, port_of(fd, family) == 0);
	ssize_t s = sendto(fd, b, n, 0, (struct sockaddr *)&to, tl);
	snprintf(what, sizeof(what), "%s: sendto sends %zu bytes", addr, n);
	check(what, s == (ssize_t)n);
	int id = port_of(fd, family);
	snprintf(what, sizeof(what), "%s: the send gave the socket an identifier", addr);
	check(what, id != 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	snprintf(what, sizeof(what), "%s: a reply arrives", addr);
	check(what, poll(&p, 1, 3000) == 1);
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t r = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	snprintf(what, sizeof(what), "%s: reply without IP header, type %d, the socket's id, seq 7",
		 addr, family == AF_INET ? 0 : 129);
	check(what, r == (ssize_t)n && b[0] == (family == AF_INET ? 0 : 129) &&
		    (b[4] << 8 | b[5]) == id && b[7] == 7 && !strcmp((char *)b + 8,
								   "unik ping socket"));
	if (family == AF_INET) {
		snprintf(what, sizeof(what), "%s: reply checksum good", addr);
		check(what, csum(b, (size_t)r, 0) == 0);
	}
	snprintf(what, sizeof(what), "%s: nothing else (its own request is not read)", addr);
	check(what, recv(fd, b, sizeof(b), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	n = request(b, family == AF_INET ? 13 : 1, 8);
	snprintf(what, sizeof(what), "%s: a message other than an echo request: EINVAL", addr);
	check(what, sendto(fd, b, n, 0, (struct sockaddr *)&to, tl) < 0 && errno == EINVAL);
	snprintf(what, sizeof(what), "%s: shorter than an ICMP header: EINVAL", addr);
	check(what, sendto(fd, b, 4, 0, (struct sockaddr *)&to, tl) < 0 && errno == EINVAL);
	close(fd);
}

/* Linux 6.18 (measured) lets a second socket bind an identifier in use; replies then go to
   the socket bound last. */
static void bind_ids(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), b = socket(AF_INET, SOCK_DGRAM,
								     IPPROTO_ICMP);
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(4242) };
	check("bind chooses the identifier", bind(a, (struct sockaddr *)&at, sizeof(at)) == 0 &&
						     port_of(a, AF_INET) == 4242);
	check("a second socket binds the same identifier",
	      bind(b, (struct sockaddr *)&at, sizeof(at)) == 0);
	check("binding again: EINVAL", bind(b, (struct sockaddr *)&at, sizeof(at)) < 0 &&
					       errno == EINVAL);
	uint8_t m[64];
	size_t n = request(m, 8, 9);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	sendto(a, m, n, 0, (struct sockaddr *)&to, sizeof(to));
	struct pollfd p = { .fd = b, .events = POLLIN };
	check("the reply goes to the socket bound last", poll(&p, 1, 3000) == 1 &&
		recv(b, m, sizeof(m), 0) == (ssize_t)n && recv(a, m, sizeof(m), MSG_DONTWAIT) < 0);
	check("a raw socket as this user: EPERM",
	      socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0 && errno == EPERM);
	close(a);
	close(b);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++)
		echo(strchr(argv[i], ':') ? AF_INET6 : AF_INET, argv[i]);
	bind_ids();
	return failed;
}
