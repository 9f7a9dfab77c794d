/* The guest's interfaces as Linux names and numbers them: lwIP's loopback netif is lo (index 1),
   the paravirtual NIC eth0 (index 2), with their addresses and flags. */
#include "k/kernel.h"
#include "net/net.h"
#include "net/nic_netif.h"
#include "net/socket.h"
#include "net/ifinfo.h"
#include "lwip/netif.h"
#include "lwip/ip_addr.h"

static void ifinfo_add_addr(struct if_info *i, int family, const void *a, int prefix, int scope)
{
	if (i->naddr == IF_ADDR_MAX)
		return;
	struct if_addr *x = &i->addr[i->naddr++];
	x->family = family;
	memcpy(x->addr, a, family == AF_INET ? 4 : 16);
	x->prefix = prefix;
	x->scope = scope;
}

static int ifinfo_prefix4(uint32_t mask_be)
{
	return __builtin_popcount(mask_be);
}

static void ifinfo_fill(struct netif *n, struct if_info *i)
{
	memset(i, 0, sizeof(*i));
	i->loopback = n->name[0] == 'l' && n->name[1] == 'o';
	i->index = netif_get_index(n);
	memcpy(i->name, i->loopback ? "lo" : "eth0", i->loopback ? 3 : 5);
	i->mtu = i->loopback ? 65536 : n->mtu;
	i->flags = (netif_is_up(n) ? IFF_UP | IFF_RUNNING : 0) |
		   (netif_is_link_up(n) ? IFF_LOWER_UP : 0) |
		   (i->loopback ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
	if (!i->loopback) {
		memcpy(i->hwaddr, n->hwaddr, 6);
		nic_netif_counters(&i->rx_packets, &i->tx_packets, &i->rx_bytes, &i->tx_bytes,
				   &i->rx_dropped);
	}
	const ip4_addr_t *a4 = netif_ip4_addr(n);
	if (!ip4_addr_isany(a4))
		ifinfo_add_addr(i, AF_INET, &a4->addr, ifinfo_prefix4(netif_ip4_netmask(n)->addr),
				i->loopback ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE);
	if (!i->loopback && !ip4_addr_isany(netif_ip4_gw(n)))
		memcpy(i->gw4, &netif_ip4_gw(n)->addr, 4);
	for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES; k++) {
		if (!ip6_addr_isvalid(netif_ip6_addr_state(n, k)))
			continue;
		const ip6_addr_t *a6 = netif_ip6_addr(n, k);
		int scope = ip6_addr_isloopback(a6) ? RT_SCOPE_HOST :
			    ip6_addr_islinklocal(a6) ? RT_SCOPE_LINK :
			    ip6_addr_issitelocal(a6) ? RT_SCOPE_SITE : RT_SCOPE_UNIVERSE;
		ifinfo_add_addr(i, AF_INET6, a6->addr, ip6_addr_isloopback(a6) ? 128 : 64, scope);
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
	struct if_info all[IF_MAX];
	int n = ifinfo_list(all, IF_MAX);
	for (int i = 0; i < n; i++)
		if (index ? all[i].index == index : !strncmp(all[i].name, name, IFNAMSIZ)) {
			*out = all[i];
			return 0;
		}
	return -ENODEV;
}
