/* UDP sockets (AF_INET, AF_INET6 SOCK_DGRAM) on lwIP's raw API: received datagrams are queued
   with their source by lwIP's callback; sends build a pbuf chain straight from the program's
   buffers. Datagrams up to 65507 bytes over IPv4 as Linux; over IPv6 up to 65487 (lwIP's 16-bit
   pbuf length includes the IPv6 header; Linux allows 65527): EMSGSIZE above.

   UDP-Lite sockets (IPPROTO_UDPLITE, RFC 3828) are the same on lwIP PCBs flagged
   UDP_FLAGS_UDPLITE: IP protocol 136, a port of their own beside UDP's (our lwIP patch 0002),
   and a checksum covering the datagram's first UDPLITE_SEND_CSCOV bytes, whose count goes where
   UDP has its length. A receiver's UDPLITE_RECV_CSCOV drops datagrams covering less, as Linux.
   libslirp carries UDP only, so UDP-Lite stays within the guest (loopback, its own addresses)
   and is never published on the host. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "vfs/file.h"
#include "net/inet.h"
#include "net/net.h"

#define SIOCINQ 0x541b
#define SIOCOUTQ 0x5411
#define UDP4_MAX_PAYLOAD 65507
#define UDP6_MAX_PAYLOAD 65487
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11

/* SO_REUSEPORT: lwIP gives a datagram to the first socket bound to its address and port; it goes
   to the member of the group (unconnected sockets with the option on exactly that address and
   port) that a hash of the sender picks, so one sender's datagrams keep going to one socket, as
   with Linux's 4-tuple hash. */
#define UDP_REUSEPORT_MAX 64

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port);

static bool udp_lite(const struct udp_pcb *pcb)
{
	return (pcb->flags & UDP_FLAGS_UDPLITE) != 0;
}

static struct inet_sock *udp_reuseport_pick(struct inet_sock *is, const struct udp_pcb *pcb,
					    const ip_addr_t *addr, u16_t port)
{
	if (!is || !is->sock || !is->sock->reuseport || is->udp_connected)
		return is;
	struct inet_sock *m[UDP_REUSEPORT_MAX];
	unsigned n = 0;
	for (struct udp_pcb *q = udp_pcbs; q && n < UDP_REUSEPORT_MAX; q = q->next) {
		struct inet_sock *o = q->recv == udp_recv_cb ? q->recv_arg : NULL;
		if (o && o->sock && o->sock->reuseport && !o->udp_connected &&
		    q->local_port == pcb->local_port && udp_lite(q) == udp_lite(pcb) &&
		    ip_addr_cmp(&q->local_ip, &pcb->local_ip))
			m[n++] = o;
	}
	if (n < 2)
		return is;
	uint32_t h = 2166136261u;
	const uint8_t *a = IP_IS_V6(addr) ? (const uint8_t *)ip_2_ip6(addr)->addr :
					    (const uint8_t *)&ip_2_ip4(addr)->addr;
	for (size_t i = 0; i < (IP_IS_V6(addr) ? 16u : 4u); i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	return m[h % n];
}

void inet_dgram_push(struct inet_sock *is, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct inet_dgram *d = NULL;
	/* the receive buffer bounds the queue, as Linux's rcvbuf accounting does */
	if (is && is->sock && is->dq_bytes + p->tot_len <= is->sock->rcvbuf)
		d = kmalloc(sizeof(*d));
	if (!d) {
		pbuf_free(p);
		return;
	}
	d->next = NULL;
	inet_dgram_note(d);
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	if (is->dq_tail)
		is->dq_tail->next = d;
	else
		is->dq_head = d;
	is->dq_tail = d;
	is->dq_bytes += p->tot_len;
	inet_event(is);
}

/* Linux's UDP-Lite receive check (udp_queue_rcv_one_skb): a datagram whose checksum covers
   only its start (a coverage field from 8 to below its length; patch 0002 dropped others) is
   refused by a socket that set UDPLITE_RECV_CSCOV to 0 (the whole datagram) or above it. */
static bool udp_cscov_ok(const struct inet_sock *is, struct pbuf *p)
{
	if (!is || !is->cscov_rx_set)
		return true;
	const struct udp_hdr *h = ip_next_header_ptr();     /* before p's payload, in its pbuf */
	u16_t cov = lwip_ntohs(h->len);
	bool partial = cov && cov < p->tot_len + UDP_HLEN;
	return !partial || (is->cscov_rx && cov >= is->cscov_rx);
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port)
{
	struct inet_sock *is = udp_reuseport_pick(arg, pcb, addr, port);
	if (udp_lite(pcb) && !udp_cscov_ok(is, p))
		is = NULL;                      /* freed */
	inet_dgram_push(is, p, addr, port);
}

int inet_udp_init(struct inet_sock *is, bool lite)
{
	struct udp_pcb *p = udp_new_ip_type(inet_ip_type(is));
	if (!p)
		return -ENOMEM;
	if (lite)
		p->flags |= UDP_FLAGS_UDPLITE;
	is->udp = p;
	udp_recv(p, udp_recv_cb, is);
	return 0;
}

void inet_dgram_pop(struct inet_sock *is)
{
	struct inet_dgram *d = is->dq_head;
	is->dq_head = d->next;
	if (!is->dq_head)
		is->dq_tail = NULL;
	is->dq_bytes -= d->p->tot_len;
	pbuf_free(d->p);
	kfree(d, sizeof(*d));
}

/* What the other UDP sockets bound to port serve on the NIC (--publish-listening). */
static uint8_t udp_publish_others(const struct inet_sock *is, u16_t port)
{
	uint8_t f = 0;
	for (struct udp_pcb *p = udp_pcbs; p; p = p->next)
		if (p->local_port == port && p->recv == udp_recv_cb && p->recv_arg &&
		    p->recv_arg != is && !udp_lite(p))
			f |= ((const struct inet_sock *)p->recv_arg)->pub_families;
	return f;
}

static void udp_release(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	if (is->pub_families)
		inet_publish_set(is, true, 0, udp_publish_others(is, is->pub_port));
	while (is->dq_head)
		inet_dgram_pop(is);
	inet_errq_purge(is);
	if (is->udp)
		udp_remove(is->udp);
	kfree(is, sizeof(*is));
	file_changed();
}

static int udp_bind_op(struct socket *s, const void *addr, uint32_t len)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	u16_t port;
	int err = inet_bind_addr(is, addr, len, &ip, &port);
	if (err)
		return err;
	if (port && port < 1024 && !capable(CAP_NET_BIND_SERVICE))
		return -EACCES;
	if (is->udp->local_port)
		return -EINVAL;
	if (s->reuseaddr || s->reuseport)
		ip_set_option(is->udp, SOF_REUSEADDR);
	if ((err = inet_errno(udp_bind(is->udp, &ip, port))))
		return err;
	inet_bound(is, &ip);
	/* A server binds its port; a client's port 0 (an ephemeral one) is nobody's to reach;
	   UDP-Lite does not cross libslirp. */
	uint8_t pub = port && !udp_lite(is->udp) ? inet_publish_families(&is->udp->local_ip) : 0;
	if (pub) {
		is->pub_port = port;
		inet_publish_set(is, true, pub, udp_publish_others(is, port));
	}
	return 0;
}

static int udp_connect_to(struct inet_sock *is, const ip_addr_t *ip, u16_t port)
{
	return inet_errno(udp_connect(is->udp, ip, port));
}

static void udp_connect_undo(struct inet_sock *is)
{
	udp_disconnect(is->udp);
}

static int udp_connect_op(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	return inet_dgram_connect(inet_sk(s), addr, len, udp_connect_to, udp_connect_undo);
}

static int64_t udp_sendmsg_op(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	u16_t port = 0;
	int err;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addrlen) {
		if ((err = inet_addr_in(is, m->addr, m->addrlen, false, &ip, &port)))
			return err;
		if (!port)
			return -EINVAL;         /* Linux: a UDP destination needs a port */
	} else if (!is->udp_connected) {
		return -EDESTADDRREQ;
	}
	const ip_addr_t *dst = m->addrlen ? &ip : &is->udp->remote_ip;
	struct netif *nif;
	ip_addr_t src;
	if ((err = inet_dgram_send_begin(is, m, flags, dst, IP_IS_V6(dst) ? UDP6_MAX_PAYLOAD :
					 UDP4_MAX_PAYLOAD, m->addrlen != 0, &nif, &src)))
		return err;
	uint64_t len = m->it.left;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, len ? PBUF_POOL : PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	for (struct pbuf *q = p; q && len; q = q->next)
		if (iter_copy_from(&m->it, q->payload, q->len)) {
			pbuf_free(p);
			return -EFAULT;
		}
	if (!m->addrlen)
		port = is->udp->remote_port;
	/* UDP-Lite's coverage, as Linux's udplite_csum_outgoing: the whole datagram unless
	   UDPLITE_SEND_CSCOV asked for less (its 0, "the whole", is written as 0) */
	uint32_t whole = (uint32_t)len + UDP_HLEN;
	if (udp_lite(is->udp))
		is->udp->chksum_len_tx = (u16_t)(is->cscov_tx_set && is->cscov_tx < whole ?
						 is->cscov_tx : whole);
	err_t e = nif ? udp_sendto_if_src(is->udp, p, dst, port, nif, &src) :
		  m->addrlen ? udp_sendto(is->udp, p, &ip, port) : udp_send(is->udp, p);
	inet_apply_opts(is);
	pbuf_free(p);
	net_poll();                     /* loopback delivery */
	if (e != ERR_OK)
		return e == ERR_RTE ? -ENETUNREACH : inet_errno(e);
	return (int64_t)len;
}

int64_t inet_dgram_recvmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	if ((flags & MSG_OOB) && !is->udp)
		return -EOPNOTSUPP;     /* raw and ping sockets; UDP's recvmsg ignores the flag */
	if (flags & MSG_ERRQUEUE)
		return inet_errq_recv(is, m);
	int64_t deadline = socket_deadline(s->rcvtimeo);
	for (;;) {
		int err = inet_take_err(is);    /* before queued data, as Linux's __skb_recv_udp */
		if (err)
			return -err;
		if (is->dq_head)
			break;
		if (is->shut_rd)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if ((err = socket_wait(deadline, "a datagram to receive")))
			return err;
	}
	struct inet_dgram *d = is->dq_head;
	uint32_t full = d->p->tot_len, n = (uint32_t)MIN((uint64_t)full, m->it.left);
	if (inet_copy_out(&m->it, d->p, 0, n))
		return -EFAULT;
	if (n < full)
		m->flags_out |= MSG_TRUNC;
	m->addrlen = inet_addr_out(is, &d->addr, d->port, m->addr);
	inet_cmsg_recv(is, d, m);
	if (!(flags & MSG_PEEK))
		inet_dgram_pop(is);
	return (flags & MSG_TRUNC) ? full : n;
}

/* Linux's lookup of the socket a quoted datagram came from: a connected one with that exact
   pair of ends first, else one bound to the source port (and address, unless the wildcard). */
void inet_udp_icmp_error(const struct inet_icmp_err *e, bool lite)
{
	struct inet_sock *bound = NULL;
	for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next) {
		struct inet_sock *is = pcb->recv == udp_recv_cb ? pcb->recv_arg : NULL;
		if (!is || pcb->local_port != e->lport || udp_lite(pcb) != lite ||
		    (!ip_addr_isany(&pcb->local_ip) && !ip_addr_cmp(&pcb->local_ip, &e->local)))
			continue;
		if (!is->udp_connected) {
			bound = bound ? bound : is;
			continue;
		}
		if (pcb->remote_port == e->rport && ip_addr_cmp(&pcb->remote_ip, &e->remote)) {
			inet_icmp_deliver(is, e, true);
			return;
		}
	}
	if (bound)
		inet_icmp_deliver(bound, e, false);
}

int inet_udp_setsockopt(struct inet_sock *is, int name, const void *val, uint32_t len)
{
	int v;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if ((name != UDPLITE_SEND_CSCOV && name != UDPLITE_RECV_CSCOV) || !udp_lite(is->udp))
		return -ENOPROTOOPT;
	/* Linux: a coverage that leaves out the header is the header's 8 bytes */
	u16_t cov = v != 0 && v < UDP_HLEN ? UDP_HLEN : v > 0xffff ? 0xffff : (u16_t)v;
	if (name == UDPLITE_SEND_CSCOV) {
		is->cscov_tx = cov;
		is->cscov_tx_set = true;
	} else {
		is->cscov_rx = cov;
		is->cscov_rx_set = true;
	}
	return 0;
}

int inet_udp_getsockopt(struct inet_sock *is, int name, int *v)
{
	if (name != UDPLITE_SEND_CSCOV && name != UDPLITE_RECV_CSCOV)
		return -ENOPROTOOPT;
	*v = name == UDPLITE_SEND_CSCOV ? is->cscov_tx : is->cscov_rx;
	return 0;
}

int inet_dgram_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = inet_sk(s);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	int mode = how + 1;
	is->shut_rd |= (mode & RCV_SHUTDOWN) != 0;
	is->shut_wr |= (mode & SEND_SHUTDOWN) != 0;
	inet_event(is);
	return is->udp_connected ? 0 : -ENOTCONN;
}

/* Linux's datagram_poll. */
uint32_t inet_dgram_poll(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	uint32_t mask = POLLOUT | POLLWRNORM | POLLWRBAND;
	if (s->err || is->errq)
		mask |= POLLERR;
	if (is->shut_rd)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (is->shut_rd && is->shut_wr)
		mask |= POLLHUP;
	if (is->dq_head)
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

int64_t inet_dgram_ioctl(struct socket *s, unsigned long req, uint64_t arg)
{
	struct inet_sock *is = inet_sk(s);
	int v;
	if (req == SIOCINQ)
		v = is->dq_head ? is->dq_head->p->tot_len : 0;   /* the next datagram, as Linux */
	else if (req == SIOCOUTQ)
		v = 0;
	else
		return -ENOIOCTLCMD;
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

const struct sock_ops inet_udp_ops = {
	.bind = udp_bind_op,
	.connect = udp_connect_op,
	.sendmsg = udp_sendmsg_op,
	.recvmsg = inet_dgram_recvmsg,
	.shutdown = inet_dgram_shutdown,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.poll = inet_dgram_poll,
	.event_seq = inet_event_seq,
	.ioctl = inet_dgram_ioctl,
	.release = udp_release,
};
