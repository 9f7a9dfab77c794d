/* The interface ioctls every socket answers on Linux (SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR,
   SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFNAME,
   SIOCGIFTXQLEN) from the guest's interfaces (net/ifinfo.h), and the changes: SIOCSIFFLAGS and
   SIOCSIFMTU on any socket, SIOCSIFADDR and SIOCSIFNETMASK on AF_INET ones (devinet_ioctl),
   SIOCSIFADDR and SIOCDIFADDR of an in6_ifreq on AF_INET6 ones (addrconf_add/del_ifaddr),
   through net/ifconfig.c as netlink's requests. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "net/socket.h"
#include "net/ifinfo.h"
#include "net/ifconfig.h"
#include "k/cap.h"
#include "lwip/netif.h"

#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCSIFADDR 0x8916
#define SIOCGIFBRDADDR 0x8919
#define SIOCGIFNETMASK 0x891b
#define SIOCGIFMTU 0x8921
#define SIOCSIFMTU 0x8922
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define SIOCSIFNETMASK 0x891c
#define SIOCGIFTXQLEN 0x8942
#define SIOCDIFADDR 0x8936
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

struct ifreq_k {
	char name[IFNAMSIZ];
	union {
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr;
		int16_t flags;
		int32_t ivalue;
	};
	uint8_t pad[8];
};
_Static_assert(sizeof(struct ifreq_k) == 40, "struct ifreq");

struct ifconf_k {
	int32_t len, pad;
	uint64_t buf;
};

static const struct if_addr *ifioctl_addr4(const struct if_info *i)
{
	for (int k = 0; k < i->naddr; k++)
		if (i->addr[k].family == AF_INET)
			return &i->addr[k];
	return NULL;
}

/* A sockaddr_in of addr (the address itself, its netmask or its broadcast address). */
static void ifioctl_sin(struct ifreq_k *r, const struct if_addr *a, int which)
{
	uint32_t ip, mask = a->prefix ? __builtin_bswap32(0xffffffffu << (32 - a->prefix)) : 0;
	memcpy(&ip, a->addr, 4);
	if (which == 1)
		ip = mask;
	else if (which == 2)
		ip |= ~mask;
	memset(&r->addr, 0, sizeof(r->addr));
	r->addr.family = AF_INET;
	memcpy(r->addr.data + 2, &ip, 4);
}

static int64_t ifioctl_conf(uint64_t arg)
{
	struct ifconf_k c;
	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	struct if_info ifs[IF_MAX];
	int n = ifinfo_list(ifs, IF_MAX), used = 0;
	for (int k = 0; k < n; k++) {
		const struct if_addr *a = ifioctl_addr4(&ifs[k]);
		if (!a)
			continue;
		if (c.buf) {
			if (used + (int)sizeof(struct ifreq_k) > c.len)
				break;
			struct ifreq_k r;
			memset(&r, 0, sizeof(r));
			memcpy(r.name, ifs[k].name, IFNAMSIZ);
			ifioctl_sin(&r, a, 0);
			if (copy_to_user(c.buf + (uint64_t)used, &r, sizeof(r)))
				return -EFAULT;
		}
		used += (int)sizeof(struct ifreq_k);
	}
	c.len = used;
	return copy_to_user(arg, &c, sizeof(c)) ? -EFAULT : 0;
}

/* inet_abc_len: the prefix of an address's class (SIOCSIFADDR gives it), -1 for multicast. */
static int ifioctl_abc_len(uint32_t ip_be)
{
	uint32_t h = __builtin_bswap32(ip_be);
	if (!h || h == 0xffffffffu)
		return 0;
	return h < 0x80000000u ? 8 : h < 0xc0000000u ? 16 : h < 0xe0000000u ? 24 :
	       h >= 0xf0000000u ? 32 : -1;
}

/* SIOCSIFADDR: the interface's address is replaced (deleted and added again, as Linux), with
   the class's prefix and, on a broadcast interface, the broadcast address. */
static int ifioctl_set_addr(struct netif *n, uint32_t ip)
{
	int prefix = ifioctl_abc_len(ip);
	if (prefix < 0)
		return -EINVAL;
	if (!ip4_addr_isany(netif_ip4_addr(n))) {
		if (netif_ip4_addr(n)->addr == ip)
			return 0;
		ifcfg_del_addr4(n, NULL);
	}
	struct if_info i;
	ifinfo_find(NULL, netif_get_index(n), &i);
	uint32_t brd = ip | ~(prefix ? __builtin_bswap32(0xffffffffu << (32 - prefix)) : 0);
	struct ifcfg_addr4 a = { .prefix = prefix, .has_brd = !i.loopback && prefix < 31,
				 .scope = (ip & 0xff) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE };
	memcpy(a.local, &ip, 4);
	memcpy(a.brd, &brd, 4);
	return ifcfg_add_addr4(n, &a, 0, NULL);
}

/* SIOCSIFNETMASK: the address again with the new prefix (its broadcast address follows when it
   was the subnet's). */
static int ifioctl_set_netmask(struct netif *n, uint32_t mask)
{
	uint32_t inv = __builtin_bswap32(~mask);
	if (inv & (inv + 1))
		return -EINVAL;         /* not a prefix */
	if (ip4_addr_isany(netif_ip4_addr(n)))
		return -EADDRNOTAVAIL;
	if (netif_ip4_netmask(n)->addr == mask)
		return 0;
	struct if_addr old;
	ifinfo_addr4(n, &old);
	uint32_t ip, brd, old_mask = netif_ip4_netmask(n)->addr;
	memcpy(&ip, old.addr, 4);
	memcpy(&brd, old.brd, 4);
	struct ifcfg_addr4 a = { .prefix = __builtin_popcount(mask), .scope = (uint8_t)old.scope,
				 .flags = old.flags, .has_brd = old.has_brd };
	memcpy(a.local, old.addr, 4);
	if (old.has_brd && a.prefix < 31 && brd == (ip | ~old_mask))
		brd = ip | ~mask;
	memcpy(a.brd, &brd, 4);
	ifcfg_del_addr4(n, NULL);
	return ifcfg_add_addr4(n, &a, 0, NULL);
}

struct in6_ifreq_k {
	uint8_t addr[16];
	uint32_t prefixlen;
	int32_t ifindex;
};

/* SIOCSIFADDR and SIOCDIFADDR on an AF_INET6 socket. */
static int64_t ifioctl_addr6(unsigned long req, uint64_t arg)
{
	struct in6_ifreq_k r;
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.prefixlen > 128)
		return -EINVAL;
	struct netif *n = r.ifindex ? ifinfo_netif(NULL, r.ifindex) : NULL;
	if (!n)
		return -ENODEV;
	if (req == SIOCSIFADDR)
		return ifcfg_add_addr6(n, r.addr, (int)r.prefixlen, 0, NLM_F_CREATE | NLM_F_EXCL);
	int slot = ifcfg_find_addr6(n, r.addr, (int)r.prefixlen);
	if (slot < 0)
		return slot;
	ifcfg_del_addr6(n, slot);
	return 0;
}

/* The SIOCS* requests of an ifreq: Linux checks the copy, then the capability, then (the
   address ones) the family, then looks the interface up. */
static int64_t ifioctl_set(int family, unsigned long req, uint64_t arg)
{
	bool addr = req == SIOCSIFADDR || req == SIOCSIFNETMASK;
	if (addr && family == AF_INET6 && req == SIOCSIFADDR)
		return ifioctl_addr6(req, arg);
	if (addr && family != AF_INET)
		return -ENOTTY;
	struct ifreq_k r;
	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	r.name[IFNAMSIZ - 1] = 0;
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (addr && r.addr.family != AF_INET)
		return -EINVAL;
	struct netif *n = ifinfo_netif(r.name, 0);
	if (!n)
		return -ENODEV;
	uint32_t ip;
	memcpy(&ip, r.addr.data + 2, 4);
	switch (req) {
	case SIOCSIFFLAGS:
		return ifcfg_set_flags(n, (unsigned)(int)r.flags);
	case SIOCSIFMTU:
		return ifcfg_set_mtu(n, r.ivalue);
	case SIOCSIFADDR:
		return ifioctl_set_addr(n, ip);
	default:
		return ifioctl_set_netmask(n, ip);
	}
}

int64_t ifioctl(int family, unsigned long req, uint64_t arg)
{
	switch (req) {
	case SIOCGIFCONF:
		return ifioctl_conf(arg);
	case SIOCSIFFLAGS: case SIOCSIFADDR: case SIOCSIFMTU: case SIOCSIFNETMASK:
		return ifioctl_set(family, req, arg);
	case SIOCDIFADDR:
		return family == AF_INET6 ? ifioctl_addr6(req, arg) : -ENOIOCTLCMD;
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCGIFADDR: case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK: case SIOCGIFMTU: case SIOCGIFHWADDR: case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	struct ifreq_k r;
	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	r.name[IFNAMSIZ - 1] = 0;
	struct if_info i;
	if (ifinfo_find(r.name, req == SIOCGIFNAME ? r.ivalue : 0, &i))
		return -ENODEV;
	const struct if_addr *a = ifioctl_addr4(&i);
	switch (req) {
	case SIOCGIFNAME:
		memcpy(r.name, i.name, IFNAMSIZ);
		break;
	case SIOCGIFFLAGS:
		r.flags = (int16_t)(i.flags & 0xffff);
		break;
	case SIOCGIFADDR: case SIOCGIFNETMASK: case SIOCGIFBRDADDR:
		if (!a)
			return -EADDRNOTAVAIL;
		ifioctl_sin(&r, a, req == SIOCGIFADDR ? 0 : req == SIOCGIFNETMASK ? 1 : 2);
		if (req == SIOCGIFBRDADDR && i.loopback)
			memset(r.addr.data, 0, sizeof(r.addr.data));    /* lo has none */
		break;
	case SIOCGIFMTU:
		r.ivalue = (int32_t)i.mtu;
		break;
	case SIOCGIFHWADDR:
		memset(&r.addr, 0, sizeof(r.addr));
		r.addr.family = i.loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memcpy(r.addr.data, i.hwaddr, 6);
		break;
	case SIOCGIFINDEX:
		r.ivalue = i.index;
		break;
	case SIOCGIFTXQLEN:
		r.ivalue = 1000;
		break;
	}
	return copy_to_user(arg, &r, sizeof(r)) ? -EFAULT : 0;
}
