/* /proc/net: dev, if_inet6, route, tcp, tcp6, udp, udp6, udplite, udplite6 (and unix, from
   net/unix.c), in Linux's formats, for the tools and health checks that read them (ifconfig,
   netstat, "is the port listening" scripts). From lwIP's protocol control blocks and the
   guest's interfaces. */
#include "k/kernel.h"
#include "vfs/procfs.h"
#include "net/socket.h"
#include "net/inet.h"
#include "net/ifinfo.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/udp.h"

/* Linux's TCP states as /proc/net/tcp numbers them, for lwIP's. */
static int procnet_tcp_state(enum tcp_state s)
{
	switch (s) {
	case ESTABLISHED: return 1;
	case SYN_SENT: return 2;
	case SYN_RCVD: return 3;
	case FIN_WAIT_1: return 4;
	case FIN_WAIT_2: return 5;
	case TIME_WAIT: return 6;
	case CLOSE_WAIT: return 8;
	case LAST_ACK: return 9;
	case LISTEN: return 10;
	case CLOSING: return 11;
	default: return 7;      /* CLOSED */
	}
}

int procfs_show_net_dev(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "Inter-|   Receive                                                |  Transmit\n"
		       " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		       "packets errs drop fifo colls carrier compressed\n");
	struct if_info ifs[IF_MAX];
	int k = ifinfo_list(ifs, IF_MAX);
	for (int i = 0; i < k; i++)
		procfs_printf(b, "%6s:%8lu %7lu    0 %4lu    0     0          0         0 %8lu %7lu"
			      "    0    0    0     0       0          0\n", ifs[i].name,
			      ifs[i].rx_bytes, ifs[i].rx_packets, ifs[i].rx_dropped, ifs[i].tx_bytes,
			      ifs[i].tx_packets);
	return 0;
}

int procfs_show_net_if_inet6(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	struct if_info ifs[IF_MAX];
	int k = ifinfo_list(ifs, IF_MAX);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < ifs[i].naddr; j++) {
			const struct if_addr *a = &ifs[i].addr[j];
			if (a->family != AF_INET6)
				continue;
			for (int x = 0; x < 16; x++)
				procfs_printf(b, "%02x", a->addr[x]);
			int scope = a->scope == RT_SCOPE_HOST ? 0x10 : a->scope == RT_SCOPE_LINK ? 0x20 :
				    a->scope == RT_SCOPE_SITE ? 0x40 : 0;
			procfs_printf(b, " %02x %02x %02x %02x %8s\n", ifs[i].index, a->prefix, scope,
				      a->flags & 0xff, ifs[i].name);
		}
	return 0;
}

/* A line padded to 127 characters and a newline, as Linux's route file has them. */
static void procnet_route_line(struct procfs_buf *b, const char *line)
{
	procfs_printf(b, "%-127s\n", line);
}

int procfs_show_net_route(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procnet_route_line(b, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU"
			   "\tWindow\tIRTT");
	struct if_route4 r[IF_ROUTE_MAX];
	int k = ifinfo_routes4(r, IF_ROUTE_MAX);
	char line[160];
	for (int i = 0; i < k; i++) {
		struct if_info dev;
		if (ifinfo_find(NULL, r[i].index, &dev))
			continue;
		uint32_t dst, gw, mask = r[i].dst_len ? __builtin_bswap32(0xffffffffu <<
									 (32 - r[i].dst_len)) : 0;
		memcpy(&dst, r[i].dst, 4);
		memcpy(&gw, r[i].gw, 4);
		/* RTF_UP, RTF_GATEWAY, RTF_HOST */
		unsigned flags = 1u | (r[i].has_gw ? 2u : 0) | (r[i].dst_len == 32 ? 4u : 0);
		ksnprintf(line, sizeof(line), "%s\t%08X\t%08X\t%04X\t%d\t%u\t%u\t%08X\t%d\t%u\t%u",
			  dev.name, dst, r[i].has_gw ? gw : 0u, flags, 0, 0u, r[i].priority, mask, 0,
			  0u, 0u);
		procnet_route_line(b, line);
	}
	return 0;
}

/* An address as /proc/net/tcp prints it: the 32-bit words as stored, in hex. */
static void procnet_addr(struct procfs_buf *b, const ip_addr_t *a, uint16_t port, bool v6)
{
	if (!v6) {
		procfs_printf(b, "%08X:%04X", IP_IS_V4(a) ? ip_2_ip4(a)->addr : 0u, port);
		return;
	}
	uint32_t w[4] = { 0, 0, 0, 0 };
	if (IP_IS_ANY_TYPE_VAL(*a))
		;                       /* a dual-stack socket's unspecified address: :: */
	else if (IP_IS_V6(a))
		memcpy(w, ip_2_ip6(a)->addr, 16);
	else if (IP_IS_V4(a)) {
		w[2] = __builtin_bswap32(0xffffu);      /* ::ffff:a.b.c.d */
		w[3] = ip_2_ip4(a)->addr;
	}
	procfs_printf(b, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], port);
}

/* Does a pcb of this address type belong in the v4 file (false: the v6 one)? */
static bool procnet_is_v4(const ip_addr_t *local)
{
	return IP_IS_V4(local) && !IP_IS_ANY_TYPE_VAL(*local);
}

static uint64_t procnet_ino(void *arg)
{
	struct inet_sock *is = arg;
	return is && is->sock ? socket_ino(is->sock) : 0;
}

static void procnet_tcp_line(struct procfs_buf *b, int sl, const ip_addr_t *lip, uint16_t lport,
			     const ip_addr_t *rip, uint16_t rport, enum tcp_state st, uint32_t txq,
			     uint32_t rxq, uint64_t ino, bool v6)
{
	procfs_printf(b, "%4d: ", sl);
	procnet_addr(b, lip, lport, v6);
	procfs_puts(b, " ");
	procnet_addr(b, rip, rport, v6);
	procfs_printf(b, " %02X %08X:%08X 00:00000000 00000000     0        0 %lu 1 "
		      "0000000000000000 20 4 0 10 -1\n", procnet_tcp_state(st), txq, rxq, ino);
}

static void procnet_tcp_list(struct procfs_buf *b, struct tcp_pcb *list, bool v6, int *sl)
{
	for (struct tcp_pcb *pcb = list; pcb; pcb = pcb->next) {
		if (procnet_is_v4(&pcb->local_ip) == v6)
			continue;
		struct inet_sock *is = pcb->callback_arg;
		procnet_tcp_line(b, (*sl)++, &pcb->local_ip, pcb->local_port, &pcb->remote_ip,
				 pcb->remote_port, pcb->state, pcb->snd_lbb - pcb->lastack,
				 is ? is->rx_len : 0, procnet_ino(is), v6);
	}
}

/* Listening pcbs are the smaller struct tcp_pcb_listen: no peer, no queues. */
static void procnet_tcp_listeners(struct procfs_buf *b, bool v6, int *sl)
{
	for (struct tcp_pcb_listen *pcb = tcp_listen_pcbs.listen_pcbs; pcb; pcb = pcb->next) {
		if (procnet_is_v4(&pcb->local_ip) == v6)
			continue;
		ip_addr_t any;
		ip_addr_copy(any, pcb->local_ip);
		if (IP_IS_V4(&any))
			ip_addr_set_zero_ip4(&any);
		else if (IP_IS_V6(&any))
			ip_addr_set_zero_ip6(&any);
		procnet_tcp_line(b, (*sl)++, &pcb->local_ip, pcb->local_port, &any, 0, LISTEN, 0, 0,
				 procnet_ino(pcb->callback_arg), v6);
	}
}

static int procnet_tcp(struct procfs_buf *b, bool v6)
{
	procfs_printf(b, v6 ? "  sl  local_address                         remote_address          "
			      "              st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
			      "inode\n"
			    : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			      "retrnsmt   uid  timeout inode\n");
	int sl = 0;
	procnet_tcp_listeners(b, v6, &sl);
	procnet_tcp_list(b, tcp_active_pcbs, v6, &sl);
	procnet_tcp_list(b, tcp_tw_pcbs, v6, &sl);
	return 0;
}

int procfs_show_net_tcp(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	return procnet_tcp(b, false);
}

int procfs_show_net_tcp6(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	return procnet_tcp(b, true);
}

/* Ends a line begun at offset start: an IPv4 UDP file pads its lines to 127 characters, as
   Linux's udp4_seq_show (its IPv6 ones are not padded). */
static void procnet_udp_end(struct procfs_buf *b, size_t start, bool v6)
{
	char pad[127];
	size_t w = b->len - start;
	if (!v6 && w < sizeof(pad)) {
		memset(pad, ' ', sizeof(pad) - w);
		procfs_write(b, pad, sizeof(pad) - w);
	}
	procfs_puts(b, "\n");
}

/* udp, udp6, and (lite) udplite, udplite6: the same lines, for UDP-Lite's sockets. */
static int procnet_udp(struct procfs_buf *b, bool v6, bool lite)
{
	size_t start = b->len;
	procfs_puts(b, v6 ? "  sl  local_address                         remote_address          "
			    "              st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
			    "inode ref pointer drops"
			  : "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			    "retrnsmt   uid  timeout inode ref pointer drops");
	procnet_udp_end(b, start, v6);
	int sl = 0;
	for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next) {
		struct inet_sock *is = pcb->recv_arg;
		/* the kernel's own (the DHCP client's) is no socket of the program's */
		if (!is || procnet_is_v4(&pcb->local_ip) == v6 ||
		    ((pcb->flags & UDP_FLAGS_UDPLITE) != 0) != lite)
			continue;
		start = b->len;
		procfs_printf(b, "%5d: ", sl++);
		procnet_addr(b, &pcb->local_ip, pcb->local_port, v6);
		procfs_puts(b, " ");
		procnet_addr(b, &pcb->remote_ip, pcb->remote_port, v6);
		procfs_printf(b, " %02X %08X:%08X 00:00000000 00000000     0        0 %lu 2 "
			      "0000000000000000 0", (pcb->flags & UDP_FLAGS_CONNECTED) ? 1 : 7, 0u,
			      is ? is->dq_bytes : 0u, procnet_ino(is));
		procnet_udp_end(b, start, v6);
	}
	return 0;
}

int procfs_show_net_udp(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	return procnet_udp(b, false, false);
}

int procfs_show_net_udp6(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	return procnet_udp(b, true, false);
}

int procfs_show_net_udplite(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	return procnet_udp(b, false, true);
}

int procfs_show_net_udplite6(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	return procnet_udp(b, true, true);
}
