/* NETLINK_ROUTE's messages inside the kernel: their numbers and layouts, the attribute parser,
   the builders of link, address and route messages (net/rtnetlink.c) and the requests that
   change things (net/rtnl_change.c). */
#ifndef NET_RTNL_H
#define NET_RTNL_H
#include <stdint.h>
#include <stdbool.h>
#include "net/netlink.h"
#include "net/ifinfo.h"

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
#define RTM_MAX 123             /* Linux 6.18's: above it, EOPNOTSUPP before anything */

#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PRIORITY 6
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define RTNL_ATTR_MAX 31        /* attributes above are ignored, as Linux's parser does */

#define RT_TABLE_UNSPEC 0
#define RT_TABLE_MAIN 254
#define RTN_MAX 11

struct ifinfomsg_k {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};

struct ifaddrmsg_k {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};

struct rtmsg_k {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};

/* A request's attributes by type (NULL: absent), after its fixed part. */
struct rtnl_attrs {
	const uint8_t *data[RTNL_ATTR_MAX + 1];
	uint16_t len[RTNL_ATTR_MAX + 1];
};

/* Splits the attributes after the fixed part of hdrlen bytes: -EINVAL when the message is
   shorter than that. A malformed attribute ends the list. */
int rtnl_parse(const struct nlmsghdr_k *h, uint32_t len, uint32_t hdrlen, struct rtnl_attrs *t);
/* Copies attribute type into out when it is there with at least n bytes: 1; 0 when absent;
   -EINVAL when shorter. */
int rtnl_attr(const struct rtnl_attrs *t, int type, void *out, uint16_t n);

/* The messages Linux sends for a link, an address and a route, in o. */
void rtnl_fill_link(struct nl_out *o, const struct if_info *i, uint16_t type, uint16_t flags,
		    uint32_t seq, uint32_t portid, uint32_t change);
void rtnl_fill_addr(struct nl_out *o, const struct if_info *i, const struct if_addr *a,
		    uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid);
void rtnl_fill_route4(struct nl_out *o, const struct if_route4 *r, uint16_t type,
		      uint16_t flags, uint32_t seq, uint32_t portid);

/* Notifications, sent only when a socket listens: a link's state (change: the IFF_* bits
   that changed), an address added or removed (RTM_NEWADDR, RTM_DELADDR) on n, a route. */
struct netif;
void rtnl_notify_link(struct netif *n, uint32_t change);
void rtnl_notify_addr(struct netif *n, uint16_t type, const struct if_addr *a,
		      const struct nl_origin *org);
void rtnl_notify_route4(uint16_t type, const struct if_route4 *r, uint16_t flags,
			const struct nl_origin *org);

/* The change requests (net/rtnl_change.c): 0 or -errno for the acknowledgement. */
int rtnl_newaddr(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org);
int rtnl_deladdr(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org);
int rtnl_setlink(const struct nlmsghdr_k *h, uint32_t len);
int rtnl_dellink(const struct nlmsghdr_k *h, uint32_t len);
int rtnl_newroute(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org);
int rtnl_delroute(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org);
#endif
