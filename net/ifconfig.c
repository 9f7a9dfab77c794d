/* Changes to the guest's interfaces with Linux's side effects and notifications: addresses,
   up/down, MTU, the IPv4 default route. lwIP keeps the state that acts (netif addresses, flags,
   MTU, default netif and gateway); net/ifinfo.c's extras what only shows. What lwIP's model
   cannot hold (a second IPv4 address on an interface, a route other than the default one, a
   gateway-less default route on Ethernet) is refused with EOPNOTSUPP rather than pretended.
   The stack changes addresses on its own too (IPv6 duplicate address detection, the DHCP
   client's IPv4 settings): lwIP's extended status callback reports those, unless this file is
   making the change itself. */
#include "k/kernel.h"
#include "net/socket.h"
#include "net/ifconfig.h"
#include "net/rtnl.h"
#include "lwip/netif.h"
#include "lwip/ip_addr.h"
#include "unik/abi.h"

#define IFF_CHANGEABLE 0xf3a5u  /* UP, DEBUG, NOTRAILERS, NOARP, PROMISC, ALLMULTI, MULTICAST,
				   PORTSEL, AUTOMEDIA, DYNAMIC: what dev_change_flags sets */
#define IFA_F_SECONDARY 0x01
#define IFA_F_KEPT6 0x712u      /* NODAD, HOMEADDRESS, MANAGETEMPADDR, NOPREFIXROUTE, MCAUTOJOIN */
#define IPV6_MIN_MTU 1280

static int ifcfg_busy;          /* >0 while this file calls lwIP: the callback stays out */
static struct {                 /* the stack's own IPv4 changes not yet taken */
	struct netif *n;
	struct ifcfg_ip4 old;
} ifcfg_stack4;

static bool ifcfg_is_lo(const struct netif *n)
{
	return n->name[0] == 'l' && n->name[1] == 'o';
}

static uint32_t ifcfg_mask4(int prefix)
{
	return prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0;
}

/* The notification of n's connected route, if Linux has one in the main table. */
static void ifcfg_notify_connected(struct netif *n, uint16_t type)
{
	struct if_addr a;
	struct if_route4 r;
	if (ip4_addr_isany(netif_ip4_addr(n)))
		return;
	ifinfo_addr4(n, &a);
	if (ifinfo_connected4(n, &a, &r))
		rtnl_notify_route4(type, &r, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0,
				   NULL);
}

/* Linux flushes the routes through an interface without notifying when it goes down or loses
   its last IPv4 address: here, the default route. */
static void ifcfg_flush_routes(struct netif *n)
{
	struct if_default4 *d = ifinfo_default4();
	if (!d->present || netif_default != n)
		return;
	netif_set_gw(n, IP4_ADDR_ANY4);
	netif_set_default(NULL);
	d->present = false;
}

int ifcfg_add_addr4(struct netif *n, const struct ifcfg_addr4 *a, uint16_t nlflags,
		    const struct nl_origin *org)
{
	uint32_t ip, mask = ifcfg_mask4(a->prefix);
	memcpy(&ip, a->local, 4);
	if (!ip)
		return 0;
	struct if_addr now;
	if (!ip4_addr_isany(netif_ip4_addr(n))) {
		if (netif_ip4_addr(n)->addr != ip || netif_ip4_netmask(n)->addr != mask)
			return -EOPNOTSUPP;
		if ((nlflags & NLM_F_EXCL) || !(nlflags & NLM_F_REPLACE))
			return -EEXIST;
		struct if_extra *x = ifinfo_extra(n);
		x->expires4 = a->expires;
		x->flags4 = (uint16_t)((x->flags4 & ~IFA_F_PERMANENT) |
				       (a->expires ? 0 : IFA_F_PERMANENT));
		ifinfo_addr4(n, &now);
		rtnl_notify_addr(n, RTM_NEWADDR, &now, org);
		return 0;
	}
	struct if_extra *x = ifinfo_extra(n);
	x->scope4 = a->scope;
	x->flags4 = (uint16_t)((a->flags & ~IFA_F_SECONDARY) | (a->expires ? 0 : IFA_F_PERMANENT));
	x->expires4 = a->expires;
	x->has_brd4 = a->has_brd;
	memcpy(x->brd4, a->brd, 4);
	ip4_addr_t addr = { ip }, netmask = { mask };
	ifcfg_busy++;
	netif_set_addr(n, &addr, &netmask, netif_ip4_gw(n));
	ifcfg_busy--;
	ifinfo_addr4(n, &now);
	rtnl_notify_addr(n, RTM_NEWADDR, &now, org);
	ifcfg_notify_connected(n, RTM_NEWROUTE);
	return 0;
}

int ifcfg_del_addr4(struct netif *n, const struct nl_origin *org)
{
	if (ip4_addr_isany(netif_ip4_addr(n)))
		return -EADDRNOTAVAIL;
	struct if_addr old;
	struct if_route4 r;
	ifinfo_addr4(n, &old);
	bool routed = ifinfo_connected4(n, &old, &r);
	ifcfg_busy++;
	ifcfg_flush_routes(n);
	netif_set_addr(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	ifcfg_busy--;
	rtnl_notify_addr(n, RTM_DELADDR, &old, org);
	if (routed)
		rtnl_notify_route4(RTM_DELROUTE, &r, 0, NULL);
	return 0;
}

int ifcfg_find_addr6(struct netif *n, const uint8_t a[16], int prefix)
{
	for (int k = 0; k < IF_ADDR6_SLOTS; k++)
		if (!ip6_addr_isinvalid(netif_ip6_addr_state(n, k)) &&
		    !memcmp(netif_ip6_addr(n, k)->addr, a, 16) &&
		    (prefix < 0 || ifinfo_extra(n)->prefix6[k] == prefix))
			return k;
	return -EADDRNOTAVAIL;
}

/* A free slot: the first for a link-local address when it is free, as lwIP keeps it. */
static int ifcfg_free_slot6(struct netif *n, const ip6_addr_t *a)
{
	if (ip6_addr_islinklocal(a) && ip6_addr_isinvalid(netif_ip6_addr_state(n, 0)))
		return 0;
	for (int k = 1; k < IF_ADDR6_SLOTS; k++)
		if (ip6_addr_isinvalid(netif_ip6_addr_state(n, k)))
			return k;
	return ip6_addr_isinvalid(netif_ip6_addr_state(n, 0)) ? 0 : -ENOSPC;
}

/* Puts ip in a free slot of n, still invalid, with its extras: the slot or -ENOSPC. */
static int ifcfg_put6(struct netif *n, const ip6_addr_t *ip, int prefix, unsigned flags)
{
	int slot = ifcfg_free_slot6(n, ip);
	if (slot < 0)
		return slot;
	struct if_extra *x = ifinfo_extra(n);
	x->prefix6[slot] = (uint8_t)prefix;
	x->flags6[slot] = (uint16_t)((flags & IFA_F_KEPT6) | IFA_F_PERMANENT);
	ifinfo_touch6(n, slot);
	ifcfg_busy++;
	netif_ip6_addr_set(n, (s8_t)slot, ip);
	netif_ip6_addr_set_valid_life(n, slot, IP6_ADDR_LIFE_STATIC);
	netif_ip6_addr_set_pref_life(n, slot, IP6_ADDR_LIFE_STATIC);
	ifcfg_busy--;
	return slot;
}

/* Linux announces a new IPv6 address twice: tentative, then when duplicate address detection
   is over (at once on lo and with IFA_F_NODAD, which skips the first). On eth0 lwIP's
   detection runs and the callback below sends the second. */
static void ifcfg_start6(struct netif *n, int slot, unsigned flags)
{
	struct if_addr a;
	bool quick = ifcfg_is_lo(n) || (flags & IFA_F_NODAD);
	ifcfg_busy++;
	netif_ip6_addr_set_state(n, slot, IP6_ADDR_TENTATIVE);
	if (!(flags & IFA_F_NODAD)) {
		ifinfo_addr6(n, slot, &a);
		rtnl_notify_addr(n, RTM_NEWADDR, &a, NULL);
	}
	if (quick) {
		netif_ip6_addr_set_state(n, slot, IP6_ADDR_PREFERRED);
		ifinfo_addr6(n, slot, &a);
		rtnl_notify_addr(n, RTM_NEWADDR, &a, NULL);
	}
	ifcfg_busy--;
}

int ifcfg_add_addr6(struct netif *n, const uint8_t a[16], int prefix, unsigned flags,
		    uint16_t nlflags)
{
	struct if_extra *x = ifinfo_extra(n);
	int slot = ifcfg_find_addr6(n, a, -1);
	if (slot >= 0) {
		if ((nlflags & NLM_F_EXCL) || !(nlflags & NLM_F_REPLACE))
			return -EEXIST;
		x->prefix6[slot] = (uint8_t)prefix;
		x->flags6[slot] = (uint16_t)((flags & IFA_F_KEPT6) | IFA_F_PERMANENT);
		struct if_addr now;
		ifinfo_addr6(n, slot, &now);
		rtnl_notify_addr(n, RTM_NEWADDR, &now, NULL);
		return 0;
	}
	ip6_addr_t ip;
	memcpy(ip.addr, a, 16);
	ip6_addr_clear_zone(&ip);
	if (ip6_addr_isany(&ip) || ip6_addr_ismulticast(&ip) ||
	    (ip6_addr_isloopback(&ip) && !ifcfg_is_lo(n)))
		return -EADDRNOTAVAIL;
	if ((slot = ifcfg_put6(n, &ip, prefix, flags)) < 0)
		return slot;
	ifcfg_start6(n, slot, flags);
	return 0;
}

void ifcfg_del_addr6(struct netif *n, int slot)
{
	struct if_addr old;
	ifinfo_addr6(n, slot, &old);
	ifcfg_busy++;
	netif_ip6_addr_set_state(n, (s8_t)slot, IP6_ADDR_INVALID);
	ifcfg_busy--;
	rtnl_notify_addr(n, RTM_DELADDR, &old, NULL);
}

/* Linux's IPv6 drops every address of an interface going down and makes them again coming up:
   ::1 on lo; on eth0 its link-local address and the one the monitor gave (which Linux would
   have again from a router advertisement). */
static void ifcfg_up6(struct netif *n)
{
	if (ifcfg_is_lo(n)) {
		/* announced once, as Linux's init_loopback does */
		ip6_addr_t one;
		ip6_addr_set_loopback(&one);
		int slot = ifcfg_put6(n, &one, 128, 0);
		if (slot < 0)
			return;
		ifcfg_busy++;
		netif_ip6_addr_set_state(n, (s8_t)slot, IP6_ADDR_PREFERRED);
		ifcfg_busy--;
		struct if_addr a;
		ifinfo_addr6(n, slot, &a);
		rtnl_notify_addr(n, RTM_NEWADDR, &a, NULL);
		return;
	}
	ifcfg_busy++;
	netif_create_ip6_linklocal_address(n, 1);
	netif_ip6_addr_set_valid_life(n, 0, IP6_ADDR_LIFE_STATIC);
	netif_ip6_addr_set_pref_life(n, 0, IP6_ADDR_LIFE_STATIC);
	ifcfg_busy--;
	ifinfo_extra(n)->prefix6[0] = 64;
	ifinfo_extra(n)->flags6[0] = IFA_F_PERMANENT;
	ifinfo_touch6(n, 0);
	ifcfg_start6(n, 0, 0);
	const struct unik_net_info *ni = &boot_info->net;
	if (ni->flags & UNIK_NET_IPV6)
		ifcfg_add_addr6(n, ni->ip6, ni->prefix6 ? ni->prefix6 : 64, 0, 0);
}

static int ifcfg_set_up(struct netif *n, bool up)
{
	ifcfg_busy++;
	if (up)
		netif_set_up(n);
	else
		netif_set_down(n);
	if (!up)
		ifcfg_flush_routes(n);
	ifcfg_busy--;
	rtnl_notify_link(n, IFF_UP);
	if (!up) {
		for (int k = 0; k < IF_ADDR6_SLOTS; k++)
			if (!ip6_addr_isinvalid(netif_ip6_addr_state(n, k)))
				ifcfg_del_addr6(n, k);
		return 0;
	}
	if (ifcfg_is_lo(n) && ip4_addr_isany(netif_ip4_addr(n))) {
		/* Linux's lo gets 127.0.0.1/8 back whenever it comes up */
		struct ifcfg_addr4 a = { { 127, 0, 0, 1 }, 8, RT_SCOPE_HOST, 0, false, { 0 }, 0 };
		ifcfg_add_addr4(n, &a, 0, NULL);
	} else {
		ifcfg_notify_connected(n, RTM_NEWROUTE);
	}
	ifcfg_up6(n);
	return 0;
}

int ifcfg_set_flags(struct netif *n, unsigned flags)
{
	unsigned cur = (netif_is_up(n) ? IFF_UP : 0) | (ifcfg_is_lo(n) ? 0 : IFF_MULTICAST);
	unsigned diff = (flags ^ cur) & IFF_CHANGEABLE;
	if (diff & ~IFF_UP)
		return -EOPNOTSUPP;
	return diff ? ifcfg_set_up(n, flags & IFF_UP) : 0;
}

int ifcfg_set_mtu(struct netif *n, int64_t mtu)
{
	bool lo = ifcfg_is_lo(n);
	int64_t max = lo ? INT32_MAX : UNIK_NET_FRAME_MAX - 14;
	if (mtu < IPV6_MIN_MTU || mtu > max)
		return -EINVAL;
	struct if_extra *x = ifinfo_extra(n);
	if (x->mtu == mtu)
		return 0;
	x->mtu = (unsigned)mtu;
	n->mtu = (u16_t)(mtu > 0xffff ? 0 : mtu);      /* lwIP's 0: no limit */
	n->mtu6 = n->mtu;
	rtnl_notify_link(n, 0);
	return 0;
}

int ifcfg_set_default4(struct netif *dev, const uint8_t *gw, const struct if_route4 *r,
		       uint16_t notify_flags, const struct nl_origin *org)
{
	if (!gw && !ifcfg_is_lo(dev))
		return -EOPNOTSUPP;     /* lwIP's Ethernet output sends off-link only to a gateway */
	struct if_default4 *d = ifinfo_default4();
	ip4_addr_t g = { 0 };
	if (gw)
		memcpy(&g.addr, gw, 4);
	ifcfg_busy++;
	if (d->present && netif_default && netif_default != dev)
		netif_set_gw(netif_default, IP4_ADDR_ANY4);
	netif_set_gw(dev, &g);
	netif_set_default(dev);
	ifcfg_busy--;
	*d = (struct if_default4){ true, r->protocol, r->scope, r->flags, r->priority };
	struct if_route4 now;
	if (ifinfo_default_route4(&now))
		rtnl_notify_route4(RTM_NEWROUTE, &now, notify_flags, org);
	return 0;
}

void ifcfg_del_default4(const struct nl_origin *org)
{
	struct if_route4 old;
	if (!ifinfo_default_route4(&old))
		return;
	ifcfg_busy++;
	ifcfg_flush_routes(netif_default);
	ifcfg_busy--;
	rtnl_notify_route4(RTM_DELROUTE, &old, 0, org);
}

void ifcfg_get4(struct netif *n, struct ifcfg_ip4 *out)
{
	*out = (struct ifcfg_ip4){ netif_ip4_addr(n)->addr, netif_ip4_netmask(n)->addr,
				   netif_ip4_gw(n)->addr };
}

void ifcfg_restore4(struct netif *n, const struct ifcfg_ip4 *v)
{
	ip4_addr_t a = { v->addr }, m = { v->mask }, g = { v->gw };
	ifcfg_busy++;
	netif_set_addr(n, &a, &m, &g);
	ifcfg_busy--;
}

bool ifcfg_stack_changed4(struct netif *n, struct ifcfg_ip4 *old)
{
	if (ifcfg_stack4.n != n)
		return false;
	*old = ifcfg_stack4.old;
	ifcfg_stack4.n = NULL;
	return true;
}

/* The stack changed IPv4 settings of n (lwIP's DHCP client binding or losing a lease): keeps
   what they were before its first change, for the DHCP code to show the change
   (net/lease.c). The callback's arguments hold old values of the fields that changed only. */
static void ifcfg_stack_ip4(struct netif *n, netif_nsc_reason_t reason,
			    const netif_ext_callback_args_t *args)
{
	if (ifcfg_stack4.n)
		return;                 /* the first change's old values stand */
	struct ifcfg_ip4 *o = &ifcfg_stack4.old;
	ifcfg_get4(n, o);
	if (reason & LWIP_NSC_IPV4_ADDRESS_CHANGED)
		o->addr = ip_2_ip4(args->ipv4_changed.old_address)->addr;
	if (reason & LWIP_NSC_IPV4_NETMASK_CHANGED)
		o->mask = ip_2_ip4(args->ipv4_changed.old_netmask)->addr;
	if (reason & LWIP_NSC_IPV4_GATEWAY_CHANGED)
		o->gw = ip_2_ip4(args->ipv4_changed.old_gw)->addr;
	ifcfg_stack4.n = n;
}

/* What the stack changes by itself: an IPv6 address's duplicate address detection ending
   (RTM_NEWADDR), or the address failing or going away (RTM_DELADDR); IPv4 settings (above). */
static void ifcfg_stack_event(struct netif *n, netif_nsc_reason_t reason,
			      const netif_ext_callback_args_t *args)
{
	if (ifcfg_busy)
		return;
	if (reason & (LWIP_NSC_IPV4_ADDRESS_CHANGED | LWIP_NSC_IPV4_NETMASK_CHANGED |
		      LWIP_NSC_IPV4_GATEWAY_CHANGED))
		ifcfg_stack_ip4(n, reason, args);
	if (!(reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED))
		return;
	int slot = args->ipv6_addr_state_changed.addr_index;
	uint8_t old = args->ipv6_addr_state_changed.old_state;
	uint8_t now = netif_ip6_addr_state(n, slot);
	struct if_addr a;
	ifinfo_addr6(n, slot, &a);
	if (ip6_addr_isinvalid(now)) {
		if (!ip6_addr_isinvalid(old))
			rtnl_notify_addr(n, RTM_DELADDR, &a, NULL);
	} else if (ip6_addr_isinvalid(old) ||
		   !ip6_addr_istentative(old) != !ip6_addr_istentative(now) ||
		   ip6_addr_isduplicated(old) != ip6_addr_isduplicated(now)) {
		rtnl_notify_addr(n, RTM_NEWADDR, &a, NULL);
	}
}

void ifcfg_init(void)
{
	NETIF_DECLARE_EXT_CALLBACK(ifcfg_callback)
	ifinfo_init();
	netif_add_ext_callback(&ifcfg_callback, ifcfg_stack_event);
}
