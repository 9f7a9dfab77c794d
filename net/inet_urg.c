/* TCP urgent data, received: the mark a peer's urgent pointer sets in the stream, the byte kept
   aside for recv(MSG_OOB) (or left inline with SO_OOBINLINE), and SIGURG, as Linux's
   tcp_check_urg, tcp_urg and tcp_recv_urg. Sending is lwIP's (net/lwip/patches/0002-*). */
#include "k/kernel.h"
#include "vfs/file.h"
#include "net/inet.h"

/* A pointer further ahead than the largest receive window is not believed (BSD's check
   against the receive buffer; Linux's window check comes before). */
#define URG_AHEAD_MAX (1u << 30)

/* The stream position of the first byte not yet read. */
static uint64_t urg_copied(const struct inet_sock *is)
{
	return is->rx_in - is->rx_len;
}

bool inet_urg_announce(struct inet_sock *is, bool oobinline, u32_t seqno, u16_t urgp)
{
	if (is->rx_fin)
		return false;
	/* the pointer is past the last urgent byte (Linux without tcp_stdurg) */
	u32_t seq = seqno + urgp - (urgp ? 1u : 0u);
	int32_t ahead = (int32_t)(seq - (is->rx_seq0 + (uint32_t)is->rx_in));
	if (ahead < 0 || (uint32_t)ahead >= URG_AHEAD_MAX)
		return false;   /* a byte received (or read) already, or nonsense */
	uint64_t pos = is->rx_in + (uint32_t)ahead;
	if (is->urg_state != INET_URG_NONE && pos <= is->urg_pos)
		return false;   /* this mark or a newer one is known */
	/* The old byte stays in the stream as data, unless the reader stands right at it and
	   it is out of band: then it goes (Linux's tcp_check_urg). */
	bool drop = is->urg_state != INET_URG_NONE && !oobinline && is->urg_pos == urg_copied(is) &&
		    is->rx_len;
	is->urg_state = INET_URG_NOTYET;
	is->urg_pos = pos;
	if (is->sock && is->sock->file)
		fasync_urgent(is->sock->file);
	inet_event(is);
	return drop;
}

void inet_urg_queued(struct inet_sock *is)
{
	if (is->urg_state != INET_URG_NOTYET || is->urg_pos >= is->rx_in)
		return;
	uint64_t off = is->urg_pos - urg_copied(is) + is->rx_off;
	const struct pbuf *p = is->rx_head;
	while (p && off >= p->len) {
		off -= p->len;
		p = p->next;
	}
	if (!p)
		return;
	is->urg_byte = ((const uint8_t *)p->payload)[off];
	is->urg_state = INET_URG_VALID;
}

void inet_urg_consumed(struct inet_sock *is)
{
	if (is->urg_state != INET_URG_NONE && urg_copied(is) > is->urg_pos)
		is->urg_state = INET_URG_NONE;
}

bool inet_urg_at_mark(const struct inet_sock *is, uint32_t at)
{
	return is->urg_state != INET_URG_NONE && is->urg_pos == urg_copied(is) + at;
}

uint32_t inet_urg_clip(const struct inet_sock *is, uint32_t at, uint32_t n)
{
	uint64_t pos = urg_copied(is) + at;
	if (is->urg_state == INET_URG_NONE || is->urg_pos <= pos || is->urg_pos - pos >= n)
		return n;
	return (uint32_t)(is->urg_pos - pos);
}

uint32_t inet_urg_inq(const struct inet_sock *is, bool oobinline)
{
	uint64_t copied = urg_copied(is);
	if (oobinline || is->urg_state == INET_URG_NONE || is->urg_pos < copied ||
	    is->urg_pos >= is->rx_in)
		return is->rx_len;
	return (uint32_t)(is->urg_pos - copied);
}

int64_t inet_urg_recv(struct inet_sock *is, struct msg_k *m, int flags)
{
	if (is->sock->oobinline || is->urg_state == INET_URG_NONE || is->urg_state == INET_URG_READ)
		return -EINVAL;
	if (is->urg_state == INET_URG_VALID) {
		if (!(flags & MSG_PEEK))
			is->urg_state = INET_URG_READ;
		m->flags_out |= MSG_OOB;
		if (!m->it.left) {
			m->flags_out |= MSG_TRUNC;
			return 0;
		}
		if (flags & MSG_TRUNC)
			m->it.left--;
		else if (iter_copy_to(&m->it, &is->urg_byte, 1))
			return -EFAULT;
		return 1;
	}
	/* announced, not arrived: Linux does not wait for it */
	if (is->state == IS_CLOSED || is->rx_fin || is->shut_rd)
		return 0;
	return -EAGAIN;
}
