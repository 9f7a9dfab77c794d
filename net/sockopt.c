/* SOL_SOCKET options every family shares, with Linux's sizes, limits and errno values, and the
   receive timestamp message they ask for. Options the shared code does not know go to the
   family (SO_PEERCRED, protocol levels). */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/proc.h"
#include "vfs/file.h"
#include "net/socket.h"

#define INT_MAX 0x7fffffff
#define NSEC_PER_SEC 1000000000ll

struct linger_k {
	int32_t onoff, linger;
};
struct timeval_k {
	int64_t sec, usec;
};

static int sockopt_family_set(struct socket *s, int level, int name, const void *val,
			      uint32_t len)
{
	return s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) : -ENOPROTOOPT;
}

/* SO_RCVTIMEO/SO_SNDTIMEO: {0, 0} is no limit, a negative time gives up at once. */
static int sockopt_set_timeo(int64_t *timeo, const void *val, uint32_t len)
{
	struct timeval_k tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0)
		*timeo = 1;
	else if (tv.sec > INT64_MAX / NSEC_PER_SEC - 1)
		*timeo = 0;
	else
		*timeo = tv.sec * NSEC_PER_SEC + tv.usec * 1000;
	return 0;
}

static void sockopt_set_buf(uint32_t *buf, int v, uint32_t floor, bool force)
{
	uint32_t u = v < 0 ? 0 : (uint32_t)v;
	if (!force && u > SOCK_MAX_BUF)
		u = SOCK_MAX_BUF;
	if (u > INT_MAX / 2)
		u = INT_MAX / 2;
	*buf = MAX(u * 2, floor);
}

int sockopt_set(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	if (level != SOL_SOCKET)
		return sockopt_family_set(s, level, name, val, len);
	if (name == SO_LINGER) {
		struct linger_k l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		s->linger_on = l.onoff != 0;
		s->linger_sec = l.linger;
		return 0;
	}
	if (name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW)
		return sockopt_set_timeo(&s->rcvtimeo, val, len);
	if (name == SO_SNDTIMEO_OLD || name == SO_SNDTIMEO_NEW)
		return sockopt_set_timeo(&s->sndtimeo, val, len);
	int v;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	bool root = capable(CAP_NET_ADMIN);
	switch (name) {
	case SO_DEBUG: s->debug = v != 0; return 0;
	case SO_REUSEADDR: s->reuseaddr = v != 0; return 0;
	case SO_REUSEPORT: s->reuseport = v != 0; return 0;
	case SO_KEEPALIVE: s->keepalive = v != 0; return 0;
	case SO_BROADCAST: s->broadcast = v != 0; return 0;
	case SO_OOBINLINE: s->oobinline = v != 0; return 0;
	case SO_DONTROUTE: s->dontroute = v != 0; return 0;
	case SO_NO_CHECK: case SO_BSDCOMPAT: return 0;
	case SO_PASSCRED: s->passcred = v != 0; return 0;
	case SO_TIMESTAMP_OLD: case SO_TIMESTAMP_NEW:
	case SO_TIMESTAMPNS_OLD: case SO_TIMESTAMPNS_NEW:
		/* accepted by every socket, as Linux's sock_set_timestamp: on picks the kind, off
		   turns both kinds off (AF_UNIX streams and netlink then carry no stamps) */
		s->tstamp = v != 0;
		s->tstamp_ns = v && (name == SO_TIMESTAMPNS_OLD || name == SO_TIMESTAMPNS_NEW);
		if (v)
			s->tstamp_new = name == SO_TIMESTAMP_NEW || name == SO_TIMESTAMPNS_NEW;
		return 0;
	case SO_SNDBUFFORCE: case SO_RCVBUFFORCE:
		if (!root)
			return -EPERM;
		/* fall through */
	case SO_SNDBUF: case SO_RCVBUF: {
		bool snd = name == SO_SNDBUF || name == SO_SNDBUFFORCE;
		sockopt_set_buf(snd ? &s->sndbuf : &s->rcvbuf, v,
				snd ? SOCK_MIN_SNDBUF : SOCK_MIN_RCVBUF,
				name == SO_SNDBUFFORCE || name == SO_RCVBUFFORCE);
		if (snd)
			s->sndbuf_lock = true;
		else
			s->rcvbuf_lock = true;
		if (s->ops->bufs_changed)
			s->ops->bufs_changed(s);
		file_changed();         /* room to write may have appeared */
		return 0;
	}
	case SO_RCVLOWAT: s->rcvlowat = v < 0 ? INT_MAX : (v ? v : 1); return 0;
	case SO_SNDLOWAT: return -ENOPROTOOPT;
	case SO_PRIORITY:
		if ((v < 0 || v > 6) && !root)
			return -EPERM;
		s->priority = v;
		return 0;
	case SO_TYPE: case SO_PROTOCOL: case SO_DOMAIN: case SO_ERROR: case SO_ACCEPTCONN:
	case SO_PEERCRED: case SO_PEERSEC:
		return -ENOPROTOOPT;
	}
	return sockopt_family_set(s, level, name, val, len);
}

static uint32_t sockopt_put(void *val, uint32_t *len, const void *v, uint32_t size)
{
	uint32_t n = MIN(*len, size);
	memcpy(val, v, n);
	*len = n;
	return 0;
}

static void sockopt_get_timeo(int64_t timeo, struct timeval_k *tv)
{
	tv->sec = timeo / NSEC_PER_SEC;
	tv->usec = timeo % NSEC_PER_SEC / 1000;
}

/* val has room for 128 bytes; *len is the program's optlen in, the length written out. */
int sockopt_get(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	if (level != SOL_SOCKET)
		goto family;
	int v;
	switch (name) {
	case SO_LINGER: {
		struct linger_k l = { s->linger_on, s->linger_sec };
		return sockopt_put(val, len, &l, sizeof(l));
	}
	case SO_RCVTIMEO_OLD: case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_OLD: case SO_SNDTIMEO_NEW: {
		struct timeval_k tv;
		bool rcv = name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW;
		sockopt_get_timeo(rcv ? s->rcvtimeo : s->sndtimeo, &tv);
		return sockopt_put(val, len, &tv, sizeof(tv));
	}
	case SO_DEBUG: v = s->debug; break;
	case SO_REUSEADDR: v = s->reuseaddr; break;
	case SO_REUSEPORT: v = s->reuseport; break;
	case SO_KEEPALIVE: v = s->keepalive; break;
	case SO_BROADCAST: v = s->broadcast; break;
	case SO_OOBINLINE: v = s->oobinline; break;
	case SO_DONTROUTE: v = s->dontroute; break;
	case SO_NO_CHECK: case SO_BSDCOMPAT: v = 0; break;
	case SO_PASSCRED: v = s->passcred; break;
	case SO_TYPE: v = s->type; break;
	case SO_PROTOCOL: v = s->protocol; break;
	case SO_DOMAIN: v = s->family; break;
	case SO_ERROR: v = s->err; s->err = 0; break;
	case SO_SNDBUF: v = (int)s->sndbuf; break;
	case SO_RCVBUF: v = (int)s->rcvbuf; break;
	case SO_RCVLOWAT: v = s->rcvlowat; break;
	case SO_SNDLOWAT: v = 1; break;
	case SO_PRIORITY: v = s->priority; break;
	/* As Linux reads its flags: the old plain one only without NS, the new one with it too. */
	case SO_TIMESTAMP_OLD:
		v = s->tstamp && !s->tstamp_ns && !s->tstamp_new;
		break;
	case SO_TIMESTAMP_NEW:
		v = s->tstamp && s->tstamp_new;
		break;
	case SO_TIMESTAMPNS_OLD: case SO_TIMESTAMPNS_NEW:
		v = s->tstamp_ns && s->tstamp_new == (name == SO_TIMESTAMPNS_NEW);
		break;
	default:
		goto family;
	}
	return sockopt_put(val, len, &v, sizeof(v));
family:
	return s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, len) : -ENOPROTOOPT;
}

void msg_ctl_add(struct msg_k *m, int level, int type, const void *data, uint32_t len)
{
	if (m->nipctl >= MSG_IPCTL_MAX)
		return;
	struct msg_ipctl *c = &m->ipctl[m->nipctl++];
	c->level = level;
	c->type = type;
	c->len = len;
	memcpy(c->data, data, len);
}

/* The old and new types share one layout on x86-64: two 64-bit words. */
void sock_cmsg_timestamp(const struct socket *s, int64_t stamp, struct msg_k *m)
{
	if (!s || !s->tstamp)
		return;
	int64_t t[2] = { stamp / NSEC_PER_SEC, stamp % NSEC_PER_SEC };
	if (!s->tstamp_ns)
		t[1] /= 1000;
	int type = s->tstamp_ns ? (s->tstamp_new ? SO_TIMESTAMPNS_NEW : SO_TIMESTAMPNS_OLD) :
				  (s->tstamp_new ? SO_TIMESTAMP_NEW : SO_TIMESTAMP_OLD);
	msg_ctl_add(m, SOL_SOCKET, type, t, sizeof(t));
}
