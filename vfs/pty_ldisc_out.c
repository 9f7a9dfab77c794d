/* Output of the slave's line discipline: OPOST processing into the queue the master reads, and
   the echo of input (control characters as ^X, erasing with "\b \b", back to tab stops). */
#include "k/kernel.h"
#include "vfs/pty_ldisc.h"

/* Output: one byte through OPOST (Linux's do_output_char), keeping the column for tab stops and
   erasing. false when the queue lacks room for what the byte becomes. */
static bool opost(struct ldisc *ld, uint8_t c)
{
	uint32_t room = ld->out.size - (ld->out.head - ld->out.tail), of = ld->t.oflag;
	if (!room)
		return false;
	if (!(of & OPOST)) {
		*ldisc_ring_at(&ld->out, ld->out.head++) = c;
		return true;
	}
	switch (c) {
	case '\n':
		if (of & ONLRET)
			ld->column = 0;
		if (of & ONLCR) {
			if (room < 2)
				return false;
			ld->canon_column = ld->column = 0;
			*ldisc_ring_at(&ld->out, ld->out.head++) = '\r';
			break;
		}
		ld->canon_column = ld->column;
		break;
	case '\r':
		if ((of & ONOCR) && ld->column == 0)
			return true;
		if (of & OCRNL) {
			c = '\n';
			if (of & ONLRET)
				ld->canon_column = ld->column = 0;
			break;
		}
		ld->canon_column = ld->column = 0;
		break;
	case '\t': {
		uint32_t spaces = 8 - (ld->column & 7);
		if ((of & TABDLY) == XTABS) {
			if (room < spaces)
				return false;
			ld->column += spaces;
			while (spaces--)
				*ldisc_ring_at(&ld->out, ld->out.head++) = ' ';
			return true;
		}
		ld->column += spaces;
		break;
	}
	case '\b':
		if (ld->column > 0)
			ld->column--;
		break;
	default:
		if (!ldisc_iscntrl(c)) {
			if (of & OLCUC)
				c = ldisc_toupper(c);
			if (!ldisc_continuation(ld, c))
				ld->column++;
		}
		break;
	}
	*ldisc_ring_at(&ld->out, ld->out.head++) = c;
	return true;
}

/* Echoes: what does not fit in the master's queue is lost. */
void ldisc_echo_raw(struct ldisc *ld, uint8_t c)
{
	opost(ld, c);
}

void ldisc_echo_char(struct ldisc *ld, uint8_t c)
{
	if ((ld->t.lflag & ECHOCTL) && ldisc_iscntrl(c) && c != '\t') {
		if (ld->out.size - ldisc_out_count(ld) < 2)
			return;
		*ldisc_ring_at(&ld->out, ld->out.head++) = '^';
		*ldisc_ring_at(&ld->out, ld->out.head++) = c ^ 0100;
		ld->column += 2;
	} else {
		ldisc_echo_raw(ld, c);
	}
}

static void echo_erase(struct ldisc *ld)
{
	ldisc_echo_raw(ld, '\b');
	ldisc_echo_raw(ld, ' ');
	ldisc_echo_raw(ld, '\b');
}

/* ECHOPRT shows erased characters between '\' and '/'. */
void ldisc_finish_erasing(struct ldisc *ld)
{
	if (ld->erasing) {
		ldisc_echo_raw(ld, '/');
		ld->erasing = false;
	}
}

/* Tab erase: back to the tab stop the tab started from, counted over the line. */
static void erase_tab(struct ldisc *ld)
{
	uint32_t cols = 0, pos = ld->in.head;
	bool after_tab = false;
	while (pos != ld->canon_head) {
		uint8_t c = ldisc_ring_get(&ld->in, --pos);
		if (c == '\t') {
			after_tab = true;
			break;
		} else if (ldisc_iscntrl(c)) {
			if (ld->t.lflag & ECHOCTL)
				cols += 2;
		} else if (!ldisc_continuation(ld, c)) {
			cols++;
		}
	}
	if (!after_tab)
		cols += ld->canon_column;
	uint32_t bs = 8 - (cols & 7);
	if (ld->out.size - ldisc_out_count(ld) < bs)
		return;
	while (bs--) {
		*ldisc_ring_at(&ld->out, ld->out.head++) = '\b';
		if (ld->column > 0)
			ld->column--;
	}
}

/* The echo of one erased character (which began at pos and took cnt bytes). */
void ldisc_echo_erased(struct ldisc *ld, uint8_t c, uint32_t pos, uint32_t cnt, bool erase)
{
	uint32_t lf = ld->t.lflag;
	if (lf & ECHOPRT) {
		if (!ld->erasing) {
			ldisc_echo_raw(ld, '\\');
			ld->erasing = true;
		}
		ldisc_echo_char(ld, c);
		while (--cnt > 0) {
			ldisc_echo_raw(ld, ldisc_ring_get(&ld->in, ++pos));
			if (ld->column > 0)
				ld->column--;
		}
	} else if (erase && !(lf & ECHOE)) {
		ldisc_echo_char(ld, ld->t.cc[VERASE]);
	} else if (c == '\t') {
		erase_tab(ld);
	} else {
		if (ldisc_iscntrl(c) && (lf & ECHOCTL))
			echo_erase(ld);
		if (!ldisc_iscntrl(c) || (lf & ECHOCTL))
			echo_erase(ld);
	}
}

size_t ldisc_write(struct ldisc *ld, const uint8_t *buf, size_t len)
{
	size_t i;
	for (i = 0; i < len && !ld->stopped; i++)
		if (!opost(ld, buf[i]))
			break;
	return i;
}

size_t ldisc_out_read(struct ldisc *ld, uint8_t *buf, size_t len)
{
	size_t n = MIN(len, ldisc_out_count(ld));
	for (size_t i = 0; i < n; i++)
		buf[i] = ldisc_ring_get(&ld->out, ld->out.tail + (uint32_t)i);
	ld->out.tail += (uint32_t)n;
	return n;
}

void ldisc_flush_out(struct ldisc *ld)
{
	ld->out.tail = ld->out.head;
	if (ld->pkt)
		ld->pkt(ld, TIOCPKT_FLUSHWRITE);
}
