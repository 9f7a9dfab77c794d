/* Interfaces as programs find them: getifaddrs (netlink route dumps underneath in both C
   libraries), if_nametoindex/if_indextoname, the SIOCGIF* ioctls, a raw RTM_GETLINK dump and
   the errno cases. Only the loopback interface is printed: the host's others differ. */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "compat.h"

/* Netlink's structures, spelled out: musl-gcc has no kernel headers. */
struct nlmsghdr { unsigned nlmsg_len; unsigned short nlmsg_type, nlmsg_flags; unsigned nlmsg_seq, nlmsg_pid; };
struct nlmsgerr { int error; struct nlmsghdr msg; };
struct sockaddr_nl { unsigned short nl_family, nl_pad; unsigned nl_pid, nl_groups; };
struct ifinfomsg { unsigned char ifi_family, pad; unsigned short ifi_type; int ifi_index; unsigned ifi_flags, ifi_change; };
struct rtattr { unsigned short rta_len, rta_type; };
#define NETLINK_ROUTE 0
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 1
#define NLM_F_DUMP 0x300
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define IFLA_IFNAME 3
#define NL_ALIGN(n) (((n) + 3u) & ~3u)

static void ifaddrs(void)
{
	struct ifaddrs *list;
	RESULT("getifaddrs", getifaddrs(&list));
	int v4 = 0, v6 = 0, link = 0;
	for (struct ifaddrs *a = list; a; a = a->ifa_next) {
		if (strcmp(a->ifa_name, "lo") || !a->ifa_addr)
			continue;
		char buf[64] = "", mask[64] = "";
		int f = a->ifa_addr->sa_family;
		if (f == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, buf, sizeof(buf));
			inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_netmask)->sin_addr, mask, sizeof(mask));
			printf("lo inet %s netmask %s flags %#x\n", buf, mask, a->ifa_flags & 0xffff);
			v4++;
		} else if (f == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, buf, sizeof(buf));
			printf("lo inet6 %s flags %#x\n", buf, a->ifa_flags & 0xffff);
			v6++;
		} else if (f == AF_PACKET) {
			link++;
		}
	}
	printf("lo entries: inet %d inet6 %d link %d\n", v4, v6, link);
	freeifaddrs(list);
}

static void ioctls(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	RESULT("SIOCGIFFLAGS lo", ioctl(s, SIOCGIFFLAGS, &r));
	printf("flags %#x\n", r.ifr_flags & 0xffff);
	RESULT("SIOCGIFMTU lo", ioctl(s, SIOCGIFMTU, &r));
	printf("mtu %d\n", r.ifr_mtu);
	RESULT("SIOCGIFADDR lo", ioctl(s, SIOCGIFADDR, &r));
	printf("addr %s\n", inet_ntoa(((struct sockaddr_in *)&r.ifr_addr)->sin_addr));
	RESULT("SIOCGIFNETMASK lo", ioctl(s, SIOCGIFNETMASK, &r));
	printf("netmask %s\n", inet_ntoa(((struct sockaddr_in *)&r.ifr_netmask)->sin_addr));
	RESULT("SIOCGIFHWADDR lo", ioctl(s, SIOCGIFHWADDR, &r));
	printf("hw family %d\n", r.ifr_hwaddr.sa_family);
	RESULT("SIOCGIFINDEX lo", ioctl(s, SIOCGIFINDEX, &r));
	printf("index %d\n", r.ifr_ifindex);
	memset(&r, 0, sizeof(r));
	r.ifr_ifindex = 1;
	RESULT("SIOCGIFNAME 1", ioctl(s, SIOCGIFNAME, &r));
	printf("name %s\n", r.ifr_name);
	strcpy(r.ifr_name, "nosuch0");
	RESULT("SIOCGIFFLAGS nosuch0", ioctl(s, SIOCGIFFLAGS, &r));
	struct ifreq reqs[16];
	struct ifconf c = { .ifc_len = sizeof(reqs), .ifc_req = reqs };
	RESULT("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &c));
	int found = 0;
	for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++)
		if (!strcmp(reqs[i].ifr_name, "lo"))
			found = !strcmp(inet_ntoa(((struct sockaddr_in *)&reqs[i].ifr_addr)->sin_addr), "127.0.0.1");
	printf("SIOCGIFCONF lists lo 127.0.0.1: %s\n", found ? "yes" : "no");
	struct ifconf sz = { .ifc_len = 0, .ifc_buf = NULL };
	RESULT("SIOCGIFCONF size query", ioctl(s, SIOCGIFCONF, &sz));
	printf("size is a multiple of 40: %s\n", sz.ifc_len > 0 && sz.ifc_len % 40 == 0 ? "yes" : "no");
	close(s);
	/* AF_UNIX sockets answer them too */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(r.ifr_name, "lo");
	RESULT("SIOCGIFINDEX on an AF_UNIX socket", ioctl(s, SIOCGIFINDEX, &r));
	close(s);
}

static void names(void)
{
	printf("if_nametoindex lo: %u\n", if_nametoindex("lo"));
	char n[IF_NAMESIZE] = "";
	printf("if_indextoname 1: %s\n", if_indextoname(1, n) ? n : errname(errno));
	printf("if_nametoindex nosuch0: %u\n", if_nametoindex("nosuch0"));
}

static void rawdump(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	RESULT("bind netlink", bind(s, (struct sockaddr *)&a, sizeof(a)));
	socklen_t al = sizeof(a);
	RESULT("getsockname netlink", getsockname(s, (struct sockaddr *)&a, &al));
	printf("family %d len %u pid set %s\n", a.nl_family, al, a.nl_pid ? "yes" : "no");
	struct {
		struct nlmsghdr h;
		struct ifinfomsg m;
	} req = { { sizeof(req), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 42, 0 }, { 0 } };
	RESULT("send RTM_GETLINK dump", send(s, &req, sizeof(req), 0));
	static char buf[65536];
	int lo = 0, done = 0, seq_ok = 1;
	while (!done) {
		long n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (long off = 0; off + (long)sizeof(struct nlmsghdr) <= n;) {
			struct nlmsghdr *h = (void *)(buf + off);
			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > n - off)
				break;
			off += NL_ALIGN(h->nlmsg_len);
			seq_ok &= h->nlmsg_seq == 42;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type != RTM_NEWLINK)
				continue;
			struct ifinfomsg *m = (void *)(h + 1);
			char *at = (char *)(m + 1), *end = (char *)h + h->nlmsg_len;
			while (at + sizeof(struct rtattr) <= end) {
				struct rtattr *ra = (void *)at;
				if (ra->rta_len < sizeof(*ra))
					break;
				if (ra->rta_type == IFLA_IFNAME && !strcmp(at + sizeof(*ra), "lo"))
					lo = m->ifi_index == 1 && m->ifi_type == 772 &&
					     (m->ifi_flags & IFF_LOOPBACK);
				at += NL_ALIGN(ra->rta_len);
			}
		}
	}
	printf("dump: lo index 1 type 772 loopback: %s, NLMSG_DONE: %s, seq echoed: %s\n",
	       lo ? "yes" : "no", done ? "yes" : "no", seq_ok ? "yes" : "no");
	struct {
		struct nlmsghdr h;
		struct ifinfomsg m;
	} one = { { sizeof(one), RTM_GETLINK, NLM_F_REQUEST, 43, 0 }, { .ifi_index = 999 } };
	send(s, &one, sizeof(one), 0);
	long n = recv(s, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (void *)buf;
	printf("RTM_GETLINK of index 999: type %d error %s\n", n > 0 ? h->nlmsg_type : -1,
	       n > 0 && h->nlmsg_type == NLMSG_ERROR ? errname(-((struct nlmsgerr *)(h + 1))->error) : "-");
	RESULT("recv nonblocking, nothing queued", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	int on = 1;
	RESULT("setsockopt NETLINK_EXT_ACK", setsockopt(s, 270, 11, &on, sizeof(on)));
	RESULT("setsockopt SOL_NETLINK 99", setsockopt(s, 270, 99, &on, sizeof(on)));
	RESULT("shutdown netlink", shutdown(s, SHUT_RDWR));
	close(s);
	RESULT("netlink protocol 31", socket(AF_NETLINK, SOCK_RAW, 31));
	RESULT("netlink SOCK_STREAM", socket(AF_NETLINK, SOCK_STREAM, 0));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	ifaddrs();
	ioctls();
	names();
	rawdump();
	return 0;
}
