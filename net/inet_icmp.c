/* ICMP and ICMPv6 errors for UDP sockets, as Linux's __udp4_lib_err and __udp6_lib_err: lwIP's
   IP input hook sees every packet before lwIP, which drops these errors; an error quoting a UDP
   datagram reaches the connected socket that sent it when Linux calls it hard (without
   IP_RECVERR, soft errors such as "host unreachable" are not reported, since a route may yet
   come). Checksums are checked except on the loopback interface, which Linux trusts too. */
#include "k/kernel.h"
#include "net/inet.h"
#include "net/net.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_FRAG_NEEDED 4
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_PARAMPROB 4

/* Linux's icmp_err_convert: errno and whether it is hard, by destination-unreachable code. */
static const struct {
	uint8_t err, hard;
} unreach4[16] = {
	{ ENETUNREACH, 0 }, { EHOSTUNREACH, 0 }, { ENOPROTOOPT, 1 }, { ECONNREFUSED, 1 },
	{ EMSGSIZE, 0 }, { EOPNOTSUPP, 0 }, { ENETUNREACH, 1 }, { EHOSTDOWN, 1 },
	{ ENONET, 1 }, { ENETUNREACH, 1 }, { EHOSTUNREACH, 1 }, { ENETUNREACH, 0 },
	{ EHOSTUNREACH, 0 }, { EHOSTUNREACH, 1 }, { EHOSTUNREACH, 1 }, { EHOSTUNREACH, 1 },
}, unreach6[7] = {          /* icmpv6_err_convert's tab_unreach */
	{ ENETUNREACH, 0 }, { EACCES, 1 }, { EHOSTUNREACH, 0 }, { EHOSTUNREACH, 0 },
	{ ECONNREFUSED, 1 }, { EACCES, 1 }, { EACCES, 1 },
};

/* The errno a UDP socket gets for an ICMP error of this type and code, 0 for none (soft errors,
   and what is not an error). A "fragmentation needed" or "packet too big" is hard: UDP sockets
   do path MTU discovery by default. */
static int udp_icmp_errno(bool v6, uint8_t type, uint8_t code)
{
	if (!v6) {
		switch (type) {
		case ICMP_DEST_UNREACH:
			if (code == ICMP_FRAG_NEEDED)
				return EMSGSIZE;
			return code < 16 && unreach4[code].hard ? unreach4[code].err : 0;
		case ICMP_PARAMETERPROB:
			return EPROTO;
		}
		return 0;               /* time exceeded (soft), replies, redirects, quench */
	}
	switch (type) {
	case ICMPV6_DEST_UNREACH:
		if (code >= 7)
			return EPROTO;  /* Linux: unknown codes are hard EPROTO */
		return unreach6[code].hard ? unreach6[code].err : 0;
	case ICMPV6_PKT_TOOBIG:
		return EMSGSIZE;
	case ICMPV6_PARAMPROB:
		return EPROTO;
	}
	return 0;
}

static bool icmp_from_loopback(const struct netif *inp)
{
	return inp && inp->name[0] == 'l' && inp->name[1] == 'o';
}

/* The ICMPv6 checksum of the n bytes at icmp, over the pseudo-header of h (an IPv6 header). */
static u16_t icmp6_checksum(const uint8_t *h, const uint8_t *icmp, uint32_t n)
{
	uint32_t sum = 0;
	for (int i = 8; i < 40; i += 2)                 /* source and destination */
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	sum += (n >> 16) + (n & 0xffff) + IP6_NEXTH_ICMP6;
	for (uint32_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | icmp[i + 1]);
	if (n & 1)
		sum += (uint32_t)icmp[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16_t)~sum;
}

/* The packet's first bytes: every ICMP error Linux or a router sends fits (576 bytes over IPv4,
   1280 over IPv6); one buffer, as lwIP is only entered from the core, one packet at a time. */
static uint8_t icmp_pkt[1280];

int unik_ip_input_hook(struct pbuf *p, struct netif *inp, int v6)
{
	const uint8_t *b = icmp_pkt;
	uint32_t len = pbuf_copy_partial(p, icmp_pkt, sizeof(icmp_pkt), 0);
	ip_addr_t local, remote;
	const uint8_t *icmp, *in, *udp;
	bool check = !icmp_from_loopback(inp);
	if (!v6) {
		uint32_t hl = (b[0] & 0xfu) * 4, tot = len >= 4 ? (uint32_t)(b[2] << 8 | b[3]) : 0;
		if (len < 20 || (b[0] >> 4) != 4 || b[9] != IP_PROTO_ICMP || hl < 20 ||
		    len < hl + 8 + 20 + 8 || tot > len || tot < hl + 8 + 20 + 8)
			return 0;       /* too short, or larger than any error */
		icmp = b + hl;
		in = icmp + 8;
		uint32_t ihl = (in[0] & 0xfu) * 4;
		if ((in[0] >> 4) != 4 || in[9] != IP_PROTO_UDP || ihl < 20 || tot < hl + 8 + ihl + 8)
			return 0;       /* not about a UDP datagram over IPv4 */
		if (check && inet_chksum(icmp, (u16_t)(tot - hl)) != 0)
			return 0;
		ip_addr_t a = IPADDR4_INIT(0);
		memcpy(&ip_2_ip4(&a)->addr, in + 12, 4);
		local = a;
		memcpy(&ip_2_ip4(&a)->addr, in + 16, 4);
		remote = a;
		udp = in + ihl;
	} else {
		uint32_t plen = len >= 6 ? (uint32_t)(b[4] << 8 | b[5]) : 0;
		if (len < 40 + 8 + 40 + 8 || (b[0] >> 4) != 6 || b[6] != IP6_NEXTH_ICMP6 ||
		    40 + plen > len || plen < 8 + 40 + 8)
			return 0;
		icmp = b + 40;
		in = icmp + 8;
		if ((in[0] >> 4) != 6 || in[6] != IP6_NEXTH_UDP)
			return 0;       /* not about a UDP datagram over IPv6 */
		if (check && icmp6_checksum(b, icmp, plen) != 0)
			return 0;
		ip_addr_t a = IPADDR6_INIT(0, 0, 0, 0);
		memcpy(ip_2_ip6(&a)->addr, in + 8, 16);
		ip6_addr_clear_zone(ip_2_ip6(&a));
		local = a;
		memcpy(ip_2_ip6(&a)->addr, in + 24, 16);
		remote = a;
		udp = in + 40;
	}
	int err = udp_icmp_errno(v6, icmp[0], icmp[1]);
	if (err)
		inet_udp_icmp_error(&local, &remote, (u16_t)(udp[0] << 8 | udp[1]),
				    (u16_t)(udp[2] << 8 | udp[3]), err);
	return 0;
}
