/* TCP sockets (AF_INET, AF_INET6 SOCK_STREAM) on lwIP's raw API: lwIP's callbacks queue received
   pbufs, established connections and errors and wake waiters (file_changed); the socket calls
   copy program data straight into tcp_write and read the queued pbufs, acknowledging at once what
   the program consumed so small request/response exchanges never wait for the delayed-ACK timer. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/time.h"
#include "k/uaccess.h"
#include "vfs/file.h"
#include "net/inet.h"
#include "net/net.h"
#include "lwip/priv/tcp_priv.h"

#define SIOCINQ 0x541b
#define SIOCOUTQ 0x5411
#define SIOCATMARK 0x8905
#define SOMAXCONN 4096
#define TCP_BOUNCE 16384
#define TCP_QUEUE_ROOM 8        /* segments kept free in lwIP's send queue */

/* Linux's TCP states as TCP_INFO reports them */
enum { LTCP_ESTABLISHED = 1, LTCP_SYN_SENT, LTCP_SYN_RECV, LTCP_FIN_WAIT1, LTCP_FIN_WAIT2,
       LTCP_TIME_WAIT, LTCP_CLOSE, LTCP_CLOSE_WAIT, LTCP_LAST_ACK, LTCP_LISTEN, LTCP_CLOSING };

static uint8_t tcp_bounce[TCP_BOUNCE];  /* program bytes on their way into tcp_write */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);
static void tcp_urg_cb(void *arg, struct tcp_pcb *pcb, u32_t seqno, u16_t urgp);

static void tcp_hook(struct inet_sock *is, struct tcp_pcb *p)
{
	tcp_arg(p, is);
	tcp_recv(p, tcp_recv_cb);
	tcp_sent(p, tcp_sent_cb);
	tcp_err(p, tcp_err_cb);
	p->urg = tcp_urg_cb;    /* no setter: net/lwip/patches/0003-tcp-urgent-data.patch */
}

static void tcp_unhook(struct tcp_pcb *p)
{
	tcp_arg(p, NULL);
	tcp_recv(p, NULL);
	tcp_sent(p, NULL);
	tcp_err(p, NULL);
	p->urg = NULL;
}

int inet_tcp_init(struct inet_sock *is)
{
	struct tcp_pcb *p = tcp_new_ip_type(inet_ip_type(is));
	if (!p)
		return -ENOMEM;
	is->tcp = p;
	tcp_hook(is, p);
	return 0;
}

static struct inet_rx_stamp *tcp_rx_stamp_at(struct inet_sock *is, unsigned i)
{
	return &is->rx_stamp[(is->rx_stamp0 + i) % INET_RX_STAMPS];
}

/* Notes that len more bytes were queued now. */
static void tcp_rx_stamp_add(struct inet_sock *is, uint32_t len)
{
	is->rx_in += len;
	unsigned i = is->rx_nstamp < INET_RX_STAMPS ? is->rx_nstamp++ : INET_RX_STAMPS - 1u;
	struct inet_rx_stamp *e = tcp_rx_stamp_at(is, i);
	e->end = is->rx_in;
	e->ns = time_realtime_ns();
}

/* When the queued byte off bytes past the first unread one arrived (off < rx_len). */
static int64_t tcp_rx_stamp_of(struct inet_sock *is, uint32_t off)
{
	uint64_t pos = is->rx_in - is->rx_len + off;
	unsigned i = 0;
	while (i + 1 < is->rx_nstamp && tcp_rx_stamp_at(is, i)->end <= pos)
		i++;
	return tcp_rx_stamp_at(is, i)->ns;
}

/* Forgets the times of bytes no longer queued. */
static void tcp_rx_stamp_drop(struct inet_sock *is)
{
	uint64_t done = is->rx_in - is->rx_len;
	while (is->rx_nstamp && tcp_rx_stamp_at(is, 0)->end <= done) {
		is->rx_stamp0 = (uint8_t)((is->rx_stamp0 + 1) % INET_RX_STAMPS);
		is->rx_nstamp--;
	}
}

static void tcp_rx_purge(struct inet_sock *is)
{
	struct pbuf *p = is->rx_head;
	while (p) {
		struct pbuf *q = p->next;
		p->next = NULL;
		pbuf_free(p);
		p = q;
	}
	is->rx_head = is->rx_tail = NULL;
	is->rx_off = is->rx_len = 0;
	is->urg_state = INET_URG_NONE;
	tcp_rx_stamp_drop(is);
}

/* Drops n read bytes from the front of the receive queue and opens the window by as much. */
static void tcp_rx_consume(struct inet_sock *is, uint32_t n)
{
	is->rx_len -= n;
	tcp_rx_stamp_drop(is);
	inet_urg_consumed(is);
	uint32_t left = n;
	while (is->rx_head) {
		struct pbuf *p = is->rx_head;
		uint32_t c = MIN(left, (uint32_t)p->len - is->rx_off);
		is->rx_off += c;
		left -= c;
		if (is->rx_off < p->len)
			break;
		is->rx_head = p->next;
		if (!is->rx_head)
			is->rx_tail = NULL;
		p->next = NULL;
		pbuf_free(p);
		is->rx_off = 0;
	}
	while (is->tcp && n) {
		u16_t c = (u16_t)MIN(n, 0xffffu);
		tcp_recved(is->tcp, c);
		n -= c;
	}
}

/* After the program consumed data: acknowledge now rather than at the delayed-ACK timer. */
static void tcp_rx_ack(struct inet_sock *is)
{
	if (is->tcp && (is->tcp->flags & TF_ACK_DELAY))
		tcp_ack_now(is->tcp);
	if (is->tcp)
		tcp_output(is->tcp);
	net_poll();
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *is = arg;
	if (!p) {
		is->rx_fin = true;
		inet_event(is);
		return ERR_OK;
	}
	/* A segment shorter than the MSS is acknowledged at once (tcp_input sends it when the
	   callback returns): its sender may be holding its next small write back until then
	   (Nagle), and lwIP's delayed ACK would wait for its 250 ms timer. Linux's quick-ACK
	   mode has the same effect. Full segments keep the ACK-every-other rule. */
	if (p->tot_len < pcb->mss)
		tcp_ack_now(pcb);
	if (is->rx_tail)
		is->rx_tail->next = p;
	else
		is->rx_head = p;
	is->rx_len += p->tot_len;
	tcp_rx_stamp_add(is, p->tot_len);
	while (p->next)
		p = p->next;
	is->rx_tail = p;
	inet_urg_queued(is);
	inet_event(is);
	return ERR_OK;
}

/* SO_OOBINLINE of the socket, or of the listener a queued connection will inherit it from. */
static bool tcp_oobinline(const struct inet_sock *is)
{
	if (is->sock)
		return is->sock->oobinline;
	return is->listener && is->listener->sock && is->listener->sock->oobinline;
}

/* An urgent pointer, before the segment's data is queued. */
static void tcp_urg_cb(void *arg, struct tcp_pcb *pcb, u32_t seqno, u16_t urgp)
{
	struct inet_sock *is = arg;
	if (is && inet_urg_announce(is, tcp_oobinline(is), seqno, urgp))
		tcp_rx_consume(is, 1);  /* the old out-of-band byte, at the read position */
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	inet_event(arg);        /* room to write */
	return ERR_OK;
}

/* lwIP freed the PCB: a reset, an abort after retransmissions or keepalives ran out. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;
	if (!is)
		return;
	int e = 0;
	if (is->state == IS_CONNECTING)
		e = is->icmp_err ? is->icmp_err : err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	else if (err == ERR_RST)
		e = is->rx_fin ? EPIPE : ECONNRESET;   /* as Linux's tcp_reset in CLOSE_WAIT */
	else if (err == ERR_ABRT)
		e = is->icmp_err ? is->icmp_err : ETIMEDOUT;   /* a soft error says why */
	is->tcp = NULL;
	is->state = IS_CLOSED;
	is->shut_rd = is->shut_wr = true;
	if (e)
		inet_set_err(is, e);
	inet_event(is);
}

void inet_tcp_icmp_error(const struct inet_icmp_err *e, u32_t seq)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		struct inet_sock *is = pcb->callback_arg;
		if (!is || pcb->local_port != e->lport || pcb->remote_port != e->rport ||
		    !ip_addr_cmp(&pcb->remote_ip, &e->remote) ||
		    (!ip_addr_isany(&pcb->local_ip) && !ip_addr_cmp(&pcb->local_ip, &e->local)))
			continue;
		/* Linux's check: the quoted sequence number is one sent and not yet acknowledged
		   (else the error is forged or stale). */
		if (!TCP_SEQ_BETWEEN(seq, pcb->lastack, pcb->snd_nxt))
			return;
		is->icmp_err = e->err;
		/* With IP_RECVERR the error is queued and reported at once (Linux's tcp_v4_err);
		   without it, only SYN_SENT's end reports it. */
		if (is->rxopt & (e->v6 ? INET_RX_RECVERR6 : INET_RX_RECVERR))
			inet_icmp_deliver(is, e, true);
		if (pcb->state == SYN_SENT)
			tcp_abandon(pcb, 0);    /* as Linux's tcp_done: no reset sent */
		return;
	}
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;
	if (is && is->state == IS_CONNECTING) {
		is->state = IS_CONNECTED;
		is->rx_seq0 = pcb->rcv_nxt - (uint32_t)is->rx_in;
	}
	inet_event(is);
	return ERR_OK;
}

/* The member of l's SO_REUSEPORT group whose turn it is to take a connection (l itself when
   it has no group). */
static struct inet_sock *tcp_reuseport_deal(struct inet_sock *l)
{
	struct inet_sock *t = l->rp_turn ? l->rp_turn : l;
	l->rp_turn = t == l ? l->rp_next : t->rp_next;
	return t;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *np, err_t err)
{
	struct inet_sock *l = arg;
	if (err != ERR_OK || !np || !l)
		return ERR_VAL;
	l = tcp_reuseport_deal(l);
	struct inet_sock *n = kmalloc(sizeof(*n));
	if (!n)
		return ERR_MEM;         /* lwIP aborts the connection */
	n->family = l->family;
	n->type = SOCK_STREAM;
	n->state = IS_CONNECTED;
	n->tcp = np;
	n->rx_seq0 = np->rcv_nxt;
	n->listener = l;
	n->v6only = l->v6only;
	n->nodelay = l->nodelay;
	n->cork = l->cork;
	n->tos = l->tos;
	n->ttl = l->ttl;
	n->tclass = l->tclass;
	n->hops = l->hops;
	n->keepidle = l->keepidle;
	n->keepintvl = l->keepintvl;
	n->keepcnt = l->keepcnt;
	if (n->nodelay && !n->cork)
		tcp_nagle_disable(np);
	tcp_hook(n, np);
	/* It counts against the listener's backlog until accept takes it, as Linux's accept
	   queue: once backlog + 1 wait, lwIP drops new SYNs (no reset; the client retries). */
	tcp_backlog_delayed(np);
	if (l->acceptq_tail)
		l->acceptq_tail->next_conn = n;
	else
		l->acceptq = n;
	l->acceptq_tail = n;
	l->nacceptq++;
	inet_event(l);
	return ERR_OK;
}

/* What the other listeners on port serve on the NIC (--publish-listening). */
static uint8_t tcp_publish_others(const struct inet_sock *is, u16_t port)
{
	uint8_t f = 0;
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
		if (l->local_port == port && l->accept == tcp_accept_cb && l->callback_arg &&
		    l->callback_arg != is)
			f |= ((const struct inet_sock *)l->callback_arg)->pub_families;
	return f;
}

/* Lets go of the socket's PCB: a listener closes; a connection ends with an orderly close (FIN)
   unless rst, unread data or a failing close ask for a reset, as Linux. */
/* A listener leaves its SO_REUSEPORT group. A member simply goes (its bound PCB is closed as
   any); a lead hands lwIP's listening PCB (and what it publishes) to its first member, which
   leads the rest. Returns true when the PCB went to an heir. */
static bool tcp_reuseport_leave(struct inet_sock *is)
{
	struct inet_sock *lead = is->rp_lead;
	if (lead) {
		for (struct inet_sock **m = &lead->rp_next; *m; m = &(*m)->rp_next)
			if (*m == is) {
				*m = is->rp_next;
				break;
			}
		if (lead->rp_turn == is)
			lead->rp_turn = is->rp_next;
		is->rp_lead = is->rp_next = NULL;
		return false;
	}
	struct inet_sock *heir = is->rp_next;
	if (!heir)
		return false;
	if (heir->tcp)
		tcp_close(heir->tcp);   /* its bound PCB: the listening one replaces it */
	heir->tcp = is->tcp;
	tcp_arg(heir->tcp, heir);
	heir->rp_lead = heir->rp_turn = NULL;
	heir->rp_uid = is->rp_uid;
	for (struct inet_sock *m = heir->rp_next; m; m = m->rp_next)
		m->rp_lead = heir;
	heir->pub_families = is->pub_families;
	heir->pub_port = is->pub_port;
	is->pub_families = 0;
	is->rp_next = is->rp_turn = NULL;
	is->tcp = NULL;
	return true;
}

static void tcp_pcb_drop(struct inet_sock *is, bool rst)
{
	if (is->state == IS_LISTEN && tcp_reuseport_leave(is)) {
		tcp_rx_purge(is);
		return;
	}
	struct tcp_pcb *p = is->tcp;
	if (p && is->state == IS_LISTEN) {
		if (is->pub_families)
			inet_publish_set(is, false, 0, tcp_publish_others(is, is->pub_port));
		tcp_arg(p, NULL);
		tcp_accept(p, NULL);
		tcp_close(p);
	} else if (p) {
		tcp_unhook(p);
		if (rst || is->rx_len || tcp_close(p) != ERR_OK)
			tcp_abort(p);
	}
	is->tcp = NULL;
	tcp_rx_purge(is);
}

/* Frees an inet_sock and its PCB (rst: SO_LINGER 0 or a dropped queued connection). */
static void tcp_sock_free(struct inet_sock *is, bool rst)
{
	tcp_pcb_drop(is, rst);
	inet_errq_purge(is);
	kfree(is, sizeof(*is));
}

/* A listener's queued connections, reset. */
static void tcp_drop_queue(struct inet_sock *l)
{
	while (l->acceptq) {
		struct inet_sock *n = l->acceptq;
		l->acceptq = n->next_conn;
		tcp_sock_free(n, true);
	}
	l->acceptq_tail = NULL;
	l->nacceptq = 0;
}

static void tcp_release(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	if (is->state == IS_LISTEN)
		tcp_drop_queue(is);
	is->sock = NULL;
	tcp_sock_free(is, s->linger_on && s->linger_sec == 0);
	net_poll();
	file_changed();
}

static const ip_addr_t *tcp_any(const struct inet_sock *is)
{
	if (is->family == AF_INET)
		return IP4_ADDR_ANY;
	return is->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
}

/* The lead of the SO_REUSEPORT group listening on exactly ip:port that the caller may join
   (the same user), or NULL. */
static struct inet_sock *tcp_reuseport_lead(u16_t port, const ip_addr_t *ip)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		struct inet_sock *lead = l->accept == tcp_accept_cb ? l->callback_arg : NULL;
		if (l->local_port == port && lead && lead->sock && lead->sock->reuseport &&
		    lead->rp_uid == current->euid && ip_addr_cmp(&l->local_ip, ip))
			return lead;
	}
	return NULL;
}

/* Linux refuses a second listener on a port even with SO_REUSEADDR (lwIP would allow it), unless
   both sockets asked for SO_REUSEPORT (as the same user, on the same address). */
static bool tcp_port_listened(u16_t port, const ip_addr_t *ip, bool reuseport)
{
	struct inet_sock *join = reuseport ? tcp_reuseport_lead(port, ip) : NULL;
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
		if (l->local_port == port && inet_bind_overlap(&l->local_ip, ip) &&
		    (!join || l->callback_arg != join))
			return true;
	return false;
}

/* Without SO_REUSEADDR any socket on the port whose address overlaps is a conflict, as Linux's
   inet_csk_bind_conflict (lwIP's own test misses a dual-stack wildcard beside an IPv6-only one). */
static bool tcp_port_bound(u16_t port, const ip_addr_t *ip)
{
	for (int i = 0; i < NUM_TCP_PCB_LISTS; i++)
		for (struct tcp_pcb *p = *tcp_pcb_lists[i]; p; p = p->next)
			if (p->local_port == port && inet_bind_overlap(&p->local_ip, ip))
				return true;
	return false;
}

static int tcp_bind_op(struct socket *s, const void *addr, uint32_t len)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	u16_t port;
	int err = inet_bind_addr(is, addr, len, &ip, &port);
	if (err)
		return err;
	if (port && port < 1024 && !capable(CAP_NET_BIND_SERVICE))
		return -EACCES;
	if (!is->tcp || is->state != IS_CLOSED || is->tcp->local_port)
		return -EINVAL;
	if (s->reuseaddr || s->reuseport) {
		if (port && tcp_port_listened(port, &ip, s->reuseport))
			return -EADDRINUSE;
		ip_set_option(is->tcp, SOF_REUSEADDR);
	} else if (port && tcp_port_bound(port, &ip)) {
		return -EADDRINUSE;
	}
	if ((err = inet_errno(tcp_bind(is->tcp, &ip, port))))
		return err;
	inet_bound(is, &ip);
	return 0;
}

static int tcp_listen_op(struct socket *s, int backlog)
{
	struct inet_sock *is = inet_sk(s);
	if (backlog < 0 || backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	u8_t lb = (u8_t)MIN(backlog + 1, 255);
	if (is->state == IS_LISTEN) {
		if (!is->rp_lead)       /* a member's backlog is its lead's */
			tcp_backlog_set(is->tcp, lb);
		return 0;
	}
	if (!is->tcp || is->state != IS_CLOSED)
		return -EINVAL;
	if (s->reuseaddr || s->reuseport)
		ip_set_option(is->tcp, SOF_REUSEADDR);
	struct inet_sock *lead = s->reuseport && is->tcp->local_port ?
				 tcp_reuseport_lead(is->tcp->local_port, &is->tcp->local_ip) : NULL;
	if (lead) {
		/* Another listener of the group: connections are dealt to it in turn. */
		is->state = IS_LISTEN;
		is->rp_lead = lead;
		is->rp_next = lead->rp_next;
		lead->rp_next = is;
		file_changed();
		return 0;
	}
	if (!is->tcp->local_port) {
		int err = inet_errno(tcp_bind(is->tcp, tcp_any(is), 0));
		if (err)
			return err;
	}
	err_t e = ERR_OK;
	struct tcp_pcb *lp = tcp_listen_with_backlog_and_err(is->tcp, lb, &e);
	if (!lp)
		return e == ERR_USE ? -EADDRINUSE : inet_errno(e);
	is->tcp = lp;
	is->state = IS_LISTEN;
	is->rp_uid = current->euid;
	tcp_arg(lp, is);
	tcp_accept(lp, tcp_accept_cb);
	inet_apply_opts(is);
	uint8_t pub = inet_publish_families(&lp->local_ip);
	if (pub) {
		is->pub_port = lp->local_port;
		inet_publish_set(is, false, pub, tcp_publish_others(is, lp->local_port));
	}
	file_changed();
	return 0;
}

static int tcp_accept_op(struct socket *s, struct socket *ns, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	if (is->state != IS_LISTEN)
		return -EINVAL;
	int64_t deadline = socket_deadline(s->rcvtimeo);
	while (!is->acceptq) {
		if (nonblock)
			return -EAGAIN;
		int err = socket_wait(deadline, "an accept with no connection queued");
		if (err)
			return err;
		if (is->state != IS_LISTEN)
			return -EINVAL;
	}
	struct inet_sock *n = is->acceptq;
	is->acceptq = n->next_conn;
	if (!is->acceptq)
		is->acceptq_tail = NULL;
	is->nacceptq--;
	n->next_conn = n->listener = NULL;
	tcp_sock_free(inet_sk(ns), false);   /* the fresh PCB ns came with */
	n->sock = ns;
	ns->priv = n;
	ns->err = n->err;
	n->err = 0;
	/* the accepted socket inherits the listener's socket options, as Linux clones them */
	ns->sndbuf = s->sndbuf;
	ns->rcvbuf = s->rcvbuf;
	ns->sndbuf_lock = s->sndbuf_lock;
	ns->rcvbuf_lock = s->rcvbuf_lock;
	ns->rcvtimeo = s->rcvtimeo;
	ns->sndtimeo = s->sndtimeo;
	ns->rcvlowat = s->rcvlowat;
	ns->priority = s->priority;
	ns->linger_on = s->linger_on;
	ns->linger_sec = s->linger_sec;
	ns->keepalive = s->keepalive;
	ns->reuseaddr = s->reuseaddr;
	ns->oobinline = s->oobinline;
	ns->tstamp = s->tstamp;
	ns->tstamp_ns = s->tstamp_ns;
	ns->tstamp_new = s->tstamp_new;
	if (n->tcp) {
		tcp_backlog_accepted(n->tcp);
		inet_apply_opts(n);
	}
	file_changed();
	return 0;
}

/* connect(AF_UNSPEC): drop the connection (a reset) and start over unconnected. */
static int tcp_disconnect(struct inet_sock *is)
{
	if (is->state == IS_LISTEN)
		tcp_drop_queue(is);
	tcp_pcb_drop(is, true);
	is->state = IS_CLOSED;
	is->rx_fin = is->shut_rd = is->shut_wr = is->connect_async = false;
	net_poll();
	file_changed();
	return inet_tcp_init(is);
}

static int tcp_connect_wait(struct inet_sock *is, int64_t deadline)
{
	while (is->state == IS_CONNECTING) {
		int err = socket_wait(deadline, "a TCP connect");
		if (err)
			return err == -EAGAIN ? -EINPROGRESS : err;
	}
	if (is->state == IS_CONNECTED)
		return 0;
	is->shut_rd = is->shut_wr = is->rx_fin = false;  /* Linux disconnects: usable again */
	int err = inet_take_err(is);
	return err ? -err : -ECONNABORTED;
}

static int tcp_connect_op(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	uint16_t family = AF_INET;
	if (len >= 2)
		memcpy(&family, addr, 2);
	if (len >= 2 && family == AF_UNSPEC)
		return tcp_disconnect(is);
	ip_addr_t ip;
	u16_t port;
	int err = inet_addr_in(is, addr, len, false, &ip, &port);
	if (err)
		return err;
	switch (is->state) {
	case IS_LISTEN:
		return -EISCONN;
	case IS_CONNECTED:
		if (is->connect_async) {
			is->connect_async = false;      /* the first look after EINPROGRESS: done */
			return 0;
		}
		return -EISCONN;
	case IS_CONNECTING:
		if (nonblock)
			return -EALREADY;
		err = tcp_connect_wait(is, socket_deadline(is->sock->sndtimeo));
		if (err != -EINPROGRESS && err != -ERESTARTSYS && err != -EINTR)
			is->connect_async = false;
		return err;
	case IS_CLOSED:
		if (is->connect_async) {
			is->connect_async = false;
			is->shut_rd = is->shut_wr = is->rx_fin = false;
			err = inet_take_err(is);
			return err ? -err : -ECONNABORTED;
		}
		break;
	}
	if (!is->tcp) {
		if (is->shut_wr || is->rx_fin)
			return -EISCONN;        /* a connection that ended stays used, as Linux */
		if ((err = inet_tcp_init(is)))
			return err;
	}
	if (port == 0)
		return -ECONNREFUSED;
	inet_apply_opts(is);
	err_t e = tcp_connect(is->tcp, &ip, port, tcp_connected_cb);
	if (e != ERR_OK)
		return e == ERR_RTE ? -ENETUNREACH : inet_errno(e);
	is->state = IS_CONNECTING;
	net_poll();                     /* over loopback the handshake completes here */
	if (nonblock) {
		is->connect_async = true;
		return -EINPROGRESS;
	}
	err = tcp_connect_wait(is, socket_deadline(s->sndtimeo));
	if (err == -EINPROGRESS || err == -ERESTARTSYS || err == -EINTR)
		is->connect_async = true;
	return err;
}

/* The most bytes queued for sending (sent and not acknowledged, or not sent yet): SO_SNDBUF
   once the program set it, as Linux's sk_stream_memory_free holds sk_wmem_queued below
   sk_sndbuf (Linux counts its buffers' overhead too, and lets the last buffer it fills pass
   the limit); at most lwIP's whole send buffer, which is the limit otherwise, where Linux
   grows the buffer as the connection needs. */
static uint32_t tcp_snd_limit(const struct socket *s)
{
	return s->sndbuf_lock ? MIN(s->sndbuf, (uint32_t)TCP_SND_BUF) : TCP_SND_BUF;
}

uint32_t inet_tcp_rcv_wnd(const struct socket *s)
{
	return s->rcvbuf_lock ? MIN(s->rcvbuf / 2, (uint32_t)TCP_WND) : TCP_WND;
}

/* Room for more bytes in lwIP's send buffer and queue within the socket's limit (0: full). */
static uint32_t tcp_room(struct tcp_pcb *p, const struct socket *s)
{
	if (tcp_sndqueuelen(p) + TCP_QUEUE_ROOM >= TCP_SND_QUEUELEN)
		return 0;
	/* p->snd_buf, not tcp_sndbuf(): that clamps to 16 bits with window scaling */
	uint32_t queued = TCP_SND_BUF - p->snd_buf, limit = tcp_snd_limit(s);
	return queued >= limit ? 0 : MIN(p->snd_buf, limit - queued);
}

/* Queues the program's bytes in lwIP, pushing them out as the queue fills; the caller sends the
   rest. Bytes queued, or -errno. */
static int64_t tcp_send_queue(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	int64_t deadline = socket_deadline(s->sndtimeo);
	uint64_t sent = 0, unpushed = 0;
	uint32_t pending = 0;           /* bytes in tcp_bounce lwIP has not taken yet */
	for (;;) {
		int err;
		if (is->state == IS_CONNECTING) {
			if (nonblock)
				return -EAGAIN;
			if ((err = tcp_connect_wait(is, deadline)))
				return err == -EINPROGRESS ? -EAGAIN : err;
		}
		if ((err = inet_take_err(is)))
			return sent ? (int64_t)sent : err == EPIPE ? socket_epipe(flags) : -err;
		if (is->shut_wr || (!is->tcp && is->state == IS_CLOSED && (is->rx_fin || is->shut_rd)))
			return sent ? (int64_t)sent : socket_epipe(flags);
		if (is->state != IS_CONNECTED || !is->tcp)     /* Linux's sk_stream_wait_connect */
			return sent ? (int64_t)sent : socket_epipe(flags);
		if (!m->it.left && !pending)
			break;
		uint32_t room = tcp_room(is->tcp, s);
		if (room && !pending) {
			pending = (uint32_t)MIN(MIN(m->it.left, (uint64_t)room), sizeof(tcp_bounce));
			if (iter_copy_from(&m->it, tcp_bounce, pending))
				return sent ? (int64_t)sent : -EFAULT;
		}
		if (room && pending <= room) {
			u8_t fl = TCP_WRITE_FLAG_COPY | (m->it.left ? TCP_WRITE_FLAG_MORE : 0);
			err_t e = tcp_write(is->tcp, tcp_bounce, (u16_t)pending, fl);
			if (e == ERR_OK) {
				sent += pending;
				unpushed += pending;
				pending = 0;
				if (unpushed >= 65536) {
					tcp_output(is->tcp);
					net_poll();
					unpushed = 0;
				}
				continue;
			}
			if (e != ERR_MEM)
				return sent ? (int64_t)sent : inet_errno(e);
		}
		/* full: push what is queued, let loopback peers take it, then wait for room */
		tcp_output(is->tcp);
		net_poll();
		unpushed = 0;
		if (is->tcp && tcp_room(is->tcp, s) >= MAX(pending, 1u))
			continue;
		if (nonblock)
			return sent ? (int64_t)sent : -EAGAIN;
		if ((err = socket_wait(deadline, "a send to a full TCP socket")))
			return sent ? (int64_t)sent : err;
	}
	return (int64_t)sent;
}

/* MSG_OOB makes the last byte sent urgent (Linux's tcp_mark_urg): lwIP's segments up to it
   carry URG and point past it until it is acknowledged. */
static int64_t tcp_sendmsg_op(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	int64_t r = tcp_send_queue(s, m, flags, nonblock);
	if (r > 0 && (flags & MSG_OOB) && is->tcp) {
		is->tcp->snd_up = is->tcp->snd_lbb;
		tcp_set_flags(is->tcp, TF_URG_MODE);
	}
	if (is->tcp)
		tcp_output(is->tcp);
	net_poll();
	return r;
}

/* Nothing (more) to read: 0 to wait, 1 for end of file, or -errno; Linux's order. */
static int tcp_recv_state(struct inet_sock *is, uint64_t got)
{
	if (got) {
		bool pending = is->sock && is->sock->err;
		return pending || is->state == IS_CLOSED || is->rx_fin || is->shut_rd ? 1 : 0;
	}
	if (is->rx_fin)
		return 1;
	int err = inet_take_err(is);
	if (err)
		return -err;
	if (is->shut_rd)
		return 1;
	if (is->state == IS_CLOSED || is->state == IS_LISTEN)
		return -ENOTCONN;
	return 0;
}

static int64_t tcp_recvmsg_op(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	if (flags & MSG_ERRQUEUE)
		return inet_errq_recv(is, m);   /* ICMP errors kept by IP_RECVERR */
	if (is->state == IS_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return inet_urg_recv(is, m, flags);
	bool peek = flags & MSG_PEEK;
	uint64_t want = m->it.left, got = 0, consumed = 0;
	uint64_t target = (flags & MSG_WAITALL) && !peek ? want : MIN(want, (uint64_t)s->rcvlowat);
	int64_t deadline = socket_deadline(s->rcvtimeo);
	int64_t r = 0;
	/* SO_TIMESTAMP: the arrival of the last byte read (Linux's tcp_recv_timestamp: of the
	   last segment); a read of no bytes gets the next byte's */
	bool stamped = !want && is->rx_len;
	int64_t stamp = stamped ? tcp_rx_stamp_of(is, 0) : 0;
	uint32_t at = 0;        /* MSG_PEEK: the queue offset looked at next */
	for (;;) {
		if (inet_urg_at_mark(is, at)) {
			if (got)
				break;  /* a read does not cross the urgent mark */
			if (!s->oobinline && is->rx_len > at) {
				/* the urgent byte is out of band, not in the stream */
				if (peek) {
					at++;
				} else {
					tcp_rx_consume(is, 1);
					consumed++;
				}
				continue;
			}
		}
		if (is->rx_len > at && m->it.left) {
			uint32_t n = (uint32_t)MIN((uint64_t)(is->rx_len - at), m->it.left);
			n = inet_urg_clip(is, at, n);
			if (flags & MSG_TRUNC) {
				m->it.left -= n;        /* Linux discards the bytes */
			} else if (inet_copy_out(&m->it, is->rx_head, is->rx_off + at, n)) {
				r = got ? 0 : -EFAULT;
				break;
			}
			stamp = tcp_rx_stamp_of(is, at + n - 1);
			stamped = true;
			if (!peek) {
				tcp_rx_consume(is, n);
				consumed += n;
			} else {
				at += n;
			}
			got += n;
			if (got >= target || !m->it.left)
				break;
			continue;
		}
		if (got >= target && !(got == 0 && want))
			break;
		int st = tcp_recv_state(is, got);
		if (st) {
			r = st < 0 ? st : 0;
			break;
		}
		if (nonblock) {
			r = got ? 0 : -EAGAIN;
			break;
		}
		if (consumed) {
			tcp_rx_ack(is);
			consumed = 0;
			continue;       /* the ACK may have brought more */
		}
		int err = socket_wait(deadline, "a receive from a TCP socket");
		if (err) {
			r = got ? 0 : err;
			break;
		}
	}
	if (consumed)
		tcp_rx_ack(is);
	if (r < 0)
		return r;
	if (stamped)
		sock_cmsg_timestamp(s, stamp, m);
	return (int64_t)got;
}

static int tcp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = inet_sk(s);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	int mode = how + 1;
	switch (is->state) {
	case IS_CLOSED:
		is->shut_rd |= (mode & RCV_SHUTDOWN) != 0;
		is->shut_wr |= (mode & SEND_SHUTDOWN) != 0;
		inet_event(is);
		return -ENOTCONN;
	case IS_LISTEN:
		if (!(mode & RCV_SHUTDOWN))
			return 0;
		/* Linux disconnects a listener (its accepts get EINVAL) */
		__attribute__((fallthrough));
	case IS_CONNECTING:
		return tcp_disconnect(is);
	case IS_CONNECTED:
		break;
	}
	if ((mode & SEND_SHUTDOWN) && !is->shut_wr && is->tcp) {
		is->shut_wr = true;
		err_t e = tcp_shutdown(is->tcp, 0, 1);
		if (e == ERR_OK && is->tcp)
			tcp_output(is->tcp);
		net_poll();
	}
	is->shut_wr |= (mode & SEND_SHUTDOWN) != 0;
	is->shut_rd |= (mode & RCV_SHUTDOWN) != 0;
	inet_event(is);
	return 0;
}

static bool tcp_writable(struct inet_sock *is)
{
	if (is->state != IS_CONNECTED || !is->tcp)
		return true;
	uint32_t room = tcp_room(is->tcp, is->sock), queued = TCP_SND_BUF - is->tcp->snd_buf;
	return room && room * 2 >= queued;       /* Linux's sk_stream_is_writeable */
}

/* Linux's tcp_poll. */
static uint32_t tcp_poll_op(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	if (is->state == IS_LISTEN)
		return is->acceptq ? POLLIN | POLLRDNORM : 0;
	uint32_t mask = 0;
	bool rcv_shut = is->rx_fin || is->shut_rd;
	if ((rcv_shut && is->shut_wr) || is->state == IS_CLOSED)
		mask |= POLLHUP;
	if (rcv_shut)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (is->state != IS_CONNECTING) {
		/* an out-of-band byte at the read position is not there to read */
		uint32_t avail = is->rx_len;
		if (avail && !s->oobinline && inet_urg_at_mark(is, 0))
			avail--;
		if (avail >= (uint32_t)MAX(s->rcvlowat, 1))
			mask |= POLLIN | POLLRDNORM;
		if (is->shut_wr || tcp_writable(is))
			mask |= POLLOUT | POLLWRNORM;
		if (is->urg_state == INET_URG_VALID)
			mask |= POLLPRI;
	}
	if (s->err)
		mask |= POLLERR;
	return mask;
}

/* SO_SNDBUF/SO_RCVBUF: the receive window takes the new size (a larger one is announced at
   once, a smaller one never takes back what was offered: lwIP patch 0004); a writer may have
   room now, or none. */
static void tcp_bufs_changed(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	inet_apply_opts(is);
	net_poll();
	inet_event(is);
}

static int64_t tcp_ioctl_op(struct socket *s, unsigned long req, uint64_t arg)
{
	struct inet_sock *is = inet_sk(s);
	int v;
	switch (req) {
	case SIOCINQ:
		if (is->state == IS_LISTEN)
			return -EINVAL;
		v = (int)inet_urg_inq(is, s->oobinline);
		break;
	case SIOCOUTQ:
		if (is->state == IS_LISTEN)
			return -EINVAL;
		v = is->tcp ? (int)(TCP_SND_BUF - is->tcp->snd_buf) : 0;
		break;
	case SIOCATMARK:
		v = inet_urg_at_mark(is, 0);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static uint8_t tcp_linux_state(const struct inet_sock *is)
{
	if (is->state == IS_LISTEN)
		return LTCP_LISTEN;
	if (!is->tcp)
		return LTCP_CLOSE;
	switch (is->tcp->state) {
	case SYN_SENT: return LTCP_SYN_SENT;
	case SYN_RCVD: return LTCP_SYN_RECV;
	case ESTABLISHED: return LTCP_ESTABLISHED;
	case FIN_WAIT_1: return LTCP_FIN_WAIT1;
	case FIN_WAIT_2: return LTCP_FIN_WAIT2;
	case CLOSE_WAIT: return LTCP_CLOSE_WAIT;
	case CLOSING: return LTCP_CLOSING;
	case LAST_ACK: return LTCP_LAST_ACK;
	case TIME_WAIT: return LTCP_TIME_WAIT;
	default: return LTCP_CLOSE;
	}
}

/* TCP_INFO: Linux's struct tcp_info with the fields lwIP knows (state, RTO, MSS, window, RTT);
   the rest 0. */
int inet_tcp_info(struct inet_sock *is, void *val, uint32_t *len)
{
	uint8_t info[232] = { 0 };
	uint32_t u[58] = { 0 };
	info[0] = tcp_linux_state(is);
	struct tcp_pcb *p = is->state == IS_LISTEN ? NULL : is->tcp;
	if (p) {
		u[2] = (uint32_t)p->rto * TCP_SLOW_INTERVAL * 1000;     /* tcpi_rto, us */
		u[4] = p->mss;                                          /* tcpi_snd_mss */
		u[5] = p->mss;                                          /* tcpi_rcv_mss */
		u[17] = (uint32_t)(p->sa >> 3) * TCP_SLOW_INTERVAL * 1000;  /* tcpi_rtt */
		u[18] = (uint32_t)p->sv * TCP_SLOW_INTERVAL * 1000 / 4;    /* tcpi_rttvar */
		u[19] = (uint32_t)p->ssthresh / MAX(p->mss, 1);           /* tcpi_snd_ssthresh */
		u[20] = (uint32_t)p->cwnd / MAX(p->mss, 1);               /* tcpi_snd_cwnd */
		u[21] = p->mss;                                          /* tcpi_advmss */
		u[24] = p->rcv_wnd;                                      /* tcpi_rcv_space */
	}
	memcpy(info + 8, &u[2], sizeof(info) - 8);
	uint32_t n = MIN(*len, (uint32_t)sizeof(info));
	memcpy(val, info, n);
	*len = n;
	return 0;
}

const struct sock_ops inet_tcp_ops = {
	.bind = tcp_bind_op,
	.connect = tcp_connect_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.sendmsg = tcp_sendmsg_op,
	.recvmsg = tcp_recvmsg_op,
	.shutdown = tcp_shutdown_op,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.poll = tcp_poll_op,
	.event_seq = inet_event_seq,
	.ioctl = tcp_ioctl_op,
	.release = tcp_release,
	.bufs_changed = tcp_bufs_changed,
};
