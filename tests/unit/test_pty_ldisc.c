/* The pty line discipline (vfs/pty_ldisc.c) against what Linux's N_TTY does, byte for byte:
   canonical editing and its echo, end of file, signal characters and their flush, raw mode and
   VMIN for poll, OPOST, the full queues, and a change of ICANON with input pending. The expected
   bytes were taken from a Linux 6.x pty (compat-tests/src/pty.c checks the same natively). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "vfs/pty_ldisc.h"

static uint8_t pages[LDISC_PAGES][4096];
static struct ldisc ld;
static int signals[8], nsignals;
static unsigned pkt_status;

static void on_isig(struct ldisc *l, int sig) { signals[nsignals++] = sig; }
static void on_pkt(struct ldisc *l, unsigned status) { pkt_status |= status; }

static int setup(void **state)
{
	uint8_t *p[LDISC_PAGES];
	memset(pages, 0, sizeof(pages));
	memset(&ld, 0, sizeof(ld));
	for (int i = 0; i < LDISC_PAGES; i++)
		p[i] = pages[i];
	ldisc_init(&ld, p);
	ld.isig = on_isig;
	ld.pkt = on_pkt;
	nsignals = 0;
	pkt_status = 0;
	return 0;
}

/* Feeds in to the master's side and checks what the master reads back. */
static void feed(const char *in, const char *echo)
{
	size_t len = strlen(in);
	assert_int_equal(ldisc_receive(&ld, (const uint8_t *)in, len), len);
	char out[512];
	size_t n = ldisc_out_read(&ld, (uint8_t *)out, sizeof(out));
	assert_int_equal(n, strlen(echo));
	assert_memory_equal(out, echo, n);
}

static void slave_reads(const char *want)
{
	char buf[512];
	size_t n = ldisc_read(&ld, (uint8_t *)buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_defaults_are_linux_ones(void **state)
{
	assert_int_equal(ld.t.iflag, 02400);
	assert_int_equal(ld.t.oflag, 05);
	assert_int_equal(ld.t.cflag, 0277);
	assert_int_equal(ld.t.lflag, 0105073);
	static const uint8_t cc[KNCCS] = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 };
	assert_memory_equal(ld.t.cc, cc, KNCCS);
}

static void test_canonical_editing_and_echo(void **state)
{
	feed("abc\bd\n", "abc^Hd\r\n");         /* ^H is no VERASE by default */
	slave_reads("abc\bd\n");
	feed("abc\x7f" "d\n", "abc\b \bd\r\n");
	slave_reads("abd\n");
	feed("x\x15y", "x\b \by");
	feed("q\x01\x7f\x7f", "q^A\b \b\b \b\b \b");
	feed("ab cd\x17\n", "ab cd\b \b\b \b\r\n");
	slave_reads("yab \n");
	feed("\x16\x03\n", "^\b^C\r\n");
	slave_reads("\x03\n");
	assert_int_equal(nsignals, 0);
}

static void test_tab_erase_goes_back_to_the_tab_start(void **state)
{
	feed("ab\tc\x7f\x7f\x7f\n", "ab\tc\b \b\b\b\b\b\b\b\b \b\r\n");
	slave_reads("a\n");
}

static void test_end_of_file(void **state)
{
	feed("tail", "tail");
	assert_false(ldisc_readable(&ld, false));
	assert_int_equal(ldisc_in_count(&ld), 0);
	feed("\x04", "");
	assert_int_equal(ldisc_in_count(&ld), 4);
	slave_reads("tail");
	feed("\x04", "");
	assert_true(ldisc_readable(&ld, false));
	slave_reads("");
	assert_false(ldisc_readable(&ld, false));
}

static void test_signal_characters_flush_unless_noflsh(void **state)
{
	feed("abc", "abc");
	feed("\x03", "^C");
	assert_int_equal(nsignals, 1);
	assert_int_equal(signals[0], 2);
	assert_int_equal(pkt_status, TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
	feed("d\n", "d\r\n");
	slave_reads("d\n");
	ld.t.lflag |= NOFLSH;
	feed("ef\x1c\n", "ef^\\\r\n");
	assert_int_equal(signals[1], 3);
	slave_reads("ef\n");
}

static void test_raw_mode_and_vmin(void **state)
{
	struct ktermios t = ld.t;
	t.iflag = t.oflag = t.lflag = 0;
	t.cc[VMIN] = 3;
	ldisc_set_termios(&ld, &t);
	feed("a\r\n\x03", "");
	assert_true(ldisc_readable(&ld, false));
	assert_true(ldisc_readable(&ld, true));
	slave_reads("a\r\n\x03");
	feed("xy", "");
	assert_true(ldisc_readable(&ld, false));
	assert_false(ldisc_readable(&ld, true));       /* poll waits for VMIN bytes */
	assert_int_equal(ldisc_write(&ld, (const uint8_t *)"o\n", 2), 2);
	char out[8];
	assert_int_equal(ldisc_out_read(&ld, (uint8_t *)out, sizeof(out)), 2);
	assert_memory_equal(out, "o\n", 2);
}

static void test_output_processing(void **state)
{
	ld.t.oflag |= XTABS | OCRNL;
	const char *in = "ab\tc\rd\n";
	assert_int_equal(ldisc_write(&ld, (const uint8_t *)in, strlen(in)), strlen(in));
	char out[64];
	size_t n = ldisc_out_read(&ld, (uint8_t *)out, sizeof(out));
	assert_int_equal(n, 13);
	assert_memory_equal(out, "ab      c\nd\r\n", 13);
}

static void test_full_queues(void **state)
{
	uint8_t buf[LDISC_OUT_SIZE + 16];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ldisc_write(&ld, buf, sizeof(buf)), LDISC_OUT_SIZE);
	assert_false(ldisc_out_room(&ld));
	ld.t.lflag &= ~ECHO;
	/* Canonical input without a line end never blocks: the newest byte replaces the last. */
	assert_int_equal(ldisc_receive(&ld, buf, LDISC_IN_SIZE + 100), LDISC_IN_SIZE + 100);
	assert_int_equal(ldisc_receive(&ld, (const uint8_t *)"\n", 1), 1);
	assert_int_equal(ldisc_in_count(&ld), LDISC_IN_SIZE - 1);
	assert_false(ldisc_in_room(&ld));               /* a complete line: the writer waits */
	assert_int_equal(ldisc_receive(&ld, buf, 1), 0);
	uint8_t line[LDISC_IN_SIZE];
	assert_int_equal(ldisc_read(&ld, line, sizeof(line)), LDISC_IN_SIZE - 1);
	assert_int_equal(line[LDISC_IN_SIZE - 2], '\n');
}

static void test_canonical_switch_makes_pending_input_a_line(void **state)
{
	struct ktermios t = ld.t;
	t.lflag &= ~(ICANON | ECHO);
	ldisc_set_termios(&ld, &t);
	feed("pend", "");
	t.lflag |= ICANON;
	ldisc_set_termios(&ld, &t);
	assert_true(ldisc_readable(&ld, false));
	slave_reads("pend");
}

static void test_ixon_stops_output(void **state)
{
	feed("\x13", "");
	assert_true(ld.stopped);
	assert_int_equal(ldisc_write(&ld, (const uint8_t *)"z", 1), 0);
	assert_int_equal(pkt_status, TIOCPKT_STOP);
	feed("\x11", "");
	assert_false(ld.stopped);
	assert_int_equal(ldisc_write(&ld, (const uint8_t *)"z", 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults_are_linux_ones, setup),
		cmocka_unit_test_setup(test_canonical_editing_and_echo, setup),
		cmocka_unit_test_setup(test_tab_erase_goes_back_to_the_tab_start, setup),
		cmocka_unit_test_setup(test_end_of_file, setup),
		cmocka_unit_test_setup(test_signal_characters_flush_unless_noflsh, setup),
		cmocka_unit_test_setup(test_raw_mode_and_vmin, setup),
		cmocka_unit_test_setup(test_output_processing, setup),
		cmocka_unit_test_setup(test_full_queues, setup),
		cmocka_unit_test_setup(test_canonical_switch_makes_pending_input_a_line, setup),
		cmocka_unit_test_setup(test_ixon_stops_output, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
