/* Changing the guest's interfaces (net/ifconfig.c): addresses, up/down, MTU and the IPv4 default
   route, on lwIP's netifs and the extras of net/ifinfo.h together, with the side effects and
   notifications Linux has. Netlink requests (net/rtnl_change.c) and the SIOCS* ioctls
   (net/ifioctl.c) both come here, so they agree. The callers check CAP_NET_ADMIN and match
   what a request names; these functions return 0 or -errno. */
#ifndef NET_IFCONFIG_H
#define NET_IFCONFIG_H
#include <stdint.h>
#include <stdbool.h>
#include "net/ifinfo.h"
#include "net/netlink.h"

struct netif;

/* Brings up the extras and watches the stack's own changes (IPv6 duplicate address detection
   ending). From net_init, once the interfaces exist. */
void ifcfg_init(void);

/* An IPv4 address to set: local, prefix, scope, IFA_F_* flags, broadcast, lifetime. */
struct ifcfg_addr4 {
	uint8_t local[4];
	int prefix;
	uint8_t scope;
	unsigned flags;
	bool has_brd;
	uint8_t brd[4];
	int64_t expires;        /* a DHCP lease's address: its monotonic end in ns, shown as its
				   lifetime (its client removes it); 0: forever (IFA_F_PERMANENT) */
};

/* Adds a (local 0.0.0.0: does nothing, as Linux). The same address again is -EEXIST unless
   nlflags has NLM_F_REPLACE without NLM_F_EXCL (then its lifetime changes, as Linux's).
   lwIP holds one IPv4 address per interface: a second is -EOPNOTSUPP. */
int ifcfg_add_addr4(struct netif *n, const struct ifcfg_addr4 *a, uint16_t nlflags,
		    const struct nl_origin *org);
/* Removes n's IPv4 address (routes through n go with it, as Linux's when the last one does). */
int ifcfg_del_addr4(struct netif *n, const struct nl_origin *org);

/* Adds the IPv6 address a/prefix with IFA_F_* flags: -EEXIST, or a change of its prefix and
   flags with NLM_F_REPLACE; -EADDRNOTAVAIL for ::, multicast, or ::1 off lo; -ENOSPC when
   lwIP's slots are full. Duplicate address detection runs as lwIP's (not on lo, nor with
   IFA_F_NODAD; IFA_F_OPTIMISTIC is dropped, as by Linux's default optimistic_dad 0). */
int ifcfg_add_addr6(struct netif *n, const uint8_t a[16], int prefix, unsigned flags,
		    uint16_t nlflags);
/* The slot holding a/prefix (prefix -1: any), or -EADDRNOTAVAIL. */
int ifcfg_find_addr6(struct netif *n, const uint8_t a[16], int prefix);
void ifcfg_del_addr6(struct netif *n, int slot);

/* Linux's dev_change_flags for the flags it lets change: IFF_UP here; another of them that
   would change is -EOPNOTSUPP (lwIP has no promiscuous or no-ARP mode). */
int ifcfg_set_flags(struct netif *n, unsigned flags);
/* A new MTU: -EINVAL out of the interface's range (eth0 up to the NIC's 1500; below 1280,
   where Linux turns IPv6 off on the interface, neither). */
int ifcfg_set_mtu(struct netif *n, int64_t mtu);

/* The IPv4 default route through dev, via gw (NULL: none, lo only: lwIP's Ethernet needs a
   gateway), with the attributes in r (protocol, scope, flags, priority). notify_flags are the
   flags of its RTM_NEWROUTE notification. */
int ifcfg_set_default4(struct netif *dev, const uint8_t *gw, const struct if_route4 *r,
		       uint16_t notify_flags, const struct nl_origin *org);
/* Removes the IPv4 default route (RTM_DELROUTE notification with org). */
void ifcfg_del_default4(const struct nl_origin *org);

/* An interface's IPv4 settings as lwIP holds them, network byte order. */
struct ifcfg_ip4 {
	uint32_t addr, mask, gw;
};
/* Has the stack itself (lwIP's DHCP client) changed n's IPv4 address, netmask or gateway since
   the last call? Then *old is what they were before its first change, and true. The functions
   here do not count: only changes nobody has yet shown as Linux would. */
bool ifcfg_stack_changed4(struct netif *n, struct ifcfg_ip4 *old);
/* n's IPv4 settings now. */
void ifcfg_get4(struct netif *n, struct ifcfg_ip4 *out);
/* Puts back n's IPv4 settings v, without notifications: undoes the stack's own change, which
   the caller then makes again through the functions above, the way Linux's tools make it. */
void ifcfg_restore4(struct netif *n, const struct ifcfg_ip4 *v);
#endif
