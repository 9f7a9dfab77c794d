/* AF_NETLINK, NETLINK_ROUTE: enough of rtnetlink for what the C libraries and tools ask at start
   (getifaddrs, if_nameindex, `ip addr`/`ip route`): dumps of links (RTM_GETLINK), addresses
   (RTM_GETADDR) and IPv4 routes (RTM_GETROUTE), one link by index, acknowledgements, and
   NLMSG_ERROR EOPNOTSUPP for requests that would change anything. Replies are queued as
   datagrams of at most one page, as Linux's dumps come in pieces. No events are ever sent. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "vfs/vfs.h"
#include "net/socket.h"
#include "net/ifinfo.h"

#define NETLINK_ROUTE 0
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_FLAGS 8
#define IFA_F_PERMANENT 0x80
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define RT_TABLE_MAIN 254
#define RTPROT_KERNEL 2
#define RTPROT_STATIC 4
#define RTN_UNICAST 1
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define NL_DGRAM_MAX 4096
#define NL_REQ_MAX 4096
#define NL_ALIGN(n) (((n) + 3u) & ~3u)

struct nlmsghdr_k {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nl_dgram {
	struct nl_dgram *next;
	uint32_t len;
	uint8_t *data;          /* NL_DGRAM_MAX bytes */
};

struct nl_sock {
	uint32_t portid;        /* 0: not bound yet */
	uint32_t groups;
	struct nl_dgram *q, *q_tail;
	uint64_t seq;           /* events, for edge-triggered epoll */
};

/* Builds replies: messages are appended to the current datagram, a new one when full. */
struct nl_out {
	struct nl_sock *n;
	struct nl_dgram *cur;
	uint32_t msg;           /* offset of the message being built */
	int err;
};

static struct nl_sock *nl_sk(struct socket *s)
{
	return s->priv;
}

static void nl_queue(struct nl_sock *n, struct nl_dgram *d)
{
	if (n->q_tail)
		n->q_tail->next = d;
	else
		n->q = d;
	n->q_tail = d;
}

static void nl_dgram_free(struct nl_dgram *d)
{
	kfree(d->data, NL_DGRAM_MAX);
	kfree(d, sizeof(*d));
}

/* Room for len more bytes in the datagram being built (the message started at o->msg moves to
   a fresh datagram when it does not fit): a pointer, or NULL (out of memory: o->err). */
static uint8_t *nl_room(struct nl_out *o, uint32_t len)
{
	if (o->err)
		return NULL;
	if (o->cur && o->cur->len + len <= NL_DGRAM_MAX)
		goto have;
	struct nl_dgram *d = kmalloc(sizeof(*d));
	if (d && !(d->data = kmalloc(NL_DGRAM_MAX))) {
		kfree(d, sizeof(*d));
		d = NULL;
	}
	if (!d) {
		o->err = -ENOBUFS;
		return NULL;
	}
	if (o->cur) {
		/* carry the unfinished message over */
		uint32_t part = o->cur->len - o->msg;
		if (part + NL_ALIGN(len) > NL_DGRAM_MAX) {
			nl_dgram_free(d);
			o->err = -ENOBUFS;
			return NULL;
		}
		memcpy(d->data, o->cur->data + o->msg, part);
		o->cur->len = o->msg;
		d->len = part;
		nl_queue(o->n, o->cur);
	}
	o->cur = d;
	o->msg = 0;
have:;
	uint8_t *p = o->cur->data + o->cur->len;
	memset(p, 0, NL_ALIGN(len));
	o->cur->len += NL_ALIGN(len);
	return p;
}

static void nl_begin(struct nl_out *o, const struct nlmsghdr_k *req, uint16_t type,
		     uint16_t flags)
{
	if (o->cur)
		o->msg = o->cur->len;
	struct nlmsghdr_k *h = (struct nlmsghdr_k *)nl_room(o, sizeof(*h));
	if (h)
		*h = (struct nlmsghdr_k){ 0, type, flags, req->seq, o->n->portid };
}

static void nl_put(struct nl_out *o, const void *data, uint32_t len)
{
	uint8_t *p = nl_room(o, len);
	if (p)
		memcpy(p, data, len);
}

static void nl_attr(struct nl_out *o, uint16_t type, const void *data, uint16_t len)
{
	uint16_t h[2] = { (uint16_t)(4 + len), type };
	nl_put(o, h, 4);
	nl_put(o, data, len);
}

static void nl_end(struct nl_out *o)
{
	if (!o->err)
		((struct nlmsghdr_k *)(o->cur->data + o->msg))->len = o->cur->len - o->msg;
}

/* The datagrams built go to the socket's queue. */
static void nl_flush(struct nl_out *o)
{
	if (o->cur)
		nl_queue(o->n, o->cur);
	o->cur = NULL;
	o->n->seq++;
	file_changed();
}

struct ifinfomsg_k {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};

static void nl_link(struct nl_out *o, const struct nlmsghdr_k *req, const struct if_info *i,
		    uint16_t flags)
{
	nl_begin(o, req, RTM_NEWLINK, flags);
	struct ifinfomsg_k m = { AF_UNSPEC, 0, i->loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER,
				 i->index, i->flags, 0 };
	nl_put(o, &m, sizeof(m));
	nl_attr(o, IFLA_IFNAME, i->name, (uint16_t)(strlen(i->name) + 1));
	uint32_t v = i->mtu;
	nl_attr(o, IFLA_MTU, &v, 4);
	v = 1000;
	nl_attr(o, IFLA_TXQLEN, &v, 4);
	uint8_t oper = i->loopback ? 0 : 6;     /* IF_OPER_UNKNOWN as Linux's lo, IF_OPER_UP */
	nl_attr(o, IFLA_OPERSTATE, &oper, 1);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
	nl_attr(o, IFLA_ADDRESS, i->hwaddr, 6);
	nl_attr(o, IFLA_BROADCAST, i->loopback ? zero : bcast, 6);
	nl_end(o);
}

struct ifaddrmsg_k {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};

static void nl_addr(struct nl_out *o, const struct nlmsghdr_k *req, const struct if_info *i,
		    const struct if_addr *a)
{
	nl_begin(o, req, RTM_NEWADDR, NLM_F_MULTI);
	struct ifaddrmsg_k m = { (uint8_t)a->family, (uint8_t)a->prefix, IFA_F_PERMANENT,
				 (uint8_t)a->scope, (uint32_t)i->index };
	nl_put(o, &m, sizeof(m));
	uint16_t alen = a->family == AF_INET ? 4 : 16;
	nl_attr(o, IFA_ADDRESS, a->addr, alen);
	if (a->family == AF_INET) {
		nl_attr(o, IFA_LOCAL, a->addr, 4);
		if (a->prefix < 31 && !i->loopback) {
			uint32_t ip, host = a->prefix ? 0xffffffffu >> a->prefix : 0xffffffffu;
			memcpy(&ip, a->addr, 4);
			ip |= __builtin_bswap32(host);
			nl_attr(o, IFA_BROADCAST, &ip, 4);
		}
		nl_attr(o, IFA_LABEL, i->name, (uint16_t)(strlen(i->name) + 1));
	}
	uint32_t fl = IFA_F_PERMANENT;
	nl_attr(o, IFA_FLAGS, &fl, 4);
	nl_end(o);
}

struct rtmsg_k {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};

/* IPv4 routes of the main table: each interface's subnet and the default route. */
static void nl_routes(struct nl_out *o, const struct nlmsghdr_k *req, const struct if_info *i)
{
	for (int k = 0; k < i->naddr; k++) {
		const struct if_addr *a = &i->addr[k];
		if (a->family != AF_INET || i->loopback)
			continue;
		uint32_t ip, net;
		memcpy(&ip, a->addr, 4);
		net = ip & (a->prefix ? __builtin_bswap32(0xffffffffu << (32 - a->prefix)) : 0);
		if (i->gw4[0] || i->gw4[1] || i->gw4[2] || i->gw4[3]) {
			nl_begin(o, req, RTM_NEWROUTE, NLM_F_MULTI);
			struct rtmsg_k m = { AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_STATIC,
					     RT_SCOPE_UNIVERSE, RTN_UNICAST, 0 };
			nl_put(o, &m, sizeof(m));
			uint32_t table = RT_TABLE_MAIN, oif = (uint32_t)i->index;
			nl_attr(o, RTA_TABLE, &table, 4);
			nl_attr(o, RTA_GATEWAY, i->gw4, 4);
			nl_attr(o, RTA_OIF, &oif, 4);
			nl_end(o);
		}
		nl_begin(o, req, RTM_NEWROUTE, NLM_F_MULTI);
		struct rtmsg_k m = { AF_INET, (uint8_t)a->prefix, 0, 0, RT_TABLE_MAIN, RTPROT_KERNEL,
				     RT_SCOPE_LINK, RTN_UNICAST, 0 };
		nl_put(o, &m, sizeof(m));
		uint32_t table = RT_TABLE_MAIN, oif = (uint32_t)i->index;
		nl_attr(o, RTA_TABLE, &table, 4);
		nl_attr(o, RTA_DST, &net, 4);
		nl_attr(o, RTA_PREFSRC, &ip, 4);
		nl_attr(o, RTA_OIF, &oif, 4);
		nl_end(o);
	}
}

static void nl_error(struct nl_out *o, const struct nlmsghdr_k *req, int err)
{
	nl_begin(o, req, NLMSG_ERROR, 0);
	int32_t e = err;
	nl_put(o, &e, 4);
	nl_put(o, req, sizeof(*req));   /* the request's header, as Linux echoes it */
	nl_end(o);
}

static void nl_done(struct nl_out *o, const struct nlmsghdr_k *req)
{
	nl_begin(o, req, NLMSG_DONE, NLM_F_MULTI);
	int32_t zero = 0;
	nl_put(o, &zero, 4);
	nl_end(o);
}

/* One request; len is the whole message (header included) at req. */
static void nl_request(struct nl_out *o, const struct nlmsghdr_k *req, uint32_t len)
{
	if (!(req->flags & NLM_F_REQUEST))
		return;
	struct if_info ifs[IF_MAX];
	int n = ifinfo_list(ifs, IF_MAX);
	uint8_t family = len > sizeof(*req) ? *((const uint8_t *)(req + 1)) : AF_UNSPEC;
	bool dump = (req->flags & NLM_F_DUMP) == NLM_F_DUMP;
	switch (req->type) {
	case RTM_GETLINK:
		if (dump) {
			for (int k = 0; k < n; k++)
				nl_link(o, req, &ifs[k], NLM_F_MULTI);
			nl_done(o, req);
			return;
		}
		if (len >= sizeof(*req) + sizeof(struct ifinfomsg_k)) {
			const struct ifinfomsg_k *m = (const void *)(req + 1);
			for (int k = 0; k < n; k++)
				if (ifs[k].index == m->index) {
					nl_link(o, req, &ifs[k], 0);
					goto ack;
				}
		}
		nl_error(o, req, -ENODEV);
		return;
	case RTM_GETADDR:
		if (!dump)
			break;
		for (int k = 0; k < n; k++)
			for (int j = 0; j < ifs[k].naddr; j++)
				if (family == AF_UNSPEC || family == ifs[k].addr[j].family)
					nl_addr(o, req, &ifs[k], &ifs[k].addr[j]);
		nl_done(o, req);
		return;
	case RTM_GETROUTE:
		if (!dump)
			break;
		if (family == AF_UNSPEC || family == AF_INET)
			for (int k = 0; k < n; k++)
				nl_routes(o, req, &ifs[k]);
		nl_done(o, req);
		return;
	}
	nl_error(o, req, -EOPNOTSUPP);
	return;
ack:
	if (req->flags & NLM_F_ACK)
		nl_error(o, req, 0);
}

static void nl_autobind(struct nl_sock *n)
{
	if (!n->portid)
		n->portid = (uint32_t)current->pid;
}

static int64_t nl_sendmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct nl_sock *n = nl_sk(s);
	uint64_t len = m->it.left;
	if (len > NL_REQ_MAX)
		return -EMSGSIZE;
	static uint8_t req[NL_REQ_MAX] __attribute__((aligned(8)));
	if (iter_copy_from(&m->it, req, (size_t)len))
		return -EFAULT;
	nl_autobind(n);
	struct nl_out o = { .n = n };
	for (uint32_t off = 0; len - off >= sizeof(struct nlmsghdr_k);) {
		const struct nlmsghdr_k *h = (const void *)(req + off);
		if (h->len < sizeof(*h) || h->len > len - off)
			break;
		nl_request(&o, h, h->len);
		off += NL_ALIGN(h->len);
	}
	nl_flush(&o);
	return o.err ? o.err : (int64_t)len;
}

static int64_t nl_recvmsg(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct nl_sock *n = nl_sk(s);
	int64_t deadline = socket_deadline(s->rcvtimeo);
	while (!n->q) {
		int err = nonblock ? -EAGAIN : socket_wait(deadline, "a netlink socket with no reply");
		if (err)
			return err;
	}
	struct nl_dgram *d = n->q;
	uint32_t take = (uint32_t)MIN(d->len, m->it.left);
	if (iter_copy_to(&m->it, d->data, take))
		return -EFAULT;
	if (take < d->len)
		m->flags_out |= MSG_TRUNC;
	uint16_t from[6] = { AF_NETLINK, 0, 0, 0, 0, 0 };       /* the kernel: port 0 */
	memcpy(m->addr, from, sizeof(from));
	m->addrlen = sizeof(from);
	uint32_t full = d->len;
	if (!(flags & MSG_PEEK)) {
		n->q = d->next;
		if (!n->q)
			n->q_tail = NULL;
		nl_dgram_free(d);
	}
	return (flags & MSG_TRUNC) ? full : take;
}

struct sockaddr_nl_k {
	uint16_t family, pad;
	uint32_t pid, groups;
};

static int nl_bind(struct socket *s, const void *addr, uint32_t len)
{
	struct nl_sock *n = nl_sk(s);
	struct sockaddr_nl_k a;
	if (len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.family != AF_NETLINK)
		return -EINVAL;
	if (n->portid && a.pid && a.pid != n->portid)
		return -EINVAL;
	n->portid = a.pid ? a.pid : (uint32_t)current->pid;
	n->groups = a.groups;   /* subscriptions: no events are ever sent */
	return 0;
}

static int nl_connect(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	struct sockaddr_nl_k a;
	if (len < sizeof(uint16_t))
		return -EINVAL;
	memcpy(&a, addr, MIN(len, sizeof(a)));
	if (a.family == AF_UNSPEC)
		return 0;
	if (len < sizeof(a) || a.family != AF_NETLINK)
		return -EINVAL;
	nl_autobind(nl_sk(s));
	return 0;
}

static int nl_getname(struct socket *s, void *addr, uint32_t *len, bool peer)
{
	struct sockaddr_nl_k a = { AF_NETLINK, 0, peer ? 0 : nl_sk(s)->portid,
				   peer ? 0 : nl_sk(s)->groups };
	memcpy(addr, &a, sizeof(a));
	*len = sizeof(a);
	return 0;
}

static uint32_t nl_poll(struct socket *s)
{
	return (nl_sk(s)->q ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

static bool nl_event_seq(struct socket *s, uint64_t *seq)
{
	*seq = nl_sk(s)->seq;
	return true;
}

/* SOL_NETLINK options Linux knows are accepted with its length check: memberships mean events,
   and none ever happen here (interfaces and routes do not change), the others (extended ACKs,
   strict checking, no-ENOBUFS) would not change what the dumps above return. */
#define SOL_NETLINK 270
static int nl_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (name < 1 || name > 12 || name == 6 || name == 7 || name == 9)
		return -ENOPROTOOPT;    /* RX_RING/TX_RING (gone from Linux), LIST_MEMBERSHIPS (get) */
	return len < sizeof(int) ? -EINVAL : 0;
}

static int nl_shutdown(struct socket *s, int how)
{
	return -EOPNOTSUPP;     /* as Linux's netlink (sock_no_shutdown) */
}

static int nl_listen(struct socket *s, int backlog)
{
	return -EOPNOTSUPP;
}

static int nl_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	return -EOPNOTSUPP;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *n = nl_sk(s);
	while (n->q) {
		struct nl_dgram *d = n->q;
		n->q = d->next;
		nl_dgram_free(d);
	}
	kfree(n, sizeof(*n));
}

static const struct sock_ops netlink_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.listen = nl_listen,
	.accept = nl_accept,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_shutdown,
	.getname = nl_getname,
	.setsockopt = nl_setsockopt,
	.poll = nl_poll,
	.event_seq = nl_event_seq,
	.release = nl_release,
};

int netlink_create(struct socket *s, int type, int protocol)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct nl_sock *n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->priv = n;
	s->ops = &netlink_ops;
	return 0;
}
