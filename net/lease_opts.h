/* What eth0's DHCP lease carries that lwIP's DHCP client does not keep (DNS servers, domain
   name, interface MTU), taken from the replies by lwIP's DHCP hooks, and the checks on what the
   client does keep (address, netmask, gateway) before the kernel applies a lease
   (net/lease.c). Everything a server sends is untrusted: values that fail a check are dropped,
   never used. Plain C over lwIP's pbufs: it builds for the kernel and for host tests. */
#ifndef NET_LEASE_OPTS_H
#define NET_LEASE_OPTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEASE_OPT_DNS 6
#define LEASE_OPT_DOMAIN 15
#define LEASE_OPT_MTU 26
#define LEASE_DNS_MAX 3                 /* resolv.conf's MAXNS, in glibc and musl alike */
#define LEASE_DOMAIN_MAX 253            /* a DNS name's text, without the final dot */
#define LEASE_MTU_MIN 68                /* RFC 2132's floor for option 26 */
#define LEASE_RESOLV_MAX (LEASE_DNS_MAX * 28 + LEASE_DOMAIN_MAX + 16)

/* A lease's options beyond lwIP's own, each already checked. */
struct lease_opts {
	uint8_t ndns;
	uint8_t dns[LEASE_DNS_MAX][4];  /* unicast addresses, network byte order, no repeats */
	uint16_t mtu;                   /* 0: none given (or not a usable one) */
	char domain[LEASE_DOMAIN_MAX + 1];      /* "" none; else a DNS name of letters, digits,
						   '-' and '_' in labels of 1 to 63 */
};

/* What the replies to the last DHCPDISCOVER or DHCPREQUEST sent carried (lwIP takes only
   replies to its current transaction, from any server on the link): cleared by each of them,
   filled by lwIP's parse hook. */
extern struct lease_opts lease_rx;
/* A DHCPREQUEST went out: the next time lwIP's client is bound, an ACK bound it. Set by the
   append hook; the kernel clears it when it applies the lease. */
extern bool lease_requested;

/* In a DHCP message's options[0..*len) (cap bytes of room), appends the codes add[0..n) to the
   parameter request list (option 55), moving the options after it, and grows *len. Nothing is
   changed when there is no list, the options are malformed, a code is there already, or room
   or the list's 255 bytes would not suffice. */
void lease_prl_extend(uint8_t *options, uint16_t *len, size_t cap, const uint8_t *add,
		      size_t n);
/* Records in o one option of a reply, code with the len bytes at val, if it passes its check:
   DNS servers (6: a multiple of 4 bytes; unicast addresses outside 0/8 and 127/8 are kept, up
   to LEASE_DNS_MAX, more of them appending), domain name (15: a DNS name, trailing NULs and
   one final dot dropped), interface MTU (26: 2 bytes, at least LEASE_MTU_MIN). Anything else,
   or a value that fails, leaves o as it was. */
void lease_opts_record(struct lease_opts *o, uint8_t code, const uint8_t *val, size_t len);

/* The prefix length of a netmask (network byte order): its leading one bits, so a mask with
   holes counts up to its first zero. */
int lease_prefix(uint32_t mask);
/* Can ip (network byte order) be this host's address in a subnet of prefix bits: unicast,
   outside 0/8 and 127/8, and neither the subnet's network nor broadcast address (prefix < 31)? */
bool lease_addr_ok(uint32_t ip, int prefix);
/* Is gw a usable default gateway for ip/prefix: unicast, outside 0/8 and 127/8, not ip itself
   and, inside the subnet, not its network or broadcast address? *onlink tells whether it lies
   outside the subnet (then it is reached on the link all the same, as systemd-networkd does). */
bool lease_gw_ok(uint32_t ip, int prefix, uint32_t gw, bool *onlink);

/* resolv.conf naming o's DNS servers ("nameserver A.B.C.D" lines) and its domain ("search
   NAME") into buf (cap bytes, LEASE_RESOLV_MAX suffice); returns the text's length, NUL
   excluded. Nothing (length 0) when the lease named neither. */
size_t lease_resolv_conf(const struct lease_opts *o, char *buf, size_t cap);
#endif
