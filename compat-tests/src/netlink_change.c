/* Changing interfaces through AF_NETLINK NETLINK_ROUTE and the SIOCS* ioctls, and the
   notifications multicast groups get: IPv4 and IPv6 addresses, the default route, MTU and
   IFF_UP on lo, with Linux's flags (NLM_F_EXCL, NLM_F_REPLACE, NLM_F_CREATE, NLM_F_ECHO),
   errors and acknowledgements, and who a notification says it answers (port, sequence).
   As root natively the test runs in a new network namespace, so the host's interfaces are
   left alone; under unik unshare is EPERM and the guest's own lo is used. Only lo is looked
   at (index 1 in both), after bringing it to one state: up, 127.0.0.1/8 and ::1, no default
   route in the main table. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "compat.h"

/* Netlink's structures, spelled out: musl-gcc has no kernel headers. */
struct nlmsghdr { unsigned len; unsigned short type, flags; unsigned seq, pid; };
struct sockaddr_nl { unsigned short nl_family, nl_pad; unsigned nl_pid, nl_groups; };
struct ifinfomsg { unsigned char family, pad; unsigned short type; int index; unsigned flags, change; };
struct ifaddrmsg { unsigned char family, prefixlen, flags, scope; unsigned index; };
struct rtmsg { unsigned char family, dst_len, src_len, tos, table, protocol, scope, type; unsigned flags; };
struct rtattr { unsigned short len, type; };
struct in6_ifreq { struct in6_addr addr; unsigned prefixlen; int ifindex; };
#define NETLINK_ROUTE 0
#define SOL_NETLINK 270
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_ECHO 8
#define NLM_F_DUMP 0x300
#define NLM_F_REPLACE 0x100
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define RTM_NEWLINK 16
#define RTM_DELLINK 17
#define RTM_GETLINK 18
#define RTM_SETLINK 19
#define RTM_NEWADDR 20
#define RTM_DELADDR 21
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_DELROUTE 25
#define RTM_GETROUTE 26
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_OPERSTATE 16
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_FLAGS 8
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_TABLE 15
#define RTMGRP_LINK 0x1
#define RTMGRP_IPV4_IFADDR 0x10
#define RTMGRP_IPV4_ROUTE 0x40
#define RTMGRP_IPV6_IFADDR 0x100
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_PKTINFO 3
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_LIST_MEMBERSHIPS 9
#define NETLINK_CAP_ACK 10
#define IFA_F_NODAD 0x02
#define IFA_F_TENTATIVE 0x40
#define RTNH_F_ONLINK 4
#define RT_TABLE_MAIN 254
#define RTPROT_BOOT 3
#define RTPROT_STATIC 4
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RT_SCOPE_NOWHERE 255
#define RTN_UNICAST 1
#define CAP_NET_ADMIN 12
#define NL_ALIGN(n) (((n) + 3u) & ~3u)

static int rq, mon;             /* requests; the monitor of every group */
static unsigned seq = 100, self;

/* A request being built: header, fixed part, attributes. */
struct req {
	struct nlmsghdr h;
	char body[256];
};

static void *req_init(struct req *r, int type, int flags, unsigned fixed)
{
	memset(r, 0, sizeof(*r));
	r->h.type = (unsigned short)type;
	r->h.flags = (unsigned short)(NLM_F_REQUEST | flags);
	r->h.len = sizeof(r->h) + NL_ALIGN(fixed);
	return r->body;
}

static void req_attr(struct req *r, int type, const void *data, unsigned len)
{
	struct rtattr *a = (void *)((char *)r + r->h.len);
	a->len = (unsigned short)(sizeof(*a) + len);
	a->type = (unsigned short)type;
	memcpy(a + 1, data, len);
	r->h.len += NL_ALIGN(a->len);
}

static const char *pidname(unsigned pid)
{
	return pid == 0 ? "0" : pid == self ? "self" : "other";
}

static struct rtattr *attr_find(struct nlmsghdr *h, unsigned fixed, int type)
{
	char *p = (char *)(h + 1) + NL_ALIGN(fixed), *end = (char *)h + h->len;
	while (p + sizeof(struct rtattr) <= end) {
		struct rtattr *a = (void *)p;
		if (a->len < sizeof(*a) || p + a->len > end)
			break;
		if (a->type == type)
			return a;
		p += NL_ALIGN(a->len);
	}
	return NULL;
}

/* One message of lo as a line, or nothing for another interface or table. */
static void show(const char *tag, struct nlmsghdr *h, unsigned groups)
{
	char buf[64] = "-", head[64];
	snprintf(head, sizeof(head), "  %s flags %#x pid %s seq %u", tag, h->flags, pidname(h->pid),
		 h->seq);
	if (h->type == RTM_NEWLINK) {
		struct ifinfomsg *m = (void *)(h + 1);
		struct rtattr *mtu = attr_find(h, sizeof(*m), IFLA_MTU);
		struct rtattr *op = attr_find(h, sizeof(*m), IFLA_OPERSTATE);
		if (m->index != 1)
			return;
		printf("%s: NEWLINK lo flags %#x change %#x mtu %u operstate %d", head, m->flags,
		       m->change, mtu ? *(unsigned *)(mtu + 1) : 0, op ? *(unsigned char *)(op + 1) : -1);
	} else if (h->type == RTM_NEWADDR || h->type == RTM_DELADDR) {
		struct ifaddrmsg *m = (void *)(h + 1);
		struct rtattr *a = attr_find(h, sizeof(*m), IFA_ADDRESS);
		struct rtattr *f = attr_find(h, sizeof(*m), IFA_FLAGS);
		struct rtattr *l = attr_find(h, sizeof(*m), IFA_LABEL);
		struct rtattr *b = attr_find(h, sizeof(*m), IFA_BROADCAST);
		if (m->index != 1)
			return;
		if (a)
			inet_ntop(m->family, a + 1, buf, sizeof(buf));
		printf("%s: %s %s %s/%d scope %d flags %#x/%#x label %s brd %s", head,
		       h->type == RTM_NEWADDR ? "NEWADDR" : "DELADDR",
		       m->family == AF_INET ? "inet" : "inet6", buf, m->prefixlen, m->scope, m->flags,
		       f ? *(unsigned *)(f + 1) : 0, l ? (char *)(l + 1) : "-", b ? "yes" : "no");
	} else if (h->type == RTM_NEWROUTE || h->type == RTM_DELROUTE) {
		struct rtmsg *m = (void *)(h + 1);
		struct rtattr *oif = attr_find(h, sizeof(*m), RTA_OIF);
		struct rtattr *gw = attr_find(h, sizeof(*m), RTA_GATEWAY);
		struct rtattr *dst = attr_find(h, sizeof(*m), RTA_DST);
		char d[32] = "0.0.0.0";
		if (m->table != RT_TABLE_MAIN || m->family != AF_INET || !oif || *(int *)(oif + 1) != 1)
			return;
		if (gw)
			inet_ntop(AF_INET, gw + 1, buf, sizeof(buf));
		if (dst)
			inet_ntop(AF_INET, dst + 1, d, sizeof(d));
		printf("%s: %s %s/%d via %s dev lo proto %d scope %d type %d rtflags %#x", head,
		       h->type == RTM_NEWROUTE ? "NEWROUTE" : "DELROUTE", d, m->dst_len, buf,
		       m->protocol, m->scope, m->type, m->flags);
	} else {
		printf("%s: type %d", head, h->type);
	}
	if (groups != ~0u)
		printf(" group %#x", groups);
	printf("\n");
}

/* Every message in n bytes of buf through show(). Returns whether it held the final
   (not tentative) RTM_NEWADDR of an IPv6 address. */
static int show_all(const char *tag, char *buf, long n, unsigned groups)
{
	int final6 = 0;
	for (long off = 0; off + (long)sizeof(struct nlmsghdr) <= n;) {
		struct nlmsghdr *h = (void *)(buf + off);
		if (h->len < sizeof(*h) || h->len > n - off)
			break;
		struct ifaddrmsg *m = (void *)(h + 1);
		if (h->type == RTM_NEWADDR && m->family == AF_INET6 && m->index == 1 &&
		    !(m->flags & IFA_F_TENTATIVE))
			final6 = 1;
		show(tag, h, groups);
		off += NL_ALIGN(h->len);
	}
	return final6;
}

/* The notifications the monitor got. wait6: first wait (up to 2 s) for an IPv6 address's
   final RTM_NEWADDR: Linux sends it from duplicate address detection, after the ack. */
static void events(int wait6)
{
	static char buf[16384];
	for (;;) {
		struct pollfd p = { mon, POLLIN, 0 };
		if (poll(&p, 1, wait6 ? 2000 : 0) <= 0)
			break;
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		long n = recvfrom(mon, buf, sizeof(buf), MSG_DONTWAIT, (void *)&from, &fl);
		if (n < 0) {
			printf("  monitor: %s\n", errname(errno));
			break;
		}
		if (show_all("event", buf, n, from.nl_groups))
			wait6 = 0;
	}
}

/* Reads answers on rq, each message through fn, until fn returns nonzero (an
   acknowledgement or NLMSG_DONE: the last of its datagram) or nothing more comes. */
static void answers(int (*fn)(struct nlmsghdr *h, void *ctx), void *ctx)
{
	static char buf[65536];
	for (;;) {
		long n = recv(rq, buf, sizeof(buf), 0);
		if (n <= 0)
			return;
		for (long off = 0; off + (long)sizeof(struct nlmsghdr) <= n;) {
			struct nlmsghdr *h = (void *)(buf + off);
			if (h->len < sizeof(*h))
				return;
			off += NL_ALIGN(h->len);
			if (fn(h, ctx))
				return;
		}
	}
}

/* The answer to the request r: anything before the acknowledgement is shown; then the
   error, the flags and how much of the request it quotes. */
static int answer(struct nlmsghdr *h, void *ctx)
{
	const struct req *r = ctx;
	if (h->type != NLMSG_ERROR) {
		printf("\n");
		show("answer", h, ~0u);
		return 0;
	}
	int err = *(int *)(h + 1);
	int whole = h->len == sizeof(*h) + 4 + r->h.len;
	printf(" %s, error flags %#x, seq %s, request %s\n", err ? errname(-err) : "ack", h->flags,
	       h->seq == seq ? "echoed" : "wrong",
	       whole ? "whole" : h->len == sizeof(*h) + 4 + sizeof(*h) ? "header" : "?");
	return 1;
}

/* Sends r and reads until its acknowledgement, printing them, then the notifications. */
static void request(const char *what, struct req *r, int wait6)
{
	r->h.seq = ++seq;
	if (send(rq, r, r->h.len, 0) < 0) {
		printf("%s: send %s\n", what, errname(errno));
		return;
	}
	printf("%s (seq %u):", what, seq);
	answers(answer, r);
	events(wait6);
}

/* An address request on interface index: IPv4 ones name IFA_LOCAL and IFA_ADDRESS (and a
   127/8 one has scope host, as ip gives it); IPv6 ones IFA_LOCAL and maybe IFA_FLAGS. */
static void addr(const char *what, int type, int flags, int family, const char *ip, int plen,
		 int index, unsigned ifa_flags)
{
	struct req r;
	struct ifaddrmsg *m = req_init(&r, type, flags, sizeof(*m));
	struct in6_addr a;
	unsigned len = family == AF_INET ? 4 : 16;
	m->family = (unsigned char)family;
	m->prefixlen = (unsigned char)plen;
	m->index = (unsigned)index;
	if (family == AF_INET && !strncmp(ip, "127.", 4))
		m->scope = RT_SCOPE_HOST;
	inet_pton(family, ip, &a);
	req_attr(&r, IFA_LOCAL, &a, len);
	if (family == AF_INET)
		req_attr(&r, IFA_ADDRESS, &a, len);
	if (ifa_flags)
		req_attr(&r, IFA_FLAGS, &ifa_flags, 4);
	request(what, &r, family == AF_INET6 && type == RTM_NEWADDR);
}

static void addr4(const char *what, int type, int flags, const char *ip, int plen, int index)
{
	addr(what, type, flags, AF_INET, ip, plen, index, 0);
}

static void addr6(const char *what, int type, int flags, const char *ip, int plen, int index,
		  unsigned ifa_flags)
{
	addr(what, type, flags, AF_INET6, ip, plen, index, ifa_flags);
}

/* A route of the main table: dst (NULL: default) via gw (NULL: none) out of oif (0: none). */
static void route(const char *what, int type, int flags, const char *dst, int dlen,
		 const char *gw, int oif, int scope, int proto, int rtype, unsigned rtflags)
{
	struct req r;
	struct rtmsg *m = req_init(&r, type, flags, sizeof(*m));
	struct in_addr a;
	m->family = AF_INET;
	m->table = RT_TABLE_MAIN;
	m->dst_len = (unsigned char)dlen;
	m->scope = (unsigned char)scope;
	m->protocol = (unsigned char)proto;
	m->type = (unsigned char)rtype;
	m->flags = rtflags;
	if (dst) {
		inet_pton(AF_INET, dst, &a);
		req_attr(&r, RTA_DST, &a, 4);
	}
	if (gw) {
		inet_pton(AF_INET, gw, &a);
		req_attr(&r, RTA_GATEWAY, &a, 4);
	}
	if (oif)
		req_attr(&r, RTA_OIF, &oif, 4);
	request(what, &r, 0);
}

static void link_set(const char *what, int type, int flags, int index, unsigned ifl,
		     unsigned change, int mtu, const char *name)
{
	struct req r;
	struct ifinfomsg *m = req_init(&r, type, flags, sizeof(*m));
	m->index = index;
	m->flags = ifl;
	m->change = change;
	if (mtu)
		req_attr(&r, IFLA_MTU, &mtu, 4);
	if (name)
		req_attr(&r, IFLA_IFNAME, name, (unsigned)strlen(name) + 1);
	request(what, &r, 0);
}

static int dumped(struct nlmsghdr *h, void *ctx)
{
	if (h->type == NLMSG_DONE)
		return 1;
	show("dump", h, ~0u);
	return 0;
}

/* A dump of type (links, addresses, routes) of lo, one line a message. */
static void dump(const char *what, int type)
{
	struct req r;
	struct rtmsg *m = req_init(&r, type, NLM_F_DUMP, sizeof(*m));
	m->family = AF_UNSPEC;
	r.h.seq = ++seq;
	send(rq, &r, r.h.len, 0);
	printf("%s:\n", what);
	answers(dumped, NULL);
}

static int acked(struct nlmsghdr *h, void *ctx)
{
	int *left = ctx;
	return h->type == NLMSG_ERROR && !--*left;
}

/* Brings lo to the same state natively (a new namespace: down, no address) and under unik
   (up, 127.0.0.1 and ::1, a default route through eth0): nothing of this is printed. */
static void normalize(void)
{
	struct req r;
	struct ifinfomsg *m = req_init(&r, RTM_NEWLINK, NLM_F_ACK, sizeof(*m));
	m->index = 1;
	m->flags = m->change = IFF_UP;
	r.h.seq = ++seq;
	send(rq, &r, r.h.len, 0);
	struct rtmsg *rt = req_init(&r, RTM_DELROUTE, NLM_F_ACK, sizeof(*rt));
	rt->family = AF_INET;
	rt->table = RT_TABLE_MAIN;
	rt->scope = RT_SCOPE_NOWHERE;
	r.h.seq = ++seq;
	send(rq, &r, r.h.len, 0);
	int left = 2;
	answers(acked, &left);
	usleep(100000);         /* Linux's ::1 on a loopback coming up */
}

struct caphdr { unsigned version; int pid; };
struct capdata { unsigned eff, perm, inh; };

static void net_admin(int on)
{
	struct caphdr h = { 0x20080522, 0 };
	struct capdata d[2];
	syscall(SYS_capget, &h, d);
	if (on)
		d[0].eff |= 1u << CAP_NET_ADMIN;
	else
		d[0].eff &= ~(1u << CAP_NET_ADMIN);
	syscall(SYS_capset, &h, d);
}

static void permissions(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_mtu = 1500;
	net_admin(0);
	addr4("NEWADDR without CAP_NET_ADMIN", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "10.9.8.7", 24, 1);
	link_set("SETLINK of a missing link without CAP_NET_ADMIN", RTM_SETLINK, NLM_F_ACK, 99, 0, 0,
		 1500, NULL);
	RESULT("SIOCSIFMTU without CAP_NET_ADMIN", ioctl(s, SIOCSIFMTU, &ifr));
	strcpy(ifr.ifr_name, "nosuch0");
	RESULT("SIOCSIFFLAGS of a missing link without CAP_NET_ADMIN", ioctl(s, SIOCSIFFLAGS, &ifr));
	int g = 5;
	int t = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	RESULT("ADD_MEMBERSHIP without CAP_NET_ADMIN", setsockopt(t, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
								&g, sizeof(g)));
	close(t);
	net_admin(1);
	close(s);
}

static void addresses4(void)
{
	struct req r;
	addr4("DELADDR 127.0.0.1/8", RTM_DELADDR, NLM_F_ACK, "127.0.0.1", 8, 1);
	addr4("NEWADDR 10.9.8.7/24 EXCL", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
	      "10.9.8.7", 24, 1);
	addr4("NEWADDR 10.9.8.7/24 EXCL again", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
	      "10.9.8.7", 24, 1);
	addr4("NEWADDR 10.9.8.7/24 REPLACE", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
	      "10.9.8.7", 24, 1);
	addr4("NEWADDR 10.9.8.7/24 without NLM_F_ACK", RTM_NEWADDR, 0, "10.9.8.7", 24, 1);
	addr4("NEWADDR 10.9.8.7/24 REPLACE ECHO", RTM_NEWADDR, NLM_F_ACK | NLM_F_REPLACE | NLM_F_ECHO,
	      "10.9.8.7", 24, 1);
	addr4("NEWADDR on index 99", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "10.9.8.7", 24, 99);
	addr4("NEWADDR /33", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "10.9.8.7", 33, 1);
	struct ifaddrmsg *m = req_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, sizeof(*m));
	struct in_addr a;
	inet_pton(AF_INET, "10.9.8.7", &a);
	m->family = AF_INET;
	m->prefixlen = 24;
	m->index = 1;
	req_attr(&r, IFA_ADDRESS, &a, 4);
	request("NEWADDR with IFA_ADDRESS only", &r, 0);
	addr4("DELADDR 10.9.8.99/24", RTM_DELADDR, NLM_F_ACK, "10.9.8.99", 24, 1);
	addr4("DELADDR 10.9.8.7/16", RTM_DELADDR, NLM_F_ACK, "10.9.8.7", 16, 1);
	addr4("DELADDR on index 99", RTM_DELADDR, NLM_F_ACK, "10.9.8.7", 24, 99);
	dump("addresses", RTM_GETADDR);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	RESULT("SIOCGIFADDR", ioctl(s, SIOCGIFADDR, &ifr));
	printf("  %s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
	RESULT("SIOCGIFNETMASK", ioctl(s, SIOCGIFNETMASK, &ifr));
	printf("  %s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
	close(s);
}

static void addresses6(void)
{
	addr6("NEWADDR fd00::7/64", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, "fd00::7", 64, 1, 0);
	addr6("NEWADDR fd00::7/64 again", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, "fd00::7", 64,
	      1, 0);
	addr6("NEWADDR fd00::8/129", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "fd00::8", 129, 1, 0);
	addr6("NEWADDR ff02::8/64", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "ff02::8", 64, 1, 0);
	addr6("NEWADDR on index 99", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "fd00::8", 64, 99, 0);
	addr6("NEWADDR fd00::9/48 NODAD", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, "fd00::9", 48, 1,
	      IFA_F_NODAD);
	dump("addresses", RTM_GETADDR);
	addr6("DELADDR fd00::7/64", RTM_DELADDR, NLM_F_ACK, "fd00::7", 64, 1, 0);
	addr6("DELADDR fd00::7/64 again", RTM_DELADDR, NLM_F_ACK, "fd00::7", 64, 1, 0);
	addr6("DELADDR fd00::9/64 (it is /48)", RTM_DELADDR, NLM_F_ACK, "fd00::9", 64, 1, 0);
	addr6("DELADDR fd00::9/48", RTM_DELADDR, NLM_F_ACK, "fd00::9", 48, 1, 0);
	addr6("DELADDR on index 99", RTM_DELADDR, NLM_F_ACK, "fd00::9", 48, 99, 0);
}

static void routes(void)
{
	route("NEWROUTE default via 192.0.2.1 dev lo onlink", RTM_NEWROUTE,
	      NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NULL, 0, "192.0.2.1", 1, RT_SCOPE_UNIVERSE,
	      RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	route("NEWROUTE the same EXCL", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NULL, 0,
	      "192.0.2.1", 1, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	route("NEWROUTE the same, CREATE only", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, NULL, 0,
	      "192.0.2.1", 1, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	route("NEWROUTE REPLACE via 192.0.2.2", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
	      NULL, 0, "192.0.2.2", 1, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	dump("routes", RTM_GETROUTE);
	FILE *f = fopen("/proc/net/route", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "lo\t", 3)) {
			char *e = line + strlen(line);
			while (e > line && (e[-1] == '\n' || e[-1] == ' '))
				*--e = 0;
			printf("/proc/net/route: %s\n", line);
		}
	if (f)
		fclose(f);
	route("DELROUTE default via 192.0.2.9", RTM_DELROUTE, NLM_F_ACK, NULL, 0, "192.0.2.9", 0,
	      RT_SCOPE_NOWHERE, 0, 0, 0);
	route("DELROUTE default proto static", RTM_DELROUTE, NLM_F_ACK, NULL, 0, NULL, 0,
	      RT_SCOPE_NOWHERE, RTPROT_STATIC, 0, 0);
	route("DELROUTE default", RTM_DELROUTE, NLM_F_ACK, NULL, 0, NULL, 0, RT_SCOPE_NOWHERE, 0, 0, 0);
	route("DELROUTE default again", RTM_DELROUTE, NLM_F_ACK, NULL, 0, NULL, 0, RT_SCOPE_NOWHERE, 0,
	      0, 0);
	route("NEWROUTE REPLACE without CREATE", RTM_NEWROUTE, NLM_F_ACK | NLM_F_REPLACE, NULL, 0,
	      "192.0.2.1", 1, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	route("NEWROUTE via 10.77.0.1 (no route to it)", RTM_NEWROUTE,
	      NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NULL, 0, "10.77.0.1", 0, RT_SCOPE_UNIVERSE,
	      RTPROT_BOOT, RTN_UNICAST, 0);
	route("NEWROUTE via 10.9.8.1 (lo's subnet)", RTM_NEWROUTE,
	      NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NULL, 0, "10.9.8.1", 0, RT_SCOPE_UNIVERSE,
	      RTPROT_BOOT, RTN_UNICAST, 0);
	route("DELROUTE default", RTM_DELROUTE, NLM_F_ACK, NULL, 0, NULL, 0, RT_SCOPE_NOWHERE, 0, 0, 0);
	route("NEWROUTE default dev lo", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NULL, 0,
	      NULL, 1, RT_SCOPE_LINK, RTPROT_BOOT, RTN_UNICAST, 0);
	route("DELROUTE default", RTM_DELROUTE, NLM_F_ACK, NULL, 0, NULL, 0, RT_SCOPE_NOWHERE, 0, 0, 0);
	route("NEWROUTE without gateway or device", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, NULL, 0,
	      NULL, 0, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, 0);
	route("NEWROUTE onlink without device", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, NULL, 0,
	      "192.0.2.1", 0, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	route("NEWROUTE onlink on index 99", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, NULL, 0,
	      "192.0.2.1", 99, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	route("NEWROUTE of type 0", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, NULL, 0, "10.9.8.1", 0,
	      RT_SCOPE_UNIVERSE, RTPROT_BOOT, 0, 0);
	route("NEWROUTE 10.9.8.1/24 (host bits)", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE,
	      "10.9.8.1", 24, "10.9.8.1", 0, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, 0);
	route("DELROUTE 10.9.8.0/24 (lo's subnet is in the local table)", RTM_DELROUTE, NLM_F_ACK,
	      "10.9.8.0", 24, NULL, 0, RT_SCOPE_NOWHERE, 0, 0, 0);
}

static void links(void)
{
	/* lo back to 127.0.0.1 only: Linux puts it back on lo coming up, next to any other */
	addr4("DELADDR 10.9.8.7/24", RTM_DELADDR, NLM_F_ACK, "10.9.8.7", 24, 1);
	addr4("NEWADDR 127.0.0.1/8", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, "127.0.0.1", 8, 1);
	link_set("SETLINK lo mtu 1500", RTM_SETLINK, NLM_F_ACK, 1, 0, 0, 1500, NULL);
	link_set("SETLINK lo mtu 1500 again", RTM_SETLINK, NLM_F_ACK, 1, 0, 0, 1500, NULL);
	link_set("NEWLINK lo mtu 65536", RTM_NEWLINK, NLM_F_ACK, 1, 0, 0, 65536, NULL);
	link_set("SETLINK by name lo mtu 1500", RTM_SETLINK, NLM_F_ACK, 0, 0, 0, 1500, "lo");
	link_set("SETLINK lo mtu 65536", RTM_SETLINK, NLM_F_ACK, 1, 0, 0, 65536, NULL);
	link_set("SETLINK index 99", RTM_SETLINK, NLM_F_ACK, 99, 0, 0, 1500, NULL);
	link_set("SETLINK without index or name", RTM_SETLINK, NLM_F_ACK, 0, 0, 0, 1500, NULL);
	link_set("NEWLINK lo EXCL", RTM_NEWLINK, NLM_F_ACK | NLM_F_EXCL, 1, 0, 0, 0, NULL);
	link_set("NEWLINK lo REPLACE", RTM_NEWLINK, NLM_F_ACK | NLM_F_REPLACE, 1, 0, 0, 0, NULL);
	link_set("NEWLINK index 99", RTM_NEWLINK, NLM_F_ACK, 99, 0, 0, 0, NULL);
	link_set("NEWLINK index 99 CREATE", RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE, 99, 0, 0, 0, NULL);
	link_set("DELLINK lo", RTM_DELLINK, NLM_F_ACK, 1, 0, 0, 0, NULL);
	link_set("DELLINK index 99", RTM_DELLINK, NLM_F_ACK, 99, 0, 0, 0, NULL);
	route("NEWROUTE default via 192.0.2.1 dev lo onlink", RTM_NEWROUTE,
	      NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, NULL, 0, "192.0.2.1", 1, RT_SCOPE_UNIVERSE,
	      RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	link_set("NEWLINK lo down", RTM_NEWLINK, NLM_F_ACK, 1, 0, IFF_UP, 0, NULL);
	dump("addresses while down", RTM_GETADDR);
	route("NEWROUTE via lo while down", RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, NULL, 0,
	      "192.0.2.1", 1, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTN_UNICAST, RTNH_F_ONLINK);
	link_set("NEWLINK lo up", RTM_NEWLINK, NLM_F_ACK, 1, IFF_UP, IFF_UP, 0, NULL);
	dump("routes after down and up", RTM_GETROUTE);
	dump("links", RTM_GETLINK);
}

static void ioctls(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.9.8.8", &sin->sin_addr);
	RESULT("SIOCSIFADDR 10.9.8.8", ioctl(s, SIOCSIFADDR, &ifr));
	events(0);
	RESULT("SIOCSIFADDR 10.9.8.8 again", ioctl(s, SIOCSIFADDR, &ifr));
	events(0);
	RESULT("SIOCGIFNETMASK", ioctl(s, SIOCGIFNETMASK, &ifr));
	printf("  %s\n", inet_ntoa(sin->sin_addr));
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	RESULT("SIOCSIFNETMASK 255.255.255.0", ioctl(s, SIOCSIFNETMASK, &ifr));
	events(0);
	inet_pton(AF_INET, "255.0.255.0", &sin->sin_addr);
	RESULT("SIOCSIFNETMASK 255.0.255.0", ioctl(s, SIOCSIFNETMASK, &ifr));
	sin->sin_family = AF_INET6;
	RESULT("SIOCSIFNETMASK of family AF_INET6", ioctl(s, SIOCSIFNETMASK, &ifr));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "224.0.0.1", &sin->sin_addr);
	RESULT("SIOCSIFADDR 224.0.0.1", ioctl(s, SIOCSIFADDR, &ifr));
	inet_pton(AF_INET, "0.0.0.0", &sin->sin_addr);
	RESULT("SIOCSIFADDR 0.0.0.0", ioctl(s, SIOCSIFADDR, &ifr));
	events(0);
	RESULT("SIOCGIFADDR without an address", ioctl(s, SIOCGIFADDR, &ifr));
	RESULT("SIOCSIFNETMASK without an address", ioctl(s, SIOCSIFNETMASK, &ifr));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
	RESULT("SIOCSIFADDR 127.0.0.1", ioctl(s, SIOCSIFADDR, &ifr));
	events(0);
	ifr.ifr_mtu = 1500;
	RESULT("SIOCSIFMTU 1500", ioctl(s, SIOCSIFMTU, &ifr));
	events(0);
	RESULT("SIOCGIFMTU", ioctl(s, SIOCGIFMTU, &ifr));
	printf("  %d\n", ifr.ifr_mtu);
	ifr.ifr_mtu = -1;
	RESULT("SIOCSIFMTU -1", ioctl(s, SIOCSIFMTU, &ifr));
	ifr.ifr_mtu = 65536;
	RESULT("SIOCSIFMTU 65536", ioctl(s, SIOCSIFMTU, &ifr));
	events(0);
	RESULT("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags &= ~IFF_UP;
	RESULT("SIOCSIFFLAGS down", ioctl(s, SIOCSIFFLAGS, &ifr));
	events(0);
	ifr.ifr_flags |= IFF_UP;
	RESULT("SIOCSIFFLAGS up", ioctl(s, SIOCSIFFLAGS, &ifr));
	events(0);
	RESULT("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &ifr));
	printf("  %#x\n", ifr.ifr_flags & 0xffff);
	strcpy(ifr.ifr_name, "nosuch0");
	RESULT("SIOCSIFMTU nosuch0", ioctl(s, SIOCSIFMTU, &ifr));
	sin->sin_family = AF_INET;
	RESULT("SIOCSIFADDR nosuch0", ioctl(s, SIOCSIFADDR, &ifr));
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(ifr.ifr_name, "lo");
	RESULT("SIOCSIFADDR on an AF_UNIX socket", ioctl(s, SIOCSIFADDR, &ifr));
	ifr.ifr_mtu = 65536;
	RESULT("SIOCSIFMTU on an AF_UNIX socket", ioctl(s, SIOCSIFMTU, &ifr));
	close(s);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct in6_ifreq r6 = { .prefixlen = 64, .ifindex = 1 };
	inet_pton(AF_INET6, "fd00::5", &r6.addr);
	RESULT("SIOCSIFADDR fd00::5/64 (AF_INET6)", ioctl(s, SIOCSIFADDR, &r6));
	events(1);
	RESULT("SIOCSIFADDR fd00::5/64 again", ioctl(s, SIOCSIFADDR, &r6));
	RESULT("SIOCDIFADDR fd00::5/64", ioctl(s, SIOCDIFADDR, &r6));
	events(0);
	RESULT("SIOCDIFADDR fd00::5/64 again", ioctl(s, SIOCDIFADDR, &r6));
	r6.ifindex = 99;
	RESULT("SIOCSIFADDR on index 99", ioctl(s, SIOCSIFADDR, &r6));
	close(s);
}

/* What a socket of group 5 (RTNLGRP_IPV4_IFADDR) receives of an address change: nothing
   while it has no port (Linux's broadcast skips port 0), then the message with where it came
   from and NETLINK_PKTINFO's group. */
static void member_recv(int s, const char *what)
{
	static char buf[8192];
	struct sockaddr_nl from = { 0 };
	char ctl[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	addr4("NEWADDR 127.0.0.1/8 REPLACE", RTM_NEWADDR, NLM_F_ACK | NLM_F_REPLACE, "127.0.0.1", 8, 1);
	long n = recvmsg(s, &mh, MSG_DONTWAIT);
	if (n < 0) {
		printf("%s gets: %s\n", what, errname(errno));
		return;
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	printf("%s gets: a message from pid %u groups %#x, pktinfo %s\n", what, from.nl_pid,
	       from.nl_groups, c && c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_PKTINFO ?
	       (*(unsigned *)CMSG_DATA(c) == 5 ? "group 5" : "other") : "none");
	show_all("member", buf, n, ~0u);
}

/* A full receive buffer: the next receive says ENOBUFS (unless NETLINK_NO_ENOBUFS), then what
   was queued comes; the rest was dropped. */
static void overrun(int quiet)
{
	static char buf[8192];
	int link = 1;
	setsockopt(mon, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &link, sizeof(link));
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct sockaddr_nl b = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	bind(s, (void *)&b, sizeof(b));
	int small = 1;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(s, SOL_NETLINK, NETLINK_NO_ENOBUFS, &quiet, sizeof(quiet));
	int t = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	for (int i = 0; i <= 64; i++) {
		ifr.ifr_mtu = i == 64 ? 65536 : 1500 + (i & 1);
		ioctl(t, SIOCSIFMTU, &ifr);
	}
	close(t);
	int first = recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0 ? errno : 0, got = !first;
	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		got++;
	printf("65 MTU changes, %s: first receive %s, some came: %s, some were dropped: %s, then %s\n",
	       quiet ? "NETLINK_NO_ENOBUFS" : "small SO_RCVBUF", first ? errname(first) : "a message",
	       got ? "yes" : "no", got < 65 ? "yes" : "no", errname(errno));
	close(s);
	setsockopt(mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &link, sizeof(link));
}

static void memberships(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), g = 5, bad = 40;
	unsigned words[4] = { 0 };
	socklen_t len = sizeof(words);
	RESULT("ADD_MEMBERSHIP 5", setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)));
	RESULT("ADD_MEMBERSHIP 40", setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &bad, sizeof(bad)));
	bad = 0;
	RESULT("ADD_MEMBERSHIP 0", setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &bad, sizeof(bad)));
	RESULT("ADD_MEMBERSHIP of 2 bytes", setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, 2));
	RESULT("LIST_MEMBERSHIPS", getsockopt(s, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, words, &len));
	printf("  length %u, groups %#x %#x\n", len, words[0], words[1]);
	len = 4;
	RESULT("LIST_MEMBERSHIPS into 4 bytes", getsockopt(s, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, words,
							  &len));
	printf("  length %u\n", len);
	int on = 1;
	RESULT("NETLINK_PKTINFO", setsockopt(s, SOL_NETLINK, NETLINK_PKTINFO, &on, sizeof(on)));
	member_recv(s, "a member without a port");
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	RESULT("connect (a port)", connect(s, (void *)&a, sizeof(a)));
	member_recv(s, "a member with a port");
	RESULT("DROP_MEMBERSHIP 5", setsockopt(s, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &g, sizeof(g)));
	member_recv(s, "after DROP_MEMBERSHIP it");
	a.nl_groups = RTMGRP_LINK;
	RESULT("bind with groups and port 0 once it has a port", bind(s, (void *)&a, sizeof(a)));
	socklen_t al = sizeof(a);
	getsockname(s, (void *)&a, &al);
	a.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR;
	RESULT("bind with groups and its port", bind(s, (void *)&a, sizeof(a)));
	al = sizeof(a);
	getsockname(s, (void *)&a, &al);
	printf("  getsockname groups %#x\n", a.nl_groups);
	close(s);
	overrun(0);
	overrun(1);
}

static void protocol(void)
{
	struct req r;
	struct ifaddrmsg *m = req_init(&r, RTM_NEWADDR, NLM_F_ACK, 0);
	request("NEWADDR without a payload", &r, 0);
	m = req_init(&r, RTM_NEWADDR, NLM_F_ACK, sizeof(*m));
	m->family = AF_INET;
	r.h.flags &= ~NLM_F_REQUEST;
	request("NEWADDR that is not a request", &r, 0);
	m = req_init(&r, 99, NLM_F_ACK, sizeof(*m));
	request("type 99", &r, 0);
	m = req_init(&r, 200, NLM_F_ACK, sizeof(*m));
	request("type 200", &r, 0);
	m = req_init(&r, RTM_NEWADDR, NLM_F_ACK, sizeof(*m));
	m->family = 99;
	request("NEWADDR of family 99", &r, 0);
	int on = 1;
	setsockopt(rq, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
	addr4("NEWADDR on index 99 with NETLINK_CAP_ACK", RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE,
	      "10.9.8.7", 24, 99);
	on = 0;
	setsockopt(rq, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (unshare(CLONE_NEWNET) && errno != EPERM) {
		printf("unshare: %s\n", errname(errno));
		return 1;
	}
	rq = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t al = sizeof(a);
	bind(rq, (void *)&a, sizeof(a));
	getsockname(rq, (void *)&a, &al);
	self = a.nl_pid;
	normalize();
	mon = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	a = (struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK |
		RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE };
	RESULT("bind the monitor", bind(mon, (void *)&a, sizeof(a)));
	dump("addresses", RTM_GETADDR);
	dump("routes", RTM_GETROUTE);
	permissions();
	addresses4();
	addresses6();
	routes();
	links();
	ioctls();
	memberships();
	protocol();
	return 0;
}
