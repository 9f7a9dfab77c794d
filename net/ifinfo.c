/* The guest's interfaces as Linux names and numbers them: lwIP's loopback netif is lo (index 1),
   the paravirtual NIC eth0 (index 2), with their addresses, flags and routes; and the extras
   Linux shows that lwIP does not keep. */
#include "k/kernel.h"
#include "net/net.h"
#include "net/nic_netif.h"
#include "net/socket.h"
#include "net/ifinfo.h"
#include "lwip/netif.h"
#include "lwip/ip_addr.h"
#include "unik/abi.h"

_Static_assert(IF_ADDR6_SLOTS == LWIP_IPV6_NUM_ADDRESSES, "one extra per IPv6 slot");
_Static_assert(IF_ADDR_MAX >= 1 + IF_ADDR6_SLOTS, "every address of an interface listed");

#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6

static struct if_extra if_extras[IF_MAX + 1];
static struct if_default4 if_default;
static uint32_t if_gen;

struct if_extra *ifinfo_extra(const struct netif *n)
{
	unsigned i = netif_get_index((struct netif *)n);
	return &if_extras[i <= IF_MAX ? i : 0];
}

struct if_default4 *ifinfo_default4(void)
{
	return &if_default;
}

static bool ifinfo_is_lo(const struct netif *n)
{
	return n->name[0] == 'l' && n->name[1] == 'o';
}

static uint32_t ifinfo_mask4(int prefix)
{
	return prefix ? __builtin_bswap32(0xffffffffu << (32 - prefix)) : 0;
}

void ifinfo_init(void)
{
	const struct unik_net_info *ni = &boot_info->net;
	struct netif *n;
	NETIF_FOREACH(n) {
		struct if_extra *x = ifinfo_extra(n);
		bool lo = ifinfo_is_lo(n);
		x->mtu = lo ? 65536 : n->mtu;
		x->scope4 = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
		x->flags4 = IFA_F_PERMANENT;
		uint32_t ip = netif_ip4_addr(n)->addr, mask = netif_ip4_netmask(n)->addr;
		int prefix = __builtin_popcount(mask);
		x->has_brd4 = !lo && prefix < 31;
		ip |= ~mask;
		memcpy(x->brd4, &ip, 4);
		for (int k = 0; k < IF_ADDR6_SLOTS; k++) {
			const ip6_addr_t *a = netif_ip6_addr(n, k);
			x->prefix6[k] = ip6_addr_isloopback(a) ? 128 :
					!memcmp(a->addr, ni->ip6, 16) && ni->prefix6 ? ni->prefix6 : 64;
			x->flags6[k] = IFA_F_PERMANENT;
		}
		if (lo)
			netif_set_gw(n, IP4_ADDR_ANY4);   /* lwIP gives lo one; Linux's has none */
	}
	if_default = (struct if_default4){ netif_default && !ip4_addr_isany(netif_ip4_gw(netif_default)),
					   RTPROT_STATIC, RT_SCOPE_UNIVERSE, 0, 0 };
}

void ifinfo_addr4(const struct netif *n, struct if_addr *out)
{
	const struct if_extra *x = ifinfo_extra(n);
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->addr, &netif_ip4_addr(n)->addr, 4);
	out->prefix = __builtin_popcount(netif_ip4_netmask(n)->addr);
	out->scope = x->scope4;
	out->flags = x->flags4;
	out->expires = x->expires4;
	out->has_brd = x->has_brd4;
	memcpy(out->brd, x->brd4, 4);
}

void ifinfo_addr6(const struct netif *n, int slot, struct if_addr *out)
{
	const struct if_extra *x = ifinfo_extra(n);
	const ip6_addr_t *a = netif_ip6_addr(n, slot);
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	memcpy(out->addr, a->addr, 16);
	out->prefix = x->prefix6[slot];
	out->scope = ip6_addr_isloopback(a) ? RT_SCOPE_HOST :
		     ip6_addr_islinklocal(a) ? RT_SCOPE_LINK :
		     ip6_addr_issitelocal(a) ? RT_SCOPE_SITE : RT_SCOPE_UNIVERSE;
	uint8_t st = netif_ip6_addr_state(n, slot);
	out->flags = x->flags6[slot] | (ip6_addr_istentative(st) ? IFA_F_TENTATIVE : 0) |
		     (ip6_addr_isduplicated(st) ? IFA_F_DADFAILED | IFA_F_TENTATIVE : 0);
}

void ifinfo_touch6(const struct netif *n, int slot)
{
	ifinfo_extra(n)->gen6[slot] = ++if_gen;
}

/* Linux lists an interface's IPv6 addresses by scope, widest first (global before link-local
   before ::1), the newest first within a scope; lwIP's slots are in no order. */
static bool ifinfo_before6(const struct netif *n, const struct if_addr *a, int sa,
			   const struct if_addr *b, int sb)
{
	int ra = a->scope == RT_SCOPE_HOST ? 3 : a->scope == RT_SCOPE_LINK ? 2 :
		 a->scope == RT_SCOPE_SITE;
	int rb = b->scope == RT_SCOPE_HOST ? 3 : b->scope == RT_SCOPE_LINK ? 2 :
		 b->scope == RT_SCOPE_SITE;
	const struct if_extra *x = ifinfo_extra(n);
	return ra != rb ? ra < rb : x->gen6[sa] > x->gen6[sb];
}

static void ifinfo_fill(struct netif *n, struct if_info *i)
{
	memset(i, 0, sizeof(*i));
	i->loopback = ifinfo_is_lo(n);
	i->index = netif_get_index(n);
	memcpy(i->name, i->loopback ? "lo" : "eth0", i->loopback ? 3 : 5);
	i->mtu = ifinfo_extra(n)->mtu;
	bool up = netif_is_up(n), running = up && netif_is_link_up(n);
	i->flags = (up ? IFF_UP : 0) | (running ? IFF_RUNNING | IFF_LOWER_UP : 0) |
		   (i->loopback ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
	i->operstate = !running ? IF_OPER_DOWN : i->loopback ? IF_OPER_UNKNOWN : IF_OPER_UP;
	if (!i->loopback) {
		memcpy(i->hwaddr, n->hwaddr, 6);
		nic_netif_counters(&i->rx_packets, &i->tx_packets, &i->rx_bytes, &i->tx_bytes,
				   &i->rx_dropped);
	}
	if (!ip4_addr_isany(netif_ip4_addr(n)))
		ifinfo_addr4(n, &i->addr[i->naddr++]);
	int first6 = i->naddr, slot[IF_ADDR6_SLOTS];
	for (int k = 0; k < IF_ADDR6_SLOTS; k++) {
		if (ip6_addr_isinvalid(netif_ip6_addr_state(n, k)))
			continue;
		struct if_addr a;
		ifinfo_addr6(n, k, &a);
		int at = i->naddr++;
		for (; at > first6 && ifinfo_before6(n, &a, k, &i->addr[at - 1],
						       slot[at - 1 - first6]); at--) {
			i->addr[at] = i->addr[at - 1];
			slot[at - first6] = slot[at - 1 - first6];
		}
		i->addr[at] = a;
		slot[at - first6] = k;
	}
}

int ifinfo_list(struct if_info *out, int max)
{
	net_init();
	int n = 0;
	struct netif *nf;
	NETIF_FOREACH(nf) {
		if (n == max)
			break;
		ifinfo_fill(nf, &out[n++]);
	}
	/* by index, as Linux lists them */
	for (int a = 1; a < n; a++)
		for (int b = a; b > 0 && out[b].index < out[b - 1].index; b--) {
			struct if_info t = out[b];
			out[b] = out[b - 1];
			out[b - 1] = t;
		}
	return n;
}

int ifinfo_find(const char *name, int index, struct if_info *out)
{
	struct netif *n = ifinfo_netif(name, index);
	if (!n)
		return -ENODEV;
	ifinfo_fill(n, out);
	return 0;
}

struct netif *ifinfo_netif(const char *name, int index)
{
	net_init();
	struct netif *n;
	NETIF_FOREACH(n) {
		bool lo = ifinfo_is_lo(n);
		if (index ? (int)netif_get_index(n) == index :
			    !strncmp(lo ? "lo" : "eth0", name, IFNAMSIZ))
			return n;
	}
	return NULL;
}

bool ifinfo_connected4(const struct netif *n, const struct if_addr *a, struct if_route4 *r)
{
	if (ifinfo_is_lo(n) || !netif_is_up(n) || a->family != AF_INET || a->prefix == 32)
		return false;
	uint32_t ip;
	memcpy(&ip, a->addr, 4);
	ip &= ifinfo_mask4(a->prefix);
	*r = (struct if_route4){ .index = netif_get_index((struct netif *)n), .dst_len = a->prefix,
				 .has_prefsrc = true, .protocol = RTPROT_KERNEL,
				 .scope = RT_SCOPE_LINK, .type = RTN_UNICAST };
	memcpy(r->dst, &ip, 4);
	memcpy(r->prefsrc, a->addr, 4);
	return true;
}

bool ifinfo_default_route4(struct if_route4 *r)
{
	struct netif *d = netif_default;
	if (!if_default.present || !d || !netif_is_up(d))
		return false;
	*r = (struct if_route4){ .index = netif_get_index(d), .protocol = if_default.protocol,
				 .scope = if_default.scope, .type = RTN_UNICAST,
				 .flags = if_default.flags, .priority = if_default.priority };
	r->has_gw = !ip4_addr_isany(netif_ip4_gw(d));
	memcpy(r->gw, &netif_ip4_gw(d)->addr, 4);
	return true;
}

int ifinfo_routes4(struct if_route4 *out, int max)
{
	net_init();
	int n = 0;
	if (n < max && ifinfo_default_route4(&out[n]))
		n++;
	for (int index = 1; index <= IF_MAX && n < max; index++) {
		struct netif *nf = netif_get_by_index((u8_t)index);
		if (!nf || ip4_addr_isany(netif_ip4_addr(nf)))
			continue;
		struct if_addr a;
		ifinfo_addr4(nf, &a);
		if (ifinfo_connected4(nf, &a, &out[n]))
			n++;
	}
	return n;
}
