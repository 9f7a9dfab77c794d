/* The interface ioctls every socket answers on Linux (SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR,
   SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFNAME,
   SIOCGIFTXQLEN), from the guest's interfaces (net/ifinfo.h). Changing an interface is not
   possible here: the SIOCS* requests are EPERM. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "net/socket.h"
#include "net/ifinfo.h"

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
#define SIOCGIFTXQLEN 0x8942
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

int64_t ifioctl(unsigned long req, uint64_t arg)
{
	switch (req) {
	case SIOCGIFCONF:
		return ifioctl_conf(arg);
	case SIOCSIFFLAGS: case SIOCSIFADDR: case SIOCSIFMTU:
		return -EPERM;
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
