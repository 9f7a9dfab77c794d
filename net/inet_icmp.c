/* ICMP and ICMPv6 errors for UDP and ping sockets, as Linux's __udp4_lib_err, __udp6_lib_err
   and ping_err: lwIP's IP input hook sees every packet before lwIP, which drops these errors;
   an error quoting a UDP (or UDP-Lite) datagram or an echo request reaches the socket that
   sent it (by its port or echo identifier): as its pending error when Linux calls the error
   hard and the socket is connected, or with IP_RECVERR always, queued for MSG_ERRQUEUE (soft
   errors such as "host unreachable" are otherwise not reported, since a route may yet come).
   Checksums are checked where the interface checks them: not on the loopback, which Linux
   trusts too, but for a packet a raw socket built itself. */
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

/* The errno of an ICMP error of this type and code and whether it is hard, as Linux's UDP and
   ping sockets take them (__udp4_lib_err, __udp6_lib_err, ping_err); false for what is no
   error to report (redirects, source quench, replies). A "fragmentation needed" or UDP's
   "packet too big" is hard: sockets do path MTU discovery by default. */
static bool icmp_convert(bool v6, bool ping, uint8_t type, uint8_t code, int *err, bool *hard)
{
	*hard = false;
	if (!v6) {
		switch (type) {
		case ICMP_DEST_UNREACH:
			if (code == ICMP_FRAG_NEEDED) {
				*err = EMSGSIZE;
				*hard = true;
			} else if (code < 16) {
				*err = unreach4[code].err;
				*hard = unreach4[code].hard;
			} else {
				*err = EHOSTUNREACH;
			}
			return true;
		case ICMP_TIME_EXCEEDED:
			*err = EHOSTUNREACH;
			return true;
		case ICMP_PARAMETERPROB:
			*err = EPROTO;
			*hard = true;
			return true;
		}
		return false;
	}
	switch (type) {
	case ICMPV6_DEST_UNREACH:
		*err = code < 7 ? unreach6[code].err : EPROTO;
		*hard = code < 7 ? unreach6[code].hard : true;
		return true;
	case ICMPV6_PKT_TOOBIG:
		*err = EMSGSIZE;
		*hard = !ping;
		return true;
	case ICMPV6_TIME_EXCEED:
		*err = EHOSTUNREACH;
		return true;
	case ICMPV6_PARAMPROB:
		*err = EPROTO;
		*hard = true;
		return true;
	}
	return false;
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

/* An address from 4 or 16 bytes. */
static void icmp_addr(ip_addr_t *a, const uint8_t *b, bool v6)
{
	if (v6) {
		ip_addr_t z = IPADDR6_INIT(0, 0, 0, 0);
		memcpy(ip_2_ip6(&z)->addr, b, 16);
		ip6_addr_clear_zone(ip_2_ip6(&z));
		*a = z;
	} else {
		ip_addr_t z = IPADDR4_INIT(0);
		memcpy(&ip_2_ip4(&z)->addr, b, 4);
		*a = z;
	}
}

int unik_ip_input_hook(struct pbuf *p, struct netif *inp, int v6)
{
	const uint8_t *b = icmp_pkt;
	if (inet_raw_input(p, inp, v6))
		return 1;
	uint32_t len = pbuf_copy_partial(p, icmp_pkt, sizeof(icmp_pkt), 0), end, hl, ihl;
	const uint8_t *icmp, *in;
	bool check = !inp || (inp->chksum_flags & (v6 ? NETIF_CHECKSUM_CHECK_ICMP6 :
							    NETIF_CHECKSUM_CHECK_ICMP));
	uint8_t proto;
	if (!v6) {
		hl = len >= 20 ? (b[0] & 0xfu) * 4 : 0;
		end = len >= 4 ? (uint32_t)(b[2] << 8 | b[3]) : 0;
		if (len < 20 || (b[0] >> 4) != 4 || b[9] != IP_PROTO_ICMP || hl < 20 ||
		    end > len || end < hl + 8 + 20 + 8)
			return 0;       /* too short, or larger than any error */
		icmp = b + hl;
		in = icmp + 8;
		ihl = (in[0] & 0xfu) * 4;
		proto = in[9];
		if ((in[0] >> 4) != 4 || ihl < 20 || end < hl + 8 + ihl + 8)
			return 0;
		if (check && inet_chksum(icmp, (u16_t)(end - hl)) != 0)
			return 0;
	} else {
		end = len >= 6 ? 40 + (uint32_t)(b[4] << 8 | b[5]) : 0;
		if (len < 40 + 8 + 40 + 8 || (b[0] >> 4) != 6 || b[6] != IP6_NEXTH_ICMP6 ||
		    end > len || end < 40 + 8 + 40 + 8)
			return 0;
		icmp = b + 40;
		in = icmp + 8;
		ihl = 40;
		proto = in[6];
		if ((in[0] >> 4) != 6)
			return 0;
		if (check && icmp6_checksum(b, icmp, end - 40) != 0)
			return 0;
	}
	const uint8_t *inner = in + ihl;        /* the quoted UDP, TCP or ICMP header */
	bool ping = proto == (v6 ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP) &&
		    inner[0] == (v6 ? 128 : 8);         /* about an echo request */
	bool tcp = proto == IP_PROTO_TCP;
	struct inet_icmp_err e = { .v6 = v6, .type = icmp[0], .code = icmp[1] };
	if (!icmp_convert(v6, true, icmp[0], icmp[1], &e.err, &e.hard))
		return 0;
	if (!v6 && e.type == ICMP_DEST_UNREACH && e.code == ICMP_FRAG_NEEDED)
		e.info = (uint32_t)(icmp[6] << 8 | icmp[7]);
	if (v6 && e.type == ICMPV6_PKT_TOOBIG)
		e.info = (uint32_t)icmp[4] << 24 | (uint32_t)icmp[5] << 16 | icmp[6] << 8 | icmp[7];
	icmp_addr(&e.offender, b + (v6 ? 8 : 12), v6);
	icmp_addr(&e.local, in + (v6 ? 8 : 12), v6);
	icmp_addr(&e.remote, in + (v6 ? 24 : 16), v6);
	/* raw sockets of the quoted protocol first (the quoted IP payload, no ports) */
	e.payload = inner;
	e.payload_len = (uint32_t)(b + end - inner);
	e.quoted = in;
	inet_raw_icmp_error(&e, proto);
	bool lite = proto == IP_PROTO_UDPLITE;          /* IPv6's next header is 136 too */
	if (proto != (v6 ? IP6_NEXTH_UDP : IP_PROTO_UDP) && !lite && !ping && !tcp)
		return 0;
	if (!ping)
		icmp_convert(v6, false, icmp[0], icmp[1], &e.err, &e.hard);
	if (tcp && ((!v6 && e.type == ICMP_DEST_UNREACH && e.code == ICMP_FRAG_NEEDED) ||
		    (v6 && e.type == ICMPV6_PKT_TOOBIG) || (!v6 && e.code > 15 &&
							 e.type == ICMP_DEST_UNREACH)))
		return 0;       /* path MTU matters (lwIP keeps its MSS), or no such code */
	if (ping) {
		inet_ping_icmp_error(&e, (u16_t)(inner[4] << 8 | inner[5]));
		return 0;
	}
	e.lport = (u16_t)(inner[0] << 8 | inner[1]);
	e.rport = (u16_t)(inner[2] << 8 | inner[3]);
	if (tcp) {
		inet_tcp_icmp_error(&e, (u32_t)inner[4] << 24 | (u32_t)inner[5] << 16 |
					(u32_t)inner[6] << 8 | inner[7]);
		return 0;
	}
	e.payload = inner + 8;
	e.payload_len = (uint32_t)(b + end - e.payload);
	inet_udp_icmp_error(&e, lite);
	return 0;
}
