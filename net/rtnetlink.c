/* NETLINK_ROUTE: the requests (as Linux's rtnetlink_rcv_msg sorts them: anything but a GET
   needs CAP_NET_ADMIN), the dumps of links (RTM_GETLINK), addresses (RTM_GETADDR) and IPv4
   routes (RTM_GETROUTE) that getifaddrs and `ip` read, and the link, address and route
   messages, which the notifications of changes (net/ifconfig.c) reuse. The requests that
   change things are net/rtnl_change.c's. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/time.h"
#include "net/socket.h"
#include "net/rtnl.h"
#include "lwip/netif.h"

#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

int rtnl_parse(const struct nlmsghdr_k *h, uint32_t len, uint32_t hdrlen, struct rtnl_attrs *t)
{
	memset(t, 0, sizeof(*t));
	if (len < sizeof(*h) + hdrlen)
		return -EINVAL;
	const uint8_t *p = (const uint8_t *)(h + 1) + NL_ALIGN(hdrlen);
	const uint8_t *end = (const uint8_t *)h + len;
	while (p + 4 <= end) {
		uint16_t alen, type;
		memcpy(&alen, p, 2);
		memcpy(&type, p + 2, 2);
		if (alen < 4 || alen > end - p)
			break;
		type &= 0x3fff;         /* NLA_F_NESTED, NLA_F_NET_BYTEORDER */
		if (type <= RTNL_ATTR_MAX) {
			t->data[type] = p + 4;
			t->len[type] = (uint16_t)(alen - 4);
		}
		p += NL_ALIGN(alen);
	}
	return 0;
}

int rtnl_attr(const struct rtnl_attrs *t, int type, void *out, uint16_t n)
{
	if (!t->data[type])
		return 0;
	if (t->len[type] < n)
		return -EINVAL;
	memcpy(out, t->data[type], n);
	return 1;
}

void rtnl_fill_link(struct nl_out *o, const struct if_info *i, uint16_t type, uint16_t flags,
		    uint32_t seq, uint32_t portid, uint32_t change)
{
	nl_begin(o, type, flags, seq, portid);
	struct ifinfomsg_k m = { AF_UNSPEC, 0, i->loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER,
				 i->index, i->flags, change };
	nl_put(o, &m, sizeof(m));
	nl_attr(o, IFLA_IFNAME, i->name, (uint16_t)(strlen(i->name) + 1));
	uint32_t v = i->mtu;
	nl_attr(o, IFLA_MTU, &v, 4);
	v = 1000;
	nl_attr(o, IFLA_TXQLEN, &v, 4);
	nl_attr(o, IFLA_OPERSTATE, &i->operstate, 1);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
	nl_attr(o, IFLA_ADDRESS, i->hwaddr, 6);
	nl_attr(o, IFLA_BROADCAST, i->loopback ? zero : bcast, 6);
	nl_end(o);
}

struct ifa_cacheinfo_k {
	uint32_t prefered, valid, cstamp, tstamp;
};

void rtnl_fill_addr(struct nl_out *o, const struct if_info *i, const struct if_addr *a,
		    uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid)
{
	nl_begin(o, type, flags, seq, portid);
	struct ifaddrmsg_k m = { (uint8_t)a->family, (uint8_t)a->prefix, (uint8_t)a->flags,
				 (uint8_t)a->scope, (uint32_t)i->index };
	nl_put(o, &m, sizeof(m));
	bool v4 = a->family == AF_INET;
	nl_attr(o, IFA_ADDRESS, a->addr, v4 ? 4 : 16);
	/* hundredths of a second since boot, as Linux stamps an address (when it was made) */
	uint32_t now = (uint32_t)(time_monotonic_ns() / 10000000u);
	struct ifa_cacheinfo_k ci = { 0xffffffffu, 0xffffffffu, now, now };
	if (a->expires) {
		/* seconds left, as Linux counts down a DHCP client's address */
		int64_t left = (a->expires - (int64_t)time_monotonic_ns()) / 1000000000;
		ci.prefered = ci.valid = (uint32_t)(left < 0 ? 0 : left > 0xfffffffeLL ? 0xfffffffeLL : left);
	}
	uint32_t fl = a->flags;
	if (v4) {
		nl_attr(o, IFA_LOCAL, a->addr, 4);
		if (a->has_brd)
			nl_attr(o, IFA_BROADCAST, a->brd, 4);
		nl_attr(o, IFA_LABEL, i->name, (uint16_t)(strlen(i->name) + 1));
		nl_attr(o, IFA_FLAGS, &fl, 4);
		nl_attr(o, IFA_CACHEINFO, &ci, sizeof(ci));
	} else {
		nl_attr(o, IFA_CACHEINFO, &ci, sizeof(ci));
		nl_attr(o, IFA_FLAGS, &fl, 4);
	}
	nl_end(o);
}

void rtnl_fill_route4(struct nl_out *o, const struct if_route4 *r, uint16_t type,
		      uint16_t flags, uint32_t seq, uint32_t portid)
{
	nl_begin(o, type, flags, seq, portid);
	struct rtmsg_k m = { AF_INET, (uint8_t)r->dst_len, 0, 0, RT_TABLE_MAIN, r->protocol,
			     r->scope, r->type, r->flags };
	nl_put(o, &m, sizeof(m));
	uint32_t table = RT_TABLE_MAIN, oif = (uint32_t)r->index;
	nl_attr(o, RTA_TABLE, &table, 4);
	if (r->dst_len)
		nl_attr(o, RTA_DST, r->dst, 4);
	if (r->priority)
		nl_attr(o, RTA_PRIORITY, &r->priority, 4);
	if (r->has_prefsrc)
		nl_attr(o, RTA_PREFSRC, r->prefsrc, 4);
	if (r->has_gw)
		nl_attr(o, RTA_GATEWAY, r->gw, 4);
	nl_attr(o, RTA_OIF, &oif, 4);
	nl_end(o);
}

void rtnl_notify_link(struct netif *n, uint32_t change)
{
	struct if_info i;
	if (!nl_listened(RTNLGRP_LINK, NULL) || ifinfo_find(NULL, netif_get_index(n), &i))
		return;
	struct nl_out o = { 0 };
	rtnl_fill_link(&o, &i, RTM_NEWLINK, 0, 0, 0, change);
	nl_notify(&o, RTNLGRP_LINK, NULL);
}

void rtnl_notify_addr(struct netif *n, uint16_t type, const struct if_addr *a,
		      const struct nl_origin *org)
{
	int group = a->family == AF_INET ? RTNLGRP_IPV4_IFADDR : RTNLGRP_IPV6_IFADDR;
	struct if_info i;
	if (!nl_listened(group, org) || ifinfo_find(NULL, netif_get_index(n), &i))
		return;
	struct nl_out o = { 0 };
	rtnl_fill_addr(&o, &i, a, type, 0, org ? org->seq : 0, org ? org->portid : 0);
	nl_notify(&o, group, org);
}

void rtnl_notify_route4(uint16_t type, const struct if_route4 *r, uint16_t flags,
			const struct nl_origin *org)
{
	if (!nl_listened(RTNLGRP_IPV4_ROUTE, org))
		return;
	struct nl_out o = { 0 };
	rtnl_fill_route4(&o, r, type, flags, org ? org->seq : 0, org ? org->portid : 0);
	nl_notify(&o, RTNLGRP_IPV4_ROUTE, org);
}

static void rtnl_done(struct nl_out *o, const struct nlmsghdr_k *req, uint32_t portid)
{
	nl_begin(o, NLMSG_DONE, NLM_F_MULTI, req->seq, portid);
	int32_t zero = 0;
	nl_put(o, &zero, 4);
	nl_end(o);
}

/* A dump, as Linux's dumpit for type: NL_DUMPED, or -EOPNOTSUPP when there is none. Addresses
   come family by family (all IPv4 ones, then IPv6), as Linux's rtnl_dump_all. */
static int rtnl_dump(struct nl_out *o, const struct nlmsghdr_k *req, uint8_t family,
		     uint32_t portid)
{
	struct if_info ifs[IF_MAX];
	int n = ifinfo_list(ifs, IF_MAX);
	switch (req->type) {
	case RTM_GETLINK:
		for (int k = 0; k < n; k++)
			rtnl_fill_link(o, &ifs[k], RTM_NEWLINK, NLM_F_MULTI, req->seq, portid, 0);
		break;
	case RTM_GETADDR:
		for (int f = 0; f < 2; f++) {
			int fam = f ? AF_INET6 : AF_INET;
			if (family != AF_UNSPEC && family != fam)
				continue;
			for (int k = 0; k < n; k++)
				for (int j = 0; j < ifs[k].naddr; j++)
					if (ifs[k].addr[j].family == fam)
						rtnl_fill_addr(o, &ifs[k], &ifs[k].addr[j], RTM_NEWADDR,
							       NLM_F_MULTI, req->seq, portid);
		}
		break;
	case RTM_GETROUTE:
		if (family == AF_UNSPEC || family == AF_INET) {
			struct if_route4 r[IF_ROUTE_MAX];
			int nr = ifinfo_routes4(r, IF_ROUTE_MAX);
			for (int k = 0; k < nr; k++)
				rtnl_fill_route4(o, &r[k], RTM_NEWROUTE, NLM_F_MULTI, req->seq, portid);
		}
		break;
	default:
		return -EOPNOTSUPP;
	}
	rtnl_done(o, req, portid);
	return NL_DUMPED;
}

/* RTM_GETLINK of one link, by index or else by IFLA_IFNAME. */
static int rtnl_getlink(struct nl_out *o, const struct nlmsghdr_k *req, uint32_t len,
			uint32_t portid)
{
	struct rtnl_attrs t;
	int err = rtnl_parse(req, len, sizeof(struct ifinfomsg_k), &t);
	if (err)
		return err;
	const struct ifinfomsg_k *m = (const void *)(req + 1);
	char name[IFNAMSIZ] = "";
	if (t.data[IFLA_IFNAME])
		memcpy(name, t.data[IFLA_IFNAME], MIN(t.len[IFLA_IFNAME], IFNAMSIZ - 1));
	struct if_info i;
	err = m->index > 0 ? ifinfo_find(NULL, m->index, &i) :
	      t.data[IFLA_IFNAME] ? ifinfo_find(name, 0, &i) : -EINVAL;
	if (err)
		return err;
	rtnl_fill_link(o, &i, RTM_NEWLINK, 0, req->seq, portid, 0);
	return 0;
}

int rtnl_request(struct nl_sock *n, struct nl_out *o, const struct nlmsghdr_k *req,
		 uint32_t len)
{
	if (req->type > RTM_MAX)
		return -EOPNOTSUPP;
	if (len < sizeof(*req) + 1)
		return 0;               /* no family byte: Linux does nothing, and acks */
	uint8_t family = *(const uint8_t *)(req + 1);
	int kind = (req->type - RTM_NEWLINK) & 3;       /* NEW, DEL, GET, SET */
	if (kind != 2 && !capable(CAP_NET_ADMIN))
		return -EPERM;
	uint32_t portid = nl_portid(n);
	if (kind == 2 && (req->flags & NLM_F_DUMP) == NLM_F_DUMP)
		return rtnl_dump(o, req, family, portid);
	struct nl_origin org = { n, portid, req->seq, (req->flags & NLM_F_ECHO) != 0 };
	bool v4 = family == AF_INET, v6 = family == AF_INET6;
	switch (req->type) {
	case RTM_GETLINK:
		return rtnl_getlink(o, req, len, portid);
	case RTM_NEWLINK: case RTM_SETLINK:
		return rtnl_setlink(req, len);
	case RTM_DELLINK:
		return rtnl_dellink(req, len);
	case RTM_NEWADDR:
		return v4 || v6 ? rtnl_newaddr(req, len, &org) : -EOPNOTSUPP;
	case RTM_DELADDR:
		return v4 || v6 ? rtnl_deladdr(req, len, &org) : -EOPNOTSUPP;
	case RTM_NEWROUTE:
		return v4 ? rtnl_newroute(req, len, &org) : -EOPNOTSUPP;
	case RTM_DELROUTE:
		return v4 ? rtnl_delroute(req, len, &org) : -EOPNOTSUPP;
	}
	return -EOPNOTSUPP;
}
