/* The slave's line discipline, with Linux's N_TTY behaviour where a program sees it: input
   processing (canonical lines and their editing, end-of-file marks, signal characters with their
   flush, IXON flow control, ICRNL and friends), the slave's reads and the settings. Output and
   echo are in vfs/pty_ldisc_out.c. */
#include "k/kernel.h"
#include "vfs/pty_ldisc.h"

#define SIGINT 2
#define SIGQUIT 3
#define SIGTSTP 20
#define DISABLED 0              /* _POSIX_VDISABLE, also the end-of-file mark in the queue */

static bool cc_is(const struct ldisc *ld, int idx, uint8_t c)
{
	return c != DISABLED && ld->t.cc[idx] == c;
}

static bool line_end_at(const struct ldisc *ld, uint32_t pos)
{
	pos %= LDISC_IN_SIZE;
	return ld->line_end[pos / 8] & (1u << (pos % 8));
}

static void line_end_set(struct ldisc *ld, uint32_t pos, bool on)
{
	pos %= LDISC_IN_SIZE;
	if (on)
		ld->line_end[pos / 8] |= (uint8_t)(1u << (pos % 8));
	else
		ld->line_end[pos / 8] &= (uint8_t)~(1u << (pos % 8));
}

void ldisc_init(struct ldisc *ld, uint8_t *const pages[LDISC_PAGES])
{
	static const uint8_t cc[KNCCS] = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 };
	memset(&ld->t, 0, sizeof(ld->t));
	ld->t.iflag = ICRNL | IXON;
	ld->t.oflag = OPOST | ONLCR;
	ld->t.cflag = 0277;             /* B38400 | CS8 | CREAD */
	ld->t.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(ld->t.cc, cc, sizeof(cc));
	ld->t.ispeed = ld->t.ospeed = 38400;
	ld->in.page[0] = pages[0];
	ld->in.size = LDISC_IN_SIZE;
	for (int i = 0; i < LDISC_OUT_SIZE / 4096; i++)
		ld->out.page[i] = pages[LDISC_IN_SIZE / 4096 + i];
	ld->out.size = LDISC_OUT_SIZE;
}

static void in_put(struct ldisc *ld, uint8_t c)
{
	/* A canonical line that fills the queue keeps its newest byte, so a newline still ends it. */
	if (ld->in.head - ld->in.tail >= LDISC_IN_SIZE - 1)
		ld->in.head--;
	line_end_set(ld, ld->in.head, false);
	*ldisc_ring_at(&ld->in, ld->in.head++) = c;
}

static void newline(struct ldisc *ld, uint8_t c)
{
	in_put(ld, c);
	line_end_set(ld, ld->in.head - 1, true);
	ld->canon_head = ld->in.head;
}

/* VERASE, VWERASE and VKILL in canonical mode. */
static void eraser(struct ldisc *ld, uint8_t c)
{
	enum { ERASE, WERASE, KILL } kind;
	uint32_t lf = ld->t.lflag;
	if (ld->in.head == ld->canon_head)
		return;
	if (c == ld->t.cc[VERASE]) {
		kind = ERASE;
	} else if (c == ld->t.cc[VWERASE]) {
		kind = WERASE;
	} else {
		if (!(lf & ECHO)) {
			ld->in.head = ld->canon_head;
			return;
		}
		if (!(lf & ECHOK) || !(lf & ECHOKE) || !(lf & ECHOE)) {
			ld->in.head = ld->canon_head;
			ldisc_finish_erasing(ld);
			ldisc_echo_char(ld, ld->t.cc[VKILL]);
			if (lf & ECHOK)
				ldisc_echo_raw(ld, '\n');
			return;
		}
		kind = KILL;
	}
	int alnums = 0;
	while (ld->in.head != ld->canon_head) {
		uint32_t pos = ld->in.head;
		uint8_t ch;
		do {
			ch = ldisc_ring_get(&ld->in, --pos);
		} while (ldisc_continuation(ld, ch) && pos != ld->canon_head);
		if (ldisc_continuation(ld, ch))
			break;          /* never half a character */
		if (kind == WERASE) {
			if (ldisc_isalnum(ch) || ch == '_')
				alnums++;
			else if (alnums)
				break;
		}
		uint32_t cnt = ld->in.head - pos;
		ld->in.head = pos;
		if (lf & ECHO)
			ldisc_echo_erased(ld, ch, pos, cnt, kind == ERASE);
		if (kind == ERASE)
			break;
	}
	if (ld->in.head == ld->canon_head && (lf & ECHO))
		ldisc_finish_erasing(ld);
}

/* Canonical mode's own characters; true when c was one. */
static bool canon_char(struct ldisc *ld, uint8_t c)
{
	uint32_t lf = ld->t.lflag;
	if (cc_is(ld, VERASE, c) || cc_is(ld, VKILL, c) || (cc_is(ld, VWERASE, c) && (lf & IEXTEN))) {
		eraser(ld, c);
		return true;
	}
	if (cc_is(ld, VLNEXT, c) && (lf & IEXTEN)) {
		ld->lnext = true;
		if (lf & ECHO) {
			ldisc_finish_erasing(ld);
			if (lf & ECHOCTL) {
				ldisc_echo_raw(ld, '^');
				ldisc_echo_raw(ld, '\b');
			}
		}
		return true;
	}
	if (cc_is(ld, VREPRINT, c) && (lf & ECHO) && (lf & IEXTEN)) {
		ldisc_finish_erasing(ld);
		ldisc_echo_char(ld, c);
		ldisc_echo_raw(ld, '\n');
		for (uint32_t pos = ld->canon_head; pos != ld->in.head; pos++)
			ldisc_echo_char(ld, ldisc_ring_get(&ld->in, pos));
		return true;
	}
	if (c == '\n') {
		if (lf & (ECHO | ECHONL))
			ldisc_echo_raw(ld, '\n');
		newline(ld, c);
		return true;
	}
	if (cc_is(ld, VEOF, c)) {
		newline(ld, DISABLED);  /* the end-of-file mark: ends the line, never read */
		return true;
	}
	if (cc_is(ld, VEOL, c) || (cc_is(ld, VEOL2, c) && (lf & IEXTEN))) {
		if (lf & ECHO) {
			if (ld->canon_head == ld->in.head)
				ld->canon_column = ld->column;
			ldisc_echo_char(ld, c);
		}
		if (c == 0377 && (ld->t.iflag & PARMRK))
			in_put(ld, c);
		newline(ld, c);
		return true;
	}
	return false;
}

void ldisc_stop(struct ldisc *ld)
{
	if (ld->stopped)
		return;
	ld->stopped = true;
	if (ld->pkt)
		ld->pkt(ld, TIOCPKT_STOP);
}

void ldisc_start(struct ldisc *ld)
{
	if (!ld->stopped)
		return;
	ld->stopped = false;
	if (ld->pkt)
		ld->pkt(ld, TIOCPKT_START);
}

static void signal_char(struct ldisc *ld, int sig, uint8_t c)
{
	ld->isig(ld, sig);
	if (!(ld->t.lflag & NOFLSH)) {
		ldisc_flush_out(ld);
		ldisc_flush_in(ld);
	}
	if (ld->t.iflag & IXON)
		ldisc_start(ld);
	if (ld->t.lflag & ECHO)
		ldisc_echo_char(ld, c);
}

/* An ordinary byte: echoed and queued. */
static void plain_char(struct ldisc *ld, uint8_t c, bool nl_raw)
{
	if ((ld->t.iflag & IXON) && (ld->t.iflag & IXANY))
		ldisc_start(ld);
	if (ld->t.lflag & ECHO) {
		ldisc_finish_erasing(ld);
		if (c == '\n' && nl_raw) {
			ldisc_echo_raw(ld, '\n');
		} else {
			if (ld->canon_head == ld->in.head)
				ld->canon_column = ld->column;
			ldisc_echo_char(ld, c);
		}
	}
	if (c == 0377 && (ld->t.iflag & PARMRK))
		in_put(ld, c);
	in_put(ld, c);
}

/* Is c one of the bytes the settings give a meaning (Linux's char_map)? */
static bool special(const struct ldisc *ld, uint8_t c)
{
	uint32_t in = ld->t.iflag, lf = ld->t.lflag;
	if (c == DISABLED)
		return false;
	if ((c == '\r' && (in & (IGNCR | ICRNL))) || (c == '\n' && (in & INLCR)))
		return true;
	if ((lf & ICANON) &&
	    (c == '\n' || cc_is(ld, VERASE, c) || cc_is(ld, VKILL, c) || cc_is(ld, VEOF, c) ||
	     cc_is(ld, VEOL, c) ||
	     ((lf & IEXTEN) && (cc_is(ld, VWERASE, c) || cc_is(ld, VLNEXT, c) ||
				cc_is(ld, VEOL2, c) || ((lf & ECHO) && cc_is(ld, VREPRINT, c))))))
		return true;
	if ((in & IXON) && (cc_is(ld, VSTART, c) || cc_is(ld, VSTOP, c)))
		return true;
	return (lf & ISIG) && (cc_is(ld, VINTR, c) || cc_is(ld, VQUIT, c) || cc_is(ld, VSUSP, c));
}

static void special_char(struct ldisc *ld, uint8_t c)
{
	uint32_t in = ld->t.iflag, lf = ld->t.lflag;
	if ((in & IXON) && (cc_is(ld, VSTART, c) || cc_is(ld, VSTOP, c))) {
		if (cc_is(ld, VSTART, c))
			ldisc_start(ld);
		else
			ldisc_stop(ld);
		return;
	}
	if (lf & ISIG) {
		int sig = cc_is(ld, VINTR, c) ? SIGINT : cc_is(ld, VQUIT, c) ? SIGQUIT :
			  cc_is(ld, VSUSP, c) ? SIGTSTP : 0;
		if (sig) {
			signal_char(ld, sig, c);
			return;
		}
	}
	if ((in & IXON) && (in & IXANY))
		ldisc_start(ld);
	if (c == '\r') {
		if (in & IGNCR)
			return;
		if (in & ICRNL)
			c = '\n';
	} else if (c == '\n' && (in & INLCR)) {
		c = '\r';
	}
	if ((lf & ICANON) && canon_char(ld, c))
		return;
	plain_char(ld, c, true);
}

static void receive_char(struct ldisc *ld, uint8_t c)
{
	if (ld->t.iflag & ISTRIP)
		c &= 0x7f;
	if ((ld->t.iflag & IUCLC) && (ld->t.lflag & IEXTEN))
		c = ldisc_tolower(c);
	if (ld->t.lflag & EXTPROC) {
		in_put(ld, c);
	} else if (ld->lnext) {
		ld->lnext = false;
		plain_char(ld, c, false);
	} else if (special(ld, c)) {
		special_char(ld, c);
	} else {
		plain_char(ld, c, false);
	}
}

bool ldisc_in_room(const struct ldisc *ld)
{
	if (ld->in.head - ld->in.tail < LDISC_IN_SIZE - 1)
		return true;
	/* Full without a complete line: input goes on (in_put keeps the newest byte). */
	return (ld->t.lflag & ICANON) && ld->canon_head == ld->in.tail;
}

size_t ldisc_receive(struct ldisc *ld, const uint8_t *buf, size_t len)
{
	size_t i;
	for (i = 0; i < len && ldisc_in_room(ld); i++)
		receive_char(ld, buf[i]);
	return i;
}

bool ldisc_readable(const struct ldisc *ld, bool poll)
{
	if ((ld->t.lflag & ICANON) && !(ld->t.lflag & EXTPROC))
		return ld->canon_head != ld->in.tail;
	size_t want = poll && !ld->t.cc[VTIME] && ld->t.cc[VMIN] ? ld->t.cc[VMIN] : 1;
	return ldisc_in_raw(ld) >= want;
}

size_t ldisc_in_count(const struct ldisc *ld)
{
	if (!(ld->t.lflag & ICANON) || (ld->t.lflag & EXTPROC))
		return ldisc_in_raw(ld);
	size_t n = ld->canon_head - ld->in.tail;
	for (uint32_t pos = ld->in.tail; pos != ld->canon_head; pos++)
		if (line_end_at(ld, pos) && ldisc_ring_get(&ld->in, pos) == DISABLED)
			n--;            /* end-of-file marks are not read */
	return n;
}

static void in_copy(struct ldisc *ld, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = ldisc_ring_get(&ld->in, ld->in.tail + (uint32_t)i);
}

/* Up to one line (Linux's canon_copy_from_read_buf): the line end is looked for among the first
   len bytes; an end-of-file mark ends the line without being copied. */
static size_t canon_read(struct ldisc *ld, uint8_t *buf, size_t len)
{
	size_t n = MIN(len, (size_t)(ld->canon_head - ld->in.tail)), i;
	for (i = 0; i < n; i++)
		if (line_end_at(ld, ld->in.tail + (uint32_t)i))
			break;
	if (i == n) {
		in_copy(ld, buf, n);
		ld->in.tail += (uint32_t)n;
		return n;
	}
	uint32_t eol = ld->in.tail + (uint32_t)i;
	size_t copy = ldisc_ring_get(&ld->in, eol) == DISABLED ? i : i + 1;
	in_copy(ld, buf, copy);
	line_end_set(ld, eol, false);
	ld->in.tail = eol + 1;
	return copy;
}

size_t ldisc_read(struct ldisc *ld, uint8_t *buf, size_t len)
{
	if ((ld->t.lflag & ICANON) && !(ld->t.lflag & EXTPROC))
		return canon_read(ld, buf, len);
	size_t n = MIN(len, ldisc_in_raw(ld));
	in_copy(ld, buf, n);
	ld->in.tail += (uint32_t)n;
	return n;
}

void ldisc_set_termios(struct ldisc *ld, const struct ktermios *t)
{
	struct ktermios old = ld->t;
	ld->t = *t;
	if ((old.lflag ^ t->lflag) & (ICANON | EXTPROC)) {
		/* Pending input becomes one line when canonical mode starts, as on Linux. */
		memset(ld->line_end, 0, sizeof(ld->line_end));
		if (!(t->lflag & ICANON) || ld->in.head == ld->in.tail) {
			ld->canon_head = ld->in.tail;
		} else {
			line_end_set(ld, ld->in.head - 1, true);
			ld->canon_head = ld->in.head;
		}
		ld->erasing = ld->lnext = false;
	}
	if (!(t->iflag & IXON) && (old.iflag & IXON))
		ldisc_start(ld);
	/* Packet mode tells the master whether ^S/^Q flow control is on. */
	bool old_flow = (old.iflag & IXON) && old.cc[VSTART] == 021 && old.cc[VSTOP] == 023;
	bool new_flow = (t->iflag & IXON) && t->cc[VSTART] == 021 && t->cc[VSTOP] == 023;
	if (old_flow != new_flow && ld->pkt)
		ld->pkt(ld, new_flow ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP);
}

void ldisc_flush_in(struct ldisc *ld)
{
	ld->in.tail = ld->canon_head = ld->in.head;
	memset(ld->line_end, 0, sizeof(ld->line_end));
	ld->erasing = ld->lnext = false;
	if (ld->pkt)
		ld->pkt(ld, TIOCPKT_FLUSHREAD);
}
