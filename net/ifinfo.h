/* The guest's network interfaces as Linux describes them (lo, eth0): for netlink route dumps
   (getifaddrs, `ip addr`), the SIOCGIF* ioctls and /proc/net/dev. lwIP's netifs underneath. */
#ifndef NET_IFINFO_H
#define NET_IFINFO_H
#include <stdint.h>
#include <stdbool.h>

#define IFNAMSIZ 16
#define IF_MAX 4
#define IF_ADDR_MAX 6

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

struct if_addr {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];       /* network byte order */
	int prefix;
	int scope;              /* RT_SCOPE_* */
};

struct if_info {
	int index;              /* lo 1, eth0 2 */
	char name[IFNAMSIZ];
	unsigned flags;         /* IFF_* */
	unsigned mtu;
	bool loopback;
	uint8_t hwaddr[6];
	int naddr;
	struct if_addr addr[IF_ADDR_MAX];
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped;
	uint8_t gw4[4];         /* the default IPv4 gateway through this interface, or 0 */
};

/* The interfaces (brings the stack up if no socket has yet): how many were written. */
int ifinfo_list(struct if_info *out, int max);
/* The interface by name or index (index 0: by name): 0 or -ENODEV. */
int ifinfo_find(const char *name, int index, struct if_info *out);
#endif
