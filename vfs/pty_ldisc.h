/* The line discipline of a pseudo-terminal's slave (Linux's N_TTY, vfs/pty_ldisc.c): termios,
   input processing into the slave's read queue (canonical editing, echo, signal characters, flow
   control) and output processing into the queue the master reads. Pure: no waiting, no
   processes; the pty (vfs/pty.c) blocks, wakes and signals around it. */
#ifndef VFS_PTY_LDISC_H
#define VFS_PTY_LDISC_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* Linux's struct termios2 (kernel layout); TCGETS and TCSETS move its first 36 bytes. */
#define KNCCS 19
struct ktermios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[KNCCS];
	uint32_t ispeed, ospeed;
};
_Static_assert(sizeof(struct ktermios) == 44, "termios2");
#define KTERMIOS_V1_SIZE 36

/* c_cc */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16
/* c_iflag */
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IUCLC 0001000
#define IXON 0002000
#define IXANY 0004000
#define PARMRK 0000010
#define IUTF8 0040000
/* c_oflag */
#define OPOST 0000001
#define OLCUC 0000002
#define ONLCR 0000004
#define OCRNL 0000010
#define ONOCR 0000020
#define ONLRET 0000040
#define TABDLY 0014000
#define XTABS 0014000
/* c_lflag */
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHOCTL 0001000
#define ECHOPRT 0002000
#define ECHOKE 0004000
#define IEXTEN 0100000
#define EXTPROC 0200000

/* Packet-mode status (TIOCPKT), reported to the master. */
#define TIOCPKT_FLUSHREAD 1
#define TIOCPKT_FLUSHWRITE 2
#define TIOCPKT_STOP 4
#define TIOCPKT_START 8
#define TIOCPKT_NOSTOP 16
#define TIOCPKT_DOSTOP 32

#define LDISC_IN_SIZE 4096      /* the slave's read queue: Linux's N_TTY_BUF_SIZE */
#define LDISC_OUT_SIZE 8192     /* output waiting for the master's reader */
#define LDISC_PAGES ((LDISC_IN_SIZE + LDISC_OUT_SIZE) / 4096)

/* A queue of bytes over 4 KiB pages; head and tail run freely (their difference is the count). */
struct ldisc_ring {
	uint8_t *page[LDISC_OUT_SIZE / 4096];
	uint32_t size;
	uint32_t head, tail;
};

struct ldisc {
	struct ktermios t;
	struct ldisc_ring in;           /* the slave reads here */
	uint8_t line_end[LDISC_IN_SIZE / 8];    /* canonical mode: bytes that end a line */
	uint32_t canon_head;            /* in: end of the last complete line */
	struct ldisc_ring out;          /* the master reads here */
	uint32_t column, canon_column;  /* output column; where the line being edited began */
	bool lnext, erasing, stopped;
	/* VINTR, VQUIT, VSUSP: the pty sends sig to the foreground group. */
	void (*isig)(struct ldisc *ld, int sig);
	/* Flushes, stops and starts the master hears of in packet mode (TIOCPKT_* bits). */
	void (*pkt)(struct ldisc *ld, unsigned status);
};

/* Sets up ld with Linux's termios for a new pty over LDISC_PAGES zeroed pages. */
void ldisc_init(struct ldisc *ld, uint8_t *const pages[LDISC_PAGES]);
/* Input from the master: processes bytes while the read queue has room; returns how many it
   took (0: full, the writer waits). */
size_t ldisc_receive(struct ldisc *ld, const uint8_t *buf, size_t len);
/* Output of the slave through OPOST into the master's queue: returns the bytes taken (0: full
   or stopped). */
size_t ldisc_write(struct ldisc *ld, const uint8_t *buf, size_t len);
/* Can the slave read? poll applies Linux's poll rule for non-canonical mode (VMIN bytes when
   VTIME is 0). */
bool ldisc_readable(const struct ldisc *ld, bool poll);
/* Bytes the slave has to read: complete lines without EOF marks (canonical), or all. */
size_t ldisc_in_count(const struct ldisc *ld);
/* Bytes in the slave's queue in any mode (VMIN). */
static inline size_t ldisc_in_raw(const struct ldisc *ld) { return ld->in.head - ld->in.tail; }
/* The slave's read: one line at most (canonical; 0 for an end of file), else up to len. */
size_t ldisc_read(struct ldisc *ld, uint8_t *buf, size_t len);
/* The master's side: bytes waiting, their read, room for the slave's output. */
static inline size_t ldisc_out_count(const struct ldisc *ld) { return ld->out.head - ld->out.tail; }
size_t ldisc_out_read(struct ldisc *ld, uint8_t *buf, size_t len);
static inline bool ldisc_out_room(const struct ldisc *ld)
{
	return !ld->stopped && ldisc_out_count(ld) < ld->out.size;
}
/* Room for the master's input (a write would take a byte). */
bool ldisc_in_room(const struct ldisc *ld);
/* TCSETS: new settings, with Linux's handling of pending input on a change of ICANON. */
void ldisc_set_termios(struct ldisc *ld, const struct ktermios *t);
/* TCFLSH: drop the slave's pending input / the output the master has not read. */
void ldisc_flush_in(struct ldisc *ld);
void ldisc_flush_out(struct ldisc *ld);
/* Output flow (VSTOP/VSTART, TCXONC). */
void ldisc_stop(struct ldisc *ld);
void ldisc_start(struct ldisc *ld);

/* Internals shared by pty_ldisc.c (input) and pty_ldisc_out.c (output and echo). */
/* Linux's ctype for bytes: Latin-1 beyond ASCII (128-159 are control characters). */
static inline bool ldisc_iscntrl(uint8_t c) { return c < 32 || (c >= 127 && c < 160); }
static inline bool ldisc_isalnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 192 && c != 215 && c != 247);
}
static inline uint8_t ldisc_toupper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 223 && c != 247) ? (uint8_t)(c - 32) : c;
}
static inline uint8_t ldisc_tolower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 192 && c <= 222 && c != 215) ? (uint8_t)(c + 32) : c;
}
static inline uint8_t *ldisc_ring_at(struct ldisc_ring *r, uint32_t pos)
{
	pos %= r->size;
	return &r->page[pos / 4096][pos % 4096];
}
static inline uint8_t ldisc_ring_get(const struct ldisc_ring *r, uint32_t pos)
{
	return ldisc_ring_at((struct ldisc_ring *)r, pos)[0];
}
/* A UTF-8 continuation byte under IUTF8: no column of its own, never erased alone. */
static inline bool ldisc_continuation(const struct ldisc *ld, uint8_t c)
{
	return (ld->t.iflag & IUTF8) && (c & 0xc0) == 0x80;
}
/* Echoes (through OPOST; what does not fit in the master's queue is lost). */
void ldisc_echo_raw(struct ldisc *ld, uint8_t c);
/* c as ^X under ECHOCTL when it is a control character (not a tab), else as itself. */
void ldisc_echo_char(struct ldisc *ld, uint8_t c);
/* ECHOPRT's closing '/' after erased characters. */
void ldisc_finish_erasing(struct ldisc *ld);
/* The echo of one erased character c that began at pos and took cnt bytes (erase: by VERASE). */
void ldisc_echo_erased(struct ldisc *ld, uint8_t c, uint32_t pos, uint32_t cnt, bool erase);
#endif
