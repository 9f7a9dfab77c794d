/* The guest's network interfaces as Linux describes them (lo, eth0): for netlink route dumps
   (getifaddrs, `ip addr`), the SIOCGIF* ioctls and /proc/net. lwIP's netifs underneath, with
   what Linux shows that lwIP does not keep (address scopes and flags, IPv6 prefix lengths, lo's
   MTU, the default route's attributes) in the extras here, which net/ifconfig.c keeps. */
#ifndef NET_IFINFO_H
#define NET_IFINFO_H
#include <stdint.h>
#include <stdbool.h>

#define IFNAMSIZ 16
#define IF_MAX 4
#define IF_ADDR_MAX 7
#define IF_ADDR6_SLOTS 5        /* LWIP_IPV6_NUM_ADDRESSES */
#define IF_ROUTE_MAX (IF_MAX + 1)

#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000

#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_SITE 200
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RT_SCOPE_NOWHERE 255

#define IFA_F_NODAD 0x02
#define IFA_F_OPTIMISTIC 0x04
#define IFA_F_DADFAILED 0x08
#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80

#define RTPROT_KERNEL 2
#define RTPROT_STATIC 4
#define RTPROT_DHCP 16
#define RTN_UNICAST 1
#define RTNH_F_ONLINK 4

struct netif;

struct if_addr {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];       /* network byte order */
	int prefix;
	int scope;              /* RT_SCOPE_* */
	unsigned flags;         /* IFA_F_* */
	bool has_brd;           /* IPv4: brd holds its broadcast address */
	uint8_t brd[4];
	int64_t expires;        /* a DHCP lease's (no IFA_F_PERMANENT): its monotonic end in ns;
				   0: forever */
};

struct if_info {
	int index;              /* lo 1, eth0 2 */
	char name[IFNAMSIZ];
	unsigned flags;         /* IFF_* */
	unsigned mtu;
	uint8_t operstate;      /* IF_OPER_* */
	bool loopback;
	uint8_t hwaddr[6];
	int naddr;
	struct if_addr addr[IF_ADDR_MAX];
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped;
};

/* An IPv4 route of the main table: an interface's subnet, or the default route. */
struct if_route4 {
	int index;              /* the interface */
	uint8_t dst[4];
	int dst_len;
	bool has_gw, has_prefsrc;
	uint8_t gw[4], prefsrc[4];
	uint8_t protocol, scope, type;  /* RTPROT_*, RT_SCOPE_*, RTN_* */
	unsigned flags;         /* RTNH_F_* */
	uint32_t priority;      /* the metric */
};

/* What Linux shows of an interface that lwIP does not keep (see net/ifconfig.c). */
struct if_extra {
	unsigned mtu;           /* lwIP's is 16 bits, and 0 on lo (no limit) */
	uint8_t scope4;         /* the IPv4 address's scope and IFA_F_* flags */
	uint16_t flags4;
	int64_t expires4;       /* the IPv4 address's end (a lease), 0: forever */
	bool has_brd4;
	uint8_t brd4[4];
	uint8_t prefix6[IF_ADDR6_SLOTS];
	uint16_t flags6[IF_ADDR6_SLOTS];
	uint32_t gen6[IF_ADDR6_SLOTS];  /* when each IPv6 address came: Linux lists newer first */
};

/* The default route's attributes; its interface is lwIP's default netif, its gateway that
   netif's (present false: no IPv4 default route). */
struct if_default4 {
	bool present;
	uint8_t protocol, scope;
	unsigned flags;
	uint32_t priority;
};

/* The interfaces (brings the stack up if no socket has yet): how many were written. */
int ifinfo_list(struct if_info *out, int max);
/* The interface by name or index (index 0: by name): 0 or -ENODEV. */
int ifinfo_find(const char *name, int index, struct if_info *out);
/* The main table's IPv4 routes, in Linux's dump order: how many were written. */
int ifinfo_routes4(struct if_route4 *out, int max);
/* The main-table route of an interface's IPv4 address a (its subnet), whether Linux has one
   there (not on lo, whose are in the local table, nor for a /32, nor while down). */
bool ifinfo_connected4(const struct netif *n, const struct if_addr *a, struct if_route4 *r);
/* The default route, if there is one. */
bool ifinfo_default_route4(struct if_route4 *r);
/* The lwIP netif of an index or name (index 0: by name), or NULL. */
struct netif *ifinfo_netif(const char *name, int index);
/* The extras of a netif (never NULL for a netif lwIP has), and of the default route. */
struct if_extra *ifinfo_extra(const struct netif *n);
struct if_default4 *ifinfo_default4(void);
/* One address of n as Linux shows it: the IPv4 one, or the IPv6 one in lwIP's slot. */
void ifinfo_addr4(const struct netif *n, struct if_addr *out);
void ifinfo_addr6(const struct netif *n, int slot, struct if_addr *out);
/* Marks the IPv6 address in slot of n as the newest. */
void ifinfo_touch6(const struct netif *n, int slot);
/* Sets the extras of lwIP's interfaces as they come up (net_init, after the NIC). */
void ifinfo_init(void);
#endif
