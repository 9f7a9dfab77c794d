/* Watches IPv4 address and route changes for SECONDS (tests/e2e/net.sh): prints each netlink
   notification, then what getifaddrs shows for eth0 and the SIOCGIFADDR answer for it.
   usage: nlwatch SECONDS */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void show_addr(const struct nlmsghdr *h)
{
	const struct ifaddrmsg *m = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	char a[INET_ADDRSTRLEN] = "?";
	unsigned valid = 0;
	for (const struct rtattr *r = IFA_RTA(m); RTA_OK(r, len); r = RTA_NEXT(r, len)) {
		if (r->rta_type == IFA_LOCAL)
			inet_ntop(AF_INET, RTA_DATA(r), a, sizeof(a));
		if (r->rta_type == IFA_CACHEINFO)
			valid = ((const struct ifa_cacheinfo *)RTA_DATA(r))->ifa_valid;
	}
	printf("%s %s/%d %s valid %u\n", h->nlmsg_type == RTM_NEWADDR ? "newaddr" : "deladdr", a,
	       m->ifa_prefixlen, m->ifa_flags & IFA_F_PERMANENT ? "permanent" : "dynamic", valid);
}

static void show_route(const struct nlmsghdr *h)
{
	const struct rtmsg *m = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	char dst[INET_ADDRSTRLEN] = "0.0.0.0", gw[INET_ADDRSTRLEN] = "-";
	for (const struct rtattr *r = RTM_RTA(m); RTA_OK(r, len); r = RTA_NEXT(r, len)) {
		if (r->rta_type == RTA_DST)
			inet_ntop(AF_INET, RTA_DATA(r), dst, sizeof(dst));
		if (r->rta_type == RTA_GATEWAY)
			inet_ntop(AF_INET, RTA_DATA(r), gw, sizeof(gw));
	}
	printf("%s %s/%d via %s proto %d\n", h->nlmsg_type == RTM_NEWROUTE ? "newroute" : "delroute",
	       dst, m->rtm_dst_len, gw, m->rtm_protocol);
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 1;
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE };
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("netlink");
		return 1;
	}
	time_t end = time(NULL) + secs;
	static char buf[16384];
	for (time_t now; (now = time(NULL)) < end;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)(end - now) * 1000) <= 0)
			continue;
		int n = (int)recv(fd, buf, sizeof(buf), 0);
		for (struct nlmsghdr *h = (void *)buf; n > 0 && NLMSG_OK(h, (unsigned)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
				show_addr(h);
			else if (h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE)
				show_route(h);
		}
		fflush(stdout);
	}
	struct ifaddrs *ifa;
	if (getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
			char a[INET_ADDRSTRLEN];
			if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !strcmp(i->ifa_name, "eth0"))
				printf("getifaddrs eth0 %s\n", inet_ntop(AF_INET,
				       &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a)));
		}
		freeifaddrs(ifa);
	}
	struct ifreq r = { 0 };
	strcpy(r.ifr_name, "eth0");
	if (ioctl(fd, SIOCGIFADDR, &r) == 0) {
		char a[INET_ADDRSTRLEN];
		printf("SIOCGIFADDR eth0 %s\n", inet_ntop(AF_INET,
		       &((struct sockaddr_in *)&r.ifr_addr)->sin_addr, a, sizeof(a)));
	} else {
		perror("SIOCGIFADDR eth0");
	}
	return 0;
}
