/* AF_INET and AF_INET6 sockets on lwIP: the state net/inet.c (creation, addresses, options),
   net/inet_tcp.c (SOCK_STREAM) and net/inet_udp.c (SOCK_DGRAM) share. Every call into lwIP is
   made from the core with no task switch inside it (the kernel's one lwIP lock is the single
   vCPU running core code to completion); callbacks only record state and call file_changed. */
#ifndef NET_INET_H
#define NET_INET_H
#include "vfs/file.h"
#include "net/socket.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/raw.h"

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58
#define IPPROTO_UDPLITE 136
#define IPPROTO_RAW 255
#define SOL_UDP 17
#define SOL_UDPLITE 136
#define SOL_RAW 255

enum inet_state { IS_CLOSED, IS_LISTEN, IS_CONNECTING, IS_CONNECTED };

/* One received datagram and its source, with what the IP levels' control messages report of
   it (net/inet_cmsg.c): the address it was sent to, the interface it came in on, its TTL or hop
   limit, its TOS or traffic class, and the local address a reply would come from (IPv4). */
struct inet_dgram {
	struct inet_dgram *next;
	struct pbuf *p;
	ip_addr_t addr, dst;
	u16_t port;
	uint8_t ifindex, ttl, tos;
	uint32_t spec_dst;
	int64_t stamp;          /* arrival, CLOCK_REALTIME ns (SO_TIMESTAMP) */
};

/* An ICMP error kept for IP_RECVERR/IPV6_RECVERR (MSG_ERRQUEUE): Linux's sock_extended_err,
   the ICMP packet's sender, where the offending datagram went and its first bytes. */
#define INET_ERRQ_MAX 32                /* errors kept; later ones are dropped */
#define INET_ERRQ_DATA 512
struct inet_errq {
	struct inet_errq *next;
	uint32_t ee_errno;
	uint8_t ee_origin, ee_type, ee_code, ee_pad;
	uint32_t ee_info, ee_data;
	ip_addr_t offender, dst;
	u16_t dst_port;
	uint16_t len;                   /* of data */
	uint8_t data[INET_ERRQ_DATA];
};

/* The IP levels' receive options a socket asked for (inet_sock.rxopt). */
#define INET_RX_PKTINFO 0x01            /* IP_PKTINFO */
#define INET_RX_TTL 0x02                /* IP_RECVTTL */
#define INET_RX_TOS 0x04                /* IP_RECVTOS */
#define INET_RX_PKTINFO6 0x08           /* IPV6_RECVPKTINFO */
#define INET_RX_HOPLIMIT 0x10           /* IPV6_RECVHOPLIMIT */
#define INET_RX_TCLASS 0x20             /* IPV6_RECVTCLASS */
#define INET_RX_2292PKTINFO 0x40        /* IPV6_2292PKTINFO */
#define INET_RX_2292HOPLIMIT 0x80       /* IPV6_2292HOPLIMIT */
#define INET_RX_RECVERR 0x100           /* IP_RECVERR */
#define INET_RX_RECVERR6 0x200          /* IPV6_RECVERR */

/* TCP: the arrival time (CLOCK_REALTIME ns) of the received bytes before end. A segment that
   finds all INET_RX_STAMPS in use joins the newest, which takes its time, as Linux gives
   segments it coalesced the later one's. */
#define INET_RX_STAMPS 8
struct inet_rx_stamp {
	uint64_t end;
	int64_t ns;
};

struct inet_sock {
	struct socket *sock;    /* NULL while queued for accept or after close (lwIP finishing) */
	int family, type;
	enum inet_state state;
	struct tcp_pcb *tcp;    /* NULL once lwIP freed it (reset, abort) */
	struct udp_pcb *udp;
	struct raw_pcb *raw;    /* SOCK_RAW, and ICMP echo (ping) sockets */
	int err;                /* an error that came while sock was NULL (queued connection) */
	bool v6only, nodelay, rx_fin, shut_rd, shut_wr, udp_connected;
	bool cork;                      /* TCP_CORK: partial segments held (as Nagle holds them) */
	bool connect_async;     /* a connect returned EINPROGRESS; the next one reports the end */
	/* TCP: received bytes not yet read, pbufs linked through next, the first read from rx_off */
	struct pbuf *rx_head, *rx_tail;
	uint32_t rx_off, rx_len;
	/* TCP: when they arrived (SO_TIMESTAMP), oldest first from rx_stamp0: entry i holds the
	   bytes up to rx_stamp[i].end, a count over all bytes ever queued (rx_in) */
	struct inet_rx_stamp rx_stamp[INET_RX_STAMPS];
	uint8_t rx_stamp0, rx_nstamp;
	uint64_t rx_in;
	/* TCP listener: established connections not yet accepted */
	struct inet_sock *acceptq, *acceptq_tail, *next_conn, *listener;
	int nacceptq;
	/* TCP listeners sharing a port (SO_REUSEPORT): the group's lead owns lwIP's listening PCB
	   (the others keep their bound one) and deals connections to members in turn. rp_lead:
	   a member's lead (NULL for the lead); rp_next: the lead's list of members; rp_turn: the
	   lead's next member to deal to (NULL: itself); rp_uid: the group's user. */
	struct inet_sock *rp_lead, *rp_next, *rp_turn;
	uint32_t rp_uid;
	/* UDP: received datagrams */
	struct inet_dgram *dq_head, *dq_tail;
	uint32_t dq_bytes;
	/* UDP-Lite: the checksum coverage sends ask for and the least a received datagram's
	   partial coverage may be (UDPLITE_SEND_CSCOV, UDPLITE_RECV_CSCOV; 0: the whole
	   datagram), each heeded only once set (Linux's pcflag) */
	uint16_t cscov_tx, cscov_rx;
	bool cscov_tx_set, cscov_rx_set;
	/* raw: ICMP types not to receive (ICMP_FILTER, ICMPV6_FILTER); ping: the echo
	   identifier (Linux's port of a ping socket, 0 until bound) */
	uint32_t icmp_filter[8];
	bool ping;
	u16_t ping_id;
	struct inet_sock *ping_next;
	/* options kept or handed to lwIP */
	int tos, ttl, tclass, hops, keepidle, keepintvl, keepcnt;
	/* --publish-listening: the families (UNIK_NET_PUBLISH_*) this listener or bound UDP
	   socket serves on the NIC at port pub_port; 0: none, nothing to take back at close */
	uint8_t pub_families;
	u16_t pub_port;
	uint16_t rxopt;         /* INET_RX_* */
	int icmp_err;           /* TCP: an ICMP error's errno, what a failed connect or a
				   timed-out connection reports (Linux's sk_err_soft) */
	struct inet_errq *errq; /* IP_RECVERR: ICMP errors not yet read, oldest first */
	int nerrq;
	uint64_t seq;           /* events so far, for edge-triggered epoll */
	/* TCP urgent data (net/inet_urg.c; Linux's urg_data and urg_seq): the last urgent byte
	   the peer announced, its place in the stream (counted as rx_in counts) and, once it
	   arrived, its value. rx_seq0: the sequence number of stream byte 0, which places the
	   peer's urgent pointer in the stream. */
	uint8_t urg_state;      /* INET_URG_* */
	uint8_t urg_byte;
	uint64_t urg_pos;
	uint32_t rx_seq0;
};

enum { INET_URG_NONE, INET_URG_NOTYET, INET_URG_VALID, INET_URG_READ };

/* An event on is (NULL: none): counted for edge-triggered epoll, and waiters look again. */
static inline void inet_event(struct inet_sock *is)
{
	if (is)
		is->seq++;
	file_changed();
}

/* The socket's event counter (sock_ops.event_seq). */
bool inet_event_seq(struct socket *s, uint64_t *seq);

static inline struct inet_sock *inet_sk(struct socket *s)
{
	return s->priv;
}

/* A sockaddr of the socket's family -> lwIP address and port (host order). connect: the
   unspecified address means loopback, a v4-mapped one on a v6-only socket is ENETUNREACH (bind:
   EINVAL). 0 or -errno (EINVAL short or bad, EAFNOSUPPORT another family). */
int inet_addr_in(struct inet_sock *is, const void *addr, uint32_t len, bool bind, ip_addr_t *ip,
		 u16_t *port);
/* lwIP address and port -> the socket family's sockaddr (v4 addresses v4-mapped on AF_INET6);
   its length (16 or 28). */
uint32_t inet_addr_out(const struct inet_sock *is, const ip_addr_t *ip, u16_t port, void *out);
/* bind's address: inet_addr_in, then EADDRNOTAVAIL unless it is this machine's. */
int inet_bind_addr(struct inet_sock *is, const void *addr, uint32_t len, ip_addr_t *ip,
		   u16_t *port);
/* connect of a datagram socket: AF_UNSPEC dissolves the association (undo), an address makes
   one (to: 0 or -errno); udp_connected follows. */
int inet_dgram_connect(struct inet_sock *is, const void *addr, uint32_t len,
		       int (*to)(struct inet_sock *is, const ip_addr_t *ip, u16_t port),
		       void (*undo)(struct inet_sock *is));
/* Whether ip is an address of this machine (or unspecified): bind's EADDRNOTAVAIL check. */
bool inet_addr_local(const ip_addr_t *ip);
/* Whether two bound local addresses take some address in common (a port's binding conflict):
   a dual-stack wildcard takes both families, an IPv6-only one IPv6 only, as Linux's
   inet_rcv_saddr_equal. */
bool inet_bind_overlap(const ip_addr_t *a, const ip_addr_t *b);
/* The lwIP address type a new PCB of this socket gets. */
u8_t inet_ip_type(const struct inet_sock *is);
/* The socket's pending error: sock->err (or is->err), cleared. */
int inet_take_err(struct inet_sock *is);
void inet_set_err(struct inet_sock *is, int err);
/* After a bind to ip: an AF_INET6 socket bound to an IPv6 address becomes v6-only, as Linux. */
void inet_bound(struct inet_sock *is, const ip_addr_t *ip);
/* --publish-listening: the families under which a socket bound to ip answers on the NIC's
   address (the wildcard address or the NIC's own); 0 for loopback or another address, and
   always 0 when the monitor does not publish (then nothing else is needed). */
uint8_t inet_publish_families(const ip_addr_t *ip);
/* From now on is serves the families mine on is->pub_port (0: no more), the other sockets on
   that port others: tells the monitor when what the port serves changes. */
void inet_publish_set(struct inet_sock *is, bool udp, uint8_t mine, uint8_t others);
/* Applies the options kept in is and s (TTL, TOS, keepalive, Nagle) to the TCP/UDP PCB. */
void inet_apply_opts(struct inet_sock *is);
/* Linux's errno for an lwIP error. */
int inet_errno(err_t e);

int inet_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len);
int inet_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len);
int inet_getname(struct socket *s, void *addr, uint32_t *len, bool peer);
/* Copies n bytes from offset off of the pbuf chain p into the iterator: 0 or -EFAULT. */
int inet_copy_out(struct iov_iter *it, struct pbuf *p, uint32_t off, uint32_t n);

/* Datagram sockets (UDP, raw, ping; net/inet_udp.c): is's queue of received datagrams. push
   queues p (from addr, port) within the receive buffer, else frees it; pop drops the first. */
void inet_dgram_push(struct inet_sock *is, struct pbuf *p, const ip_addr_t *addr, u16_t port);
void inet_dgram_pop(struct inet_sock *is);
/* The sock_ops the datagram kinds share: a receive from the queue (MSG_PEEK, MSG_TRUNC, the
   source), shutdown, Linux's datagram_poll, SIOCINQ/SIOCOUTQ. udp_connected stands for
   "connected" in all of them. */
int64_t inet_dgram_recvmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock);
int inet_dgram_shutdown(struct socket *s, int how);
uint32_t inet_dgram_poll(struct socket *s);
int64_t inet_dgram_ioctl(struct socket *s, unsigned long req, uint64_t arg);

/* The IP levels' control messages (net/inet_cmsg.c). rxopt_set/get: the receive options
   (-ENOPROTOOPT / false when level and name are not one). dgram_note: records what they report
   of the datagram lwIP's input is handing over. cmsg_recv: the messages is asked for, into m. */
int inet_rxopt_set(struct inet_sock *is, int level, int name, int v);
bool inet_rxopt_get(const struct inet_sock *is, int level, int name, int *v);
void inet_dgram_note(struct inet_dgram *d);
void inet_cmsg_recv(const struct inet_sock *is, const struct inet_dgram *d, struct msg_k *m);
/* What a UDP, raw or ping send checks before it builds the datagram, in Linux's order: the
   control messages and the route they ask for (*nif NULL: the usual one), a shut-down side
   (EPIPE), a pending error, the size (EMSGSIZE above max), a broadcast without SO_BROADCAST
   (check_broadcast); then the socket's options and this send's TTL and TOS go on the PCB
   (inet_apply_opts after the send puts the socket's back). 0 or -errno. */
int inet_dgram_send_begin(struct inet_sock *is, const struct msg_k *m, int flags,
			  const ip_addr_t *dst, uint64_t max, bool check_broadcast,
			  struct netif **nif, ip_addr_t *src);

/* An ICMP error (net/inet_icmp.c): what it says and about which datagram. */
struct inet_icmp_err {
	int err;                        /* Linux's errno for it */
	bool hard;                      /* reported without IP_RECVERR (to connected sockets) */
	bool v6;
	uint8_t type, code;
	uint32_t info;                  /* the MTU of a "too big" */
	ip_addr_t offender;             /* who sent the ICMP error */
	ip_addr_t local, remote;        /* the offending datagram's source and destination */
	u16_t lport, rport;             /* its ports (a ping's: the echo identifier, 0) */
	const uint8_t *payload;         /* its bytes past the UDP or (ping) none of the header */
	uint32_t payload_len;
	const uint8_t *quoted;          /* its IP header, which raw sockets with IP_HDRINCL get */
};
/* The UDP socket (UDP-Lite when lite) that sent the offending datagram hears of the error: as
   its pending error when it is hard and the socket connected, or, with IP_RECVERR, always, and
   queued for MSG_ERRQUEUE (net/inet_udp.c); ping sockets likewise by their identifier
   (net/inet_raw.c). */
void inet_udp_icmp_error(const struct inet_icmp_err *e, bool lite);
/* TCP (net/inet_tcp.c): a connection still in SYN_SENT whose SYN (sequence number seq) the
   error quotes fails with its errno, as Linux's tcp_v4_err; an established one keeps it for
   the report if it later times out. */
void inet_tcp_icmp_error(const struct inet_icmp_err *e, u32_t seq);
void inet_ping_icmp_error(const struct inet_icmp_err *e, u16_t id);
/* Raw sockets of the quoted packet's protocol whose ends match hear of it too (Linux's
   raw_icmp_error); e->payload is the quoted IP payload. */
void inet_raw_icmp_error(const struct inet_icmp_err *e, uint8_t proto);
/* Queues e for is (IP_RECVERR set) and sets the pending error; or only the pending error when
   it is hard and connected is true (net/inet_cmsg.c). */
void inet_icmp_deliver(struct inet_sock *is, const struct inet_icmp_err *e, bool connected);
/* MSG_ERRQUEUE: the oldest queued error into m (its data, the destination it was sent to, and
   the IP_RECVERR/IPV6_RECVERR message); -EAGAIN when none. Frees the queue (errq_purge). */
int64_t inet_errq_recv(struct inet_sock *is, struct msg_k *m);
void inet_errq_purge(struct inet_sock *is);

int inet_tcp_init(struct inet_sock *is);
/* The largest receive window a TCP socket offers: half its SO_RCVBUF once the program set it,
   as Linux offers (its tcp_full_space at the initial 50 % overhead ratio), at most lwIP's
   TCP_WND, which is the window otherwise (net/inet_tcp.c). */
uint32_t inet_tcp_rcv_wnd(const struct socket *s);
/* A UDP socket, or with lite a UDP-Lite one (RFC 3828: the same socket with a checksum that
   may cover only the datagram's start, and its own ports). */
int inet_udp_init(struct inet_sock *is, bool lite);
/* SOL_UDP and SOL_UDPLITE (both levels reach both protocols, as Linux's): UDPLITE_SEND_CSCOV
   and UDPLITE_RECV_CSCOV, set on UDP-Lite sockets only and read as 0 on UDP ones; other names
   -ENOPROTOOPT (net/inet_udp.c). */
int inet_udp_setsockopt(struct inet_sock *is, int name, const void *val, uint32_t len);
int inet_udp_getsockopt(struct inet_sock *is, int name, int *v);
/* SOCK_RAW with this protocol, or (SOCK_DGRAM) an ICMP echo socket (net/inet_raw.c). */
int inet_raw_init(struct inet_sock *is, int protocol);
extern const struct sock_ops inet_tcp_ops, inet_udp_ops, inet_raw_ops;
/* IP_HDRINCL / IPV6_HDRINCL: whether the socket's sends carry their own IP header (a raw
   IPPROTO_RAW socket's always start so); set only on raw sockets. */
bool inet_raw_hdrincl(const struct inet_sock *is);
void inet_raw_set_hdrincl(struct inet_sock *is, bool on);
/* pbuf flags lwIP leaves free: a packet a raw socket sent with its own IPv4 or IPv6 header that
   came back to this machine, for the input to treat as Linux's treats it. */
#define INET_PBUF_HDRINCL4 0x40U
#define INET_PBUF_HDRINCL6 0x80U
#define INET_PBUF_HDRINCL (INET_PBUF_HDRINCL4 | INET_PBUF_HDRINCL6)
/* lwIP's input hook, first (net/inet_icmp.c): the loopback checks the checksums of such a
   packet, which lwIP's own skip; one of the other IP version than its header was sent as is
   freed (Linux's input would drop it), and then 1 is returned; otherwise 0. */
int inet_raw_input(struct pbuf *p, struct netif *inp, bool v6);
/* SOL_RAW's ICMP_FILTER, SOL_ICMPV6's ICMPV6_FILTER, IPV6_CHECKSUM and IPV6_HDRINCL
   (net/inet_raw.c), for the levels and names inet_raw_owns_opt says. */
bool inet_raw_owns_opt(const struct inet_sock *is, int level, int name);
int inet_raw_setsockopt(struct inet_sock *is, int level, int name, const void *val,
			uint32_t len);
int inet_raw_getsockopt(struct inet_sock *is, int level, int name, void *val, uint32_t *len);
/* TCP urgent data (net/inet_urg.c), as Linux's tcp_check_urg, tcp_urg and tcp_recvmsg. The
   mark is the urgent byte's place in the stream; reads stop before it, and without SO_OOBINLINE
   (oobinline false) skip the byte, which recv(MSG_OOB) reads instead.
   announce: lwIP's urgent pointer callback (seqno, urgp of an acceptable segment, before its
   data is queued): a newer mark replaces the old one and signals SIGURG; true when the old
   out-of-band byte stands at the read position, for the caller to drop from the queue.
   queued: after bytes were queued, takes the urgent byte once it is in. consumed: after bytes
   were read, forgets a mark the read passed. at_mark: whether queue offset at is the mark
   (SIOCATMARK at 0). clip: how many of n bytes from queue offset at a read may take without
   crossing the mark. inq: SIOCINQ, which without SO_OOBINLINE counts only the bytes before a
   mark that arrived (Linux's tcp_inq). recv: recv(MSG_OOB): the byte, EINVAL with none (or SO_OOBINLINE),
   EAGAIN while announced only. */
bool inet_urg_announce(struct inet_sock *is, bool oobinline, u32_t seqno, u16_t urgp);
void inet_urg_queued(struct inet_sock *is);
void inet_urg_consumed(struct inet_sock *is);
bool inet_urg_at_mark(const struct inet_sock *is, uint32_t at);
uint32_t inet_urg_clip(const struct inet_sock *is, uint32_t at, uint32_t n);
uint32_t inet_urg_inq(const struct inet_sock *is, bool oobinline);
int64_t inet_urg_recv(struct inet_sock *is, struct msg_k *m, int flags);
/* TCP_INFO and the TCP_* options needing the PCB (net/inet_tcp.c). */
int inet_tcp_info(struct inet_sock *is, void *val, uint32_t *len);
#endif
