/* NETLINK_ROUTE requests that change things, checked as Linux checks them (devinet.c's
   inet_rtm_newaddr/deladdr, addrconf.c's inet6_rtm_newaddr/deladdr, rtnetlink.c's
   rtnl_newlink/setlink/dellink, fib_frontend.c's inet_rtm_newroute/delroute with
   fib_table_insert/delete) and carried out by net/ifconfig.c. lwIP's limits give EOPNOTSUPP:
   one IPv4 address per interface, the main table's default route as the only route one can
   add, no link renaming, hardware address or promiscuous mode, no IPv6 routes. */
#include "k/kernel.h"
#include "net/socket.h"
#include "net/rtnl.h"
#include "net/ifconfig.h"
#include "lwip/netif.h"

#define INFINITY_LIFE 0xffffffffu

struct ifa_cacheinfo_in {
	uint32_t prefered, valid, cstamp, tstamp;
};

/* IFA_CACHEINFO's lifetimes: 0 when none or infinite (what lwIP's static addresses are),
   -EINVAL as Linux for a zero or inverted one, -EOPNOTSUPP for a finite one. */
static int rtnl_lifetimes(const struct rtnl_attrs *t)
{
	struct ifa_cacheinfo_in ci;
	int r = rtnl_attr(t, IFA_CACHEINFO, &ci, sizeof(ci));
	if (r <= 0)
		return r;
	if (!ci.valid || ci.prefered > ci.valid)
		return -EINVAL;
	return ci.valid == INFINITY_LIFE && ci.prefered == INFINITY_LIFE ? 0 : -EOPNOTSUPP;
}

/* IFA_FLAGS, or the message's 8-bit flags. */
static int rtnl_addr_flags(const struct ifaddrmsg_k *m, const struct rtnl_attrs *t,
			   unsigned *flags)
{
	uint32_t v;
	int r = rtnl_attr(t, IFA_FLAGS, &v, 4);
	*flags = r > 0 ? v : m->flags;
	return r < 0 ? r : 0;
}

/* IFA_LABEL, when there, is the interface's name (not an alias such as eth0:1). */
static bool rtnl_label_ok(const struct rtnl_attrs *t, struct netif *n)
{
	char want[IFNAMSIZ] = "";
	struct if_info i;
	if (!t->data[IFA_LABEL])
		return true;
	memcpy(want, t->data[IFA_LABEL], MIN(t->len[IFA_LABEL], IFNAMSIZ - 1));
	return !ifinfo_find(NULL, (int)netif_get_index(n), &i) && !strncmp(want, i.name, IFNAMSIZ);
}

static int rtnl_newaddr4(const struct nlmsghdr_k *h, const struct ifaddrmsg_k *m,
			 const struct rtnl_attrs *t, const struct nl_origin *org)
{
	struct ifcfg_addr4 a = { .prefix = m->prefixlen, .scope = m->scope };
	if (m->prefixlen > 32 || !t->data[IFA_LOCAL] || rtnl_attr(t, IFA_LOCAL, a.local, 4) < 0)
		return -EINVAL;
	struct netif *n = ifinfo_netif(NULL, (int)m->index);
	if (!n || !m->index)
		return -ENODEV;
	uint8_t peer[4];
	int err = rtnl_addr_flags(m, t, &a.flags);
	if (err || (err = rtnl_lifetimes(t)))
		return err;
	int p = rtnl_attr(t, IFA_ADDRESS, peer, 4), b = rtnl_attr(t, IFA_BROADCAST, a.brd, 4);
	if (p < 0 || b < 0)
		return -EINVAL;
	a.has_brd = b > 0;
	if ((p && memcmp(peer, a.local, 4)) || !rtnl_label_ok(t, n))
		return -EOPNOTSUPP;     /* a peer address; an alias label (eth0:1) */
	return ifcfg_add_addr4(n, &a, h->flags, org);
}

/* extract_addr: IFA_LOCAL, or else IFA_ADDRESS; a different IFA_ADDRESS is a peer's. */
static int rtnl_addr6(const struct rtnl_attrs *t, uint8_t a[16], bool *peer)
{
	uint8_t other[16];
	int l = rtnl_attr(t, IFA_LOCAL, a, 16), r = rtnl_attr(t, IFA_ADDRESS, other, 16);
	if (l < 0 || r < 0 || (!l && !r))
		return -EINVAL;
	if (!l)
		memcpy(a, other, 16);
	*peer = l && r && memcmp(a, other, 16);
	return 0;
}

static int rtnl_newaddr6(const struct nlmsghdr_k *h, const struct ifaddrmsg_k *m,
			 const struct rtnl_attrs *t)
{
	uint8_t a[16];
	bool peer;
	unsigned flags;
	int err = rtnl_addr6(t, a, &peer);
	if (err)
		return err;
	struct netif *n = ifinfo_netif(NULL, (int)m->index);
	if (!n || !m->index)
		return -ENODEV;
	if ((err = rtnl_addr_flags(m, t, &flags)))
		return err;
	flags &= ~IFA_F_OPTIMISTIC;         /* net.ipv6.conf.*.optimistic_dad is 0 */
	if (ifcfg_find_addr6(n, a, -1) < 0) {
		if (m->prefixlen > 128)
			return -EINVAL;
		if ((err = rtnl_lifetimes(t)))
			return err;
	}
	if (peer)
		return -EOPNOTSUPP;
	return ifcfg_add_addr6(n, a, m->prefixlen, flags, h->flags);
}

int rtnl_newaddr(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org)
{
	struct rtnl_attrs t;
	int err = rtnl_parse(h, len, sizeof(struct ifaddrmsg_k), &t);
	if (err)
		return err;
	const struct ifaddrmsg_k *m = (const void *)(h + 1);
	return m->family == AF_INET ? rtnl_newaddr4(h, m, &t, org) : rtnl_newaddr6(h, m, &t);
}

/* inet_rtm_deladdr: the first address the given attributes match (none given: the first). */
static int rtnl_deladdr4(const struct ifaddrmsg_k *m, const struct rtnl_attrs *t,
			 const struct nl_origin *org)
{
	struct netif *n = ifinfo_netif(NULL, (int)m->index);
	if (!n || !m->index)
		return -ENODEV;
	if (ip4_addr_isany(netif_ip4_addr(n)))
		return -EADDRNOTAVAIL;
	uint32_t local, addr, ip = netif_ip4_addr(n)->addr, mask = netif_ip4_netmask(n)->addr;
	int l = rtnl_attr(t, IFA_LOCAL, &local, 4), a = rtnl_attr(t, IFA_ADDRESS, &addr, 4);
	if (l < 0 || a < 0)
		return -EINVAL;
	if ((l && local != ip) || !rtnl_label_ok(t, n) ||
	    (a && (m->prefixlen != __builtin_popcount(mask) || ((addr ^ ip) & mask))))
		return -EADDRNOTAVAIL;
	return ifcfg_del_addr4(n, org);
}

static int rtnl_deladdr6(const struct ifaddrmsg_k *m, const struct rtnl_attrs *t)
{
	uint8_t a[16];
	bool peer;
	int err = rtnl_addr6(t, a, &peer);
	if (err)
		return err;
	if (m->prefixlen > 128)
		return -EINVAL;
	struct netif *n = ifinfo_netif(NULL, (int)m->index);
	if (!n || !m->index)
		return -ENODEV;
	int slot = ifcfg_find_addr6(n, a, m->prefixlen);
	if (slot < 0)
		return slot;
	ifcfg_del_addr6(n, slot);
	return 0;
}

int rtnl_deladdr(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org)
{
	struct rtnl_attrs t;
	int err = rtnl_parse(h, len, sizeof(struct ifaddrmsg_k), &t);
	if (err)
		return err;
	const struct ifaddrmsg_k *m = (const void *)(h + 1);
	return m->family == AF_INET ? rtnl_deladdr4(m, &t, org) : rtnl_deladdr6(m, &t);
}

/* The link a request names: by index, else by IFLA_IFNAME (*named says whether it named
   one at all). */
static struct netif *rtnl_link_of(const struct ifinfomsg_k *m, const struct rtnl_attrs *t,
				  bool *named)
{
	*named = m->index > 0 || t->data[IFLA_IFNAME];
	if (m->index > 0)
		return ifinfo_netif(NULL, m->index);
	if (!t->data[IFLA_IFNAME])
		return NULL;
	char name[IFNAMSIZ] = "";
	memcpy(name, t->data[IFLA_IFNAME], MIN(t->len[IFLA_IFNAME], IFNAMSIZ - 1));
	return ifinfo_netif(name, 0);
}

/* do_setlink for what lwIP can do: the MTU and IFF_UP, in Linux's order; a new hardware
   address, name or queue length is EOPNOTSUPP. */
static int rtnl_do_setlink(struct netif *n, const struct ifinfomsg_k *m,
			   const struct rtnl_attrs *t)
{
	struct if_info i;
	uint32_t v;
	int r;
	ifinfo_find(NULL, (int)netif_get_index(n), &i);
	if (t->data[IFLA_ADDRESS])
		return t->len[IFLA_ADDRESS] < 6 ? -EINVAL : -EOPNOTSUPP;
	if ((r = rtnl_attr(t, IFLA_MTU, &v, 4)) < 0)
		return r;
	if (r && (r = ifcfg_set_mtu(n, (int32_t)v)))
		return r;
	if (t->data[IFLA_IFNAME] && m->index > 0) {
		char name[IFNAMSIZ] = "";
		memcpy(name, t->data[IFLA_IFNAME], MIN(t->len[IFLA_IFNAME], IFNAMSIZ - 1));
		if (strncmp(name, i.name, IFNAMSIZ))
			return -EOPNOTSUPP;
	}
	if (m->flags || m->change) {
		/* ifi_change 0 means every flag, as Linux's rtnl_dev_combine_flags */
		unsigned flags = m->change ? (m->flags & m->change) | (i.flags & ~m->change) :
			m->flags;
		if ((r = ifcfg_set_flags(n, flags)))
			return r;
	}
	if ((r = rtnl_attr(t, IFLA_TXQLEN, &v, 4)) < 0)
		return r;
	return r && v != 1000 ? -EOPNOTSUPP : 0;
}

int rtnl_setlink(const struct nlmsghdr_k *h, uint32_t len)
{
	struct rtnl_attrs t;
	int err = rtnl_parse(h, len, sizeof(struct ifinfomsg_k), &t);
	if (err)
		return err;
	const struct ifinfomsg_k *m = (const void *)(h + 1);
	bool named;
	struct netif *n = rtnl_link_of(m, &t, &named);
	if (h->type == RTM_SETLINK) {
		if (!named)
			return -EINVAL;
		if (!n)
			return -ENODEV;
	} else if (!n) {
		/* a new link: lwIP has no kinds of device to make */
		return (h->flags & NLM_F_CREATE) ? -EOPNOTSUPP : -ENODEV;
	} else if (h->flags & NLM_F_EXCL) {
		return -EEXIST;
	} else if (h->flags & NLM_F_REPLACE) {
		return -EOPNOTSUPP;
	}
	return rtnl_do_setlink(n, m, &t);
}

int rtnl_dellink(const struct nlmsghdr_k *h, uint32_t len)
{
	struct rtnl_attrs t;
	int err = rtnl_parse(h, len, sizeof(struct ifinfomsg_k), &t);
	if (err)
		return err;
	bool named;
	struct netif *n = rtnl_link_of((const void *)(h + 1), &t, &named);
	if (!named)
		return -EINVAL;
	return n ? -EOPNOTSUPP : -ENODEV;       /* lo and eth0 cannot be deleted */
}

/* An IPv4 route request as Linux's fib_config. */
struct rtnl_route {
	const struct rtmsg_k *m;
	uint32_t table, dst, priority, prefsrc;
	uint32_t oif;
	bool has_gw;
	uint8_t gw[4];
};

static int rtnl_route_parse(const struct nlmsghdr_k *h, uint32_t len, struct rtnl_route *c)
{
	struct rtnl_attrs t;
	int err = rtnl_parse(h, len, sizeof(struct rtmsg_k), &t);
	if (err)
		return err;
	memset(c, 0, sizeof(*c));
	c->m = (const void *)(h + 1);
	c->table = c->m->table;
	if (c->m->type > RTN_MAX || c->m->dst_len > 32 ||
	    rtnl_attr(&t, RTA_TABLE, &c->table, 4) < 0 || rtnl_attr(&t, RTA_DST, &c->dst, 4) < 0 ||
	    rtnl_attr(&t, RTA_OIF, &c->oif, 4) < 0 ||
	    rtnl_attr(&t, RTA_PRIORITY, &c->priority, 4) < 0 ||
	    rtnl_attr(&t, RTA_PREFSRC, &c->prefsrc, 4) < 0 ||
	    (err = rtnl_attr(&t, RTA_GATEWAY, c->gw, 4)) < 0)
		return -EINVAL;
	c->has_gw = err > 0;
	if (c->table == RT_TABLE_UNSPEC)
		c->table = RT_TABLE_MAIN;
	uint32_t host = c->m->dst_len < 32 ? lwip_htonl(0xffffffffu >> c->m->dst_len) : 0;
	return c->dst & host ? -EINVAL : 0;     /* bits past the prefix */
}

/* Linux's fib_check_nh: the interface a route goes out of. With a gateway, the one whose
   subnet holds it (or the one named, with RTNH_F_ONLINK); without, the one named. */
static int rtnl_route_dev(const struct rtnl_route *c, struct netif **dev)
{
	struct netif *n = c->oif ? ifinfo_netif(NULL, (int)c->oif) : NULL;
	if (!c->has_gw || (c->m->flags & RTNH_F_ONLINK)) {
		if (!c->has_gw && (c->m->flags & RTNH_F_ONLINK))
			return -EINVAL;
		if (c->has_gw && c->m->scope >= RT_SCOPE_LINK)
			return -EINVAL;
		if (!n)
			return -ENODEV;
	} else {
		uint32_t gw;
		memcpy(&gw, c->gw, 4);
		struct netif *x;
		n = NULL;
		NETIF_FOREACH(x) {
			uint32_t ip = netif_ip4_addr(x)->addr, mask = netif_ip4_netmask(x)->addr;
			if (ip && !((gw ^ ip) & mask) && (!c->oif || netif_get_index(x) == c->oif)) {
				n = x;
				break;
			}
		}
		if (!n)
			return -ENETUNREACH;
	}
	*dev = n;
	return netif_is_up(n) ? 0 : -ENETDOWN;
}

/* Is the existing route r the one c describes (fib_table_delete's test; with exact, also
   fib_table_insert's for the very same route)? */
static bool rtnl_route_match(const struct rtnl_route *c, const struct if_route4 *r, bool exact)
{
	const struct rtmsg_k *m = c->m;
	uint32_t dst;
	memcpy(&dst, r->dst, 4);
	if (dst != c->dst || r->dst_len != m->dst_len || m->tos)
		return false;
	if (exact)
		return r->protocol == m->protocol && r->scope == m->scope &&
		       r->priority == c->priority && r->index == (int)c->oif &&
		       r->has_gw == c->has_gw && !memcmp(r->gw, c->gw, 4);
	return (!m->type || m->type == r->type) &&
	       (m->scope == RT_SCOPE_NOWHERE || m->scope == r->scope) &&
	       (!c->prefsrc || (r->has_prefsrc && !memcmp(&c->prefsrc, r->prefsrc, 4))) &&
	       (!m->protocol || m->protocol == r->protocol) &&
	       (!c->priority || c->priority == r->priority) &&
	       (!c->oif || c->oif == (uint32_t)r->index) &&
	       (!c->has_gw || (r->has_gw && !memcmp(c->gw, r->gw, 4)));
}

int rtnl_newroute(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org)
{
	struct rtnl_route c;
	struct netif *dev;
	int err = rtnl_route_parse(h, len, &c);
	if (err)
		return err;
	if (c.table != RT_TABLE_MAIN)
		return -EOPNOTSUPP;     /* lwIP has one table */
	if (c.m->type != RTN_UNICAST)
		return c.m->type ? -EOPNOTSUPP : -EINVAL;      /* RTN_UNSPEC: no valid scope */
	if (c.m->tos)
		return -EOPNOTSUPP;     /* routes by type of service */
	if ((err = rtnl_route_dev(&c, &dev)))
		return err;
	c.oif = netif_get_index(dev);
	struct if_route4 r[IF_ROUTE_MAX];
	int n = ifinfo_routes4(r, IF_ROUTE_MAX);
	for (int k = 0; k < n; k++) {
		uint32_t dst;
		memcpy(&dst, r[k].dst, 4);
		if (dst != c.dst || r[k].dst_len != c.m->dst_len || r[k].priority != c.priority)
			continue;       /* fib_table_insert's key: prefix, tos, priority */
		if (h->flags & NLM_F_EXCL)
			return -EEXIST;
		if (!(h->flags & NLM_F_REPLACE))
			return rtnl_route_match(&c, &r[k], true) ? -EEXIST : -EOPNOTSUPP;
		if (c.m->dst_len)
			return -EOPNOTSUPP;     /* an interface's subnet stays on it */
		struct if_route4 want = { .protocol = c.m->protocol, .scope = c.m->scope,
					  .flags = c.m->flags & RTNH_F_ONLINK, .priority = c.priority };
		return ifcfg_set_default4(dev, c.has_gw ? c.gw : NULL, &want, NLM_F_REPLACE, org);
	}
	if (!(h->flags & NLM_F_CREATE))
		return -ENOENT;
	struct if_route4 d;
	if (c.m->dst_len || ifinfo_default_route4(&d))
		return -EOPNOTSUPP;     /* a route to a subnet, a second default route */
	struct if_route4 want = { .protocol = c.m->protocol, .scope = c.m->scope,
				  .flags = c.m->flags & RTNH_F_ONLINK, .priority = c.priority };
	return ifcfg_set_default4(dev, c.has_gw ? c.gw : NULL, &want, NLM_F_CREATE | NLM_F_EXCL,
				  org);
}

int rtnl_delroute(const struct nlmsghdr_k *h, uint32_t len, const struct nl_origin *org)
{
	struct rtnl_route c;
	int err = rtnl_route_parse(h, len, &c);
	if (err)
		return err;
	if (c.table != RT_TABLE_MAIN)
		return -ESRCH;
	struct if_route4 r[IF_ROUTE_MAX];
	int n = ifinfo_routes4(r, IF_ROUTE_MAX);
	for (int k = 0; k < n; k++) {
		if (!rtnl_route_match(&c, &r[k], false))
			continue;
		if (r[k].dst_len)
			return -EOPNOTSUPP;     /* lwIP routes an address's subnet while it has it */
		ifcfg_del_default4(org);
		return 0;
	}
	return -ESRCH;
}
