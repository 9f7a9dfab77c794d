/* The monitor's checked guest-memory helper and hypercall handlers, against a byte array standing
   in for guest memory and pipes standing in for the host's stdio. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <signal.h>
#include <poll.h>
#include <sys/mman.h>
#include "monitor/hc.h"

#define MEM 65536
static uint8_t guest[MEM];
static struct hc_ctx ctx;
static int out_pipe[2], in_pipe[2];

static int setup(void **state)
{
	memset(guest, 0, sizeof(guest));
	memset(&ctx, 0, sizeof(ctx));
	ctx.mem.base = guest;
	ctx.mem.size = MEM;
	assert_int_equal(pipe(out_pipe), 0);
	assert_int_equal(pipe(in_pipe), 0);
	ctx.fd_out = out_pipe[1];
	ctx.fd_err = out_pipe[1];
	ctx.fd_in = in_pipe[0];
	return 0;
}

static int teardown(void **state)
{
	hc_console_free(&ctx);
	close(out_pipe[0]);
	close(out_pipe[1]);
	close(in_pipe[0]);
	close(in_pipe[1]);
	return 0;
}

static void test_gmem_bounds(void **state)
{
	assert_ptr_equal(gmem_ptr(&ctx.mem, 0, 1), guest);
	assert_ptr_equal(gmem_ptr(&ctx.mem, MEM - 1, 1), guest + MEM - 1);
	assert_non_null(gmem_ptr(&ctx.mem, MEM, 0));
	assert_null(gmem_ptr(&ctx.mem, MEM, 1));
	assert_null(gmem_ptr(&ctx.mem, MEM - 1, 2));
	assert_null(gmem_ptr(&ctx.mem, UINT64_MAX, 1));
	assert_null(gmem_ptr(&ctx.mem, 1, UINT64_MAX));        /* gpa + len wraps */
	assert_null(gmem_ptr(&ctx.mem, UINT64_MAX - 5, 10));
	assert_null(gmem_ptr(&ctx.mem, 0, MEM + 1));
}

static void put_io(uint64_t at, uint32_t fd, uint64_t buf, uint64_t len)
{
	struct unik_hc_io io = { .fd = fd, .buf = buf, .len = len, .ret = 12345 };
	memcpy(guest + at, &io, sizeof(io));
}

static int64_t io_ret(uint64_t at)
{
	struct unik_hc_io io;
	memcpy(&io, guest + at, sizeof(io));
	return io.ret;
}

static void test_write_reaches_host_fd(void **state)
{
	memcpy(guest + 0x2000, "hello", 5);
	put_io(0x100, 1, 0x2000, 5);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), 5);
	char buf[8] = { 0 };
	assert_int_equal(read(out_pipe[0], buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
}

static void test_write_bad_inputs(void **state)
{
	put_io(0x100, 7, 0x2000, 5);                            /* not a console fd */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), -EBADF);
	put_io(0x100, 1, MEM - 2, 5);                           /* buffer runs off the end */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), -EFAULT);
	put_io(0x100, 1, UINT64_MAX, 2);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), -EFAULT);
	/* The argument struct itself out of range: the request is malformed. */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, MEM - 8), HC_BAD);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, UINT32_MAX), HC_BAD);
}

#define IMG_GPA (1ull << 30)
static const uint8_t image[4096] = "from the image";

static void test_image_is_a_source_only(void **state)
{
	ctx.mem.img = image;
	ctx.mem.img_gpa = IMG_GPA;
	ctx.mem.img_len = sizeof(image);
	assert_ptr_equal(gmem_src(&ctx.mem, IMG_GPA, 4), image);
	assert_ptr_equal(gmem_src(&ctx.mem, 0x10, 4), guest + 0x10);
	assert_non_null(gmem_src(&ctx.mem, IMG_GPA + sizeof(image), 0));
	assert_null(gmem_src(&ctx.mem, IMG_GPA + sizeof(image), 1));
	assert_null(gmem_src(&ctx.mem, IMG_GPA - 1, 2));         /* below the image */
	assert_null(gmem_src(&ctx.mem, MEM - 1, 2));             /* RAM's end, not the image */
	assert_null(gmem_src(&ctx.mem, IMG_GPA + 1, UINT64_MAX));
	assert_null(gmem_src(&ctx.mem, UINT64_MAX, 1));
	assert_null(gmem_ptr(&ctx.mem, IMG_GPA, 1));            /* never a destination */
	/* The console writes from the image; stdin is never read into it. */
	put_io(0x100, 1, IMG_GPA, 14);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), 14);
	char buf[16] = { 0 };
	assert_int_equal(read(out_pipe[0], buf, sizeof(buf)), 14);
	assert_string_equal(buf, "from the image");
	assert_int_equal(write(in_pipe[1], "abc", 3), 3);
	put_io(0x100, 0, IMG_GPA, 3);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_READ, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), -EFAULT);
}

static void test_write_to_closed_pipe_is_epipe(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	close(out_pipe[0]);
	out_pipe[0] = dup(in_pipe[0]);  /* keep teardown's close balanced */
	memcpy(guest + 0x2000, "x", 1);
	put_io(0x100, 2, 0x2000, 1);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_WRITE, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), -EPIPE);
}

static void test_read_from_host_stdin(void **state)
{
	assert_int_equal(write(in_pipe[1], "abc", 3), 3);
	put_io(0x100, 0, 0x3000, 100);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_READ, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), 3);
	assert_memory_equal(guest + 0x3000, "abc", 3);
	close(in_pipe[1]);
	in_pipe[1] = dup(in_pipe[0]);
	put_io(0x100, 0, 0x3000, 100);                          /* EOF */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_READ, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), 0);
	put_io(0x100, 1, 0x3000, 100);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_READ, 0x100), HC_OK);
	assert_int_equal(io_ret(0x100), -EBADF);
}

static void test_exit_and_after(void **state)
{
	struct unik_hc_exit e = { .status = 0x1234 };
	memcpy(guest + 0x200, &e, sizeof(e));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_EXIT, 0x200), HC_STOP);
	assert_int_equal(ctx.exit_status, 0x34);
	/* No call is accepted once the guest has exited. */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_CLOCK, 0x200), HC_BAD);
}

static void test_unknown_numbers(void **state)
{
	assert_int_equal(hc_dispatch(&ctx, 0, 0x100), HC_BAD);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_MAX, 0x100), HC_BAD);
	assert_int_equal(hc_dispatch(&ctx, UINT32_MAX, 0x100), HC_BAD);
}

/* Waits up to 2 s until every page of [from, to) of m is resident on the host. */
static bool resident(uint8_t *m, uint64_t from, uint64_t to)
{
	size_t n = (to - from) / 4096;
	unsigned char vec[n];
	for (int tries = 0; tries < 200; tries++) {
		bool all = !mincore(m + from, to - from, vec);
		for (size_t i = 0; all && i < n; i++)
			all = vec[i] & 1;
		if (all)
			return true;
		usleep(10000);
	}
	return false;
}

/* UNIK_HC_MEM_AHEAD: the monitor populates the first stretch of guest memory at once and then
   past the frontier the guest publishes, in the background, never changing its content, within
   guest memory; a bad frontier is ignored. */
static void test_mem_ahead(void **state)
{
	const uint64_t size = 32ull << 20, start = 1ull << 20;
	uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	struct hc_ctx c = { .mem = { .base = m, .size = size } };
	assert_int_equal(hc_dispatch(&c, UNIK_HC_MEM_AHEAD, 0), HC_OK);        /* none: ignored */
	assert_int_equal(hc_dispatch(&c, UNIK_HC_MEM_AHEAD, 8), HC_BAD);       /* takes no argument */
	c.mem_ahead = mem_ahead_start(m, start, size);
	assert_non_null(c.mem_ahead);
	assert_int_equal(mem_ahead_target(c.mem_ahead), start + (4ull << 20));
	assert_true(resident(m, start, start + (4ull << 20)));  /* from the start, unasked */
	struct unik_boot_info *bi = (struct unik_boot_info *)(m + UNIK_BOOT_INFO_GPA);
	m[(6ull << 20) + 100] = 0x5a;           /* written by the guest before the monitor got there */
	bi->mem_ahead = 1;
	bi->mem_bump = size + 4096;             /* outside guest memory */
	assert_int_equal(hc_dispatch(&c, UNIK_HC_MEM_AHEAD, 0), HC_OK);
	assert_int_equal(bi->mem_ahead, 1);
	bi->mem_bump = 0;                       /* below the allocatable range */
	assert_int_equal(hc_dispatch(&c, UNIK_HC_MEM_AHEAD, 0), HC_OK);
	assert_int_equal(bi->mem_ahead, 1);
	bi->mem_bump = 3ull << 20;
	assert_int_equal(hc_dispatch(&c, UNIK_HC_MEM_AHEAD, 0), HC_OK);
	assert_int_equal(bi->mem_ahead, 7ull << 20);
	assert_true(resident(m, 5ull << 20, 7ull << 20));
	assert_int_equal(m[(6ull << 20) + 100], 0x5a);
	bi->mem_bump = size - (1ull << 20);     /* never past the end */
	assert_int_equal(hc_dispatch(&c, UNIK_HC_MEM_AHEAD, 0), HC_OK);
	assert_int_equal(bi->mem_ahead, size);
	assert_true(resident(m, size - (1ull << 20), size));
	mem_ahead_stop(c.mem_ahead);
	munmap(m, size);
}

static void test_clock(void **state)
{
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_CLOCK, 0x400), HC_OK);
	struct unik_hc_clock c;
	memcpy(&c, guest + 0x400, sizeof(c));
	assert_true(c.realtime_ns > 1600000000ll * 1000000000ll);
	assert_true(c.monotonic_ns > 0);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_CLOCK, MEM - 4), HC_BAD);
}

static void test_sleep(void **state)
{
	struct unik_hc_sleep s = { .ns = 2000000, .ret = 99 };
	memcpy(guest + 0x500, &s, sizeof(s));
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_SLEEP, 0x500), HC_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	memcpy(&s, guest + 0x500, sizeof(s));
	assert_int_equal(s.ret, 0);
	assert_true((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec) >= 2000000);
	s.ns = -5;                      /* nothing to wait for */
	memcpy(guest + 0x500, &s, sizeof(s));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_SLEEP, 0x500), HC_OK);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_SLEEP, MEM - 8), HC_BAD);
}

/* Console readiness: what the host's fds say, a timeout that lasts, the guest's request bits
   limited to POLLIN/POLLOUT, and a request that does not fit in guest memory. */
static void test_poll(void **state)
{
	struct unik_hc_poll p = { .timeout_ns = 0, .events = { POLLIN, POLLOUT, 0 }, .ret = 99 };
	memcpy(guest + 0x600, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, 0x600), HC_OK);
	memcpy(&p, guest + 0x600, sizeof(p));
	assert_int_equal(p.ret, 1);                     /* stdout (a pipe) is writable */
	assert_int_equal(p.revents[0], 0);              /* stdin (an empty pipe) is not readable */
	assert_int_equal(p.revents[1], POLLOUT);
	assert_int_equal(p.revents[2], 0);              /* not asked */

	assert_int_equal(write(in_pipe[1], "x", 1), 1);
	p = (struct unik_hc_poll){ .timeout_ns = -1, .events = { POLLIN | 0xff00u, 0, 0 } };
	memcpy(guest + 0x600, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, 0x600), HC_OK);
	memcpy(&p, guest + 0x600, sizeof(p));
	assert_int_equal(p.ret, 1);
	assert_int_equal(p.revents[0], POLLIN);

	char c;
	assert_int_equal(read(in_pipe[0], &c, 1), 1);
	p = (struct unik_hc_poll){ .timeout_ns = 20000000, .events = { POLLIN, 0, 0 } };
	memcpy(guest + 0x600, &p, sizeof(p));
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, 0x600), HC_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	memcpy(&p, guest + 0x600, sizeof(p));
	assert_int_equal(p.ret, 0);
	assert_true((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec) >= 20000000);

	close(in_pipe[1]);                              /* hang-up is reported though not asked */
	in_pipe[1] = dup(out_pipe[1]);
	p = (struct unik_hc_poll){ .timeout_ns = 0, .events = { POLLIN, 0, 0 } };
	memcpy(guest + 0x600, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, 0x600), HC_OK);
	memcpy(&p, guest + 0x600, sizeof(p));
	assert_int_equal(p.ret, 1);
	assert_true(p.revents[0] & POLLHUP);

	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, MEM - 16), HC_BAD);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, UINT64_MAX - 8), HC_BAD);
}

/* Edges for edge-triggered epoll: counted per fd and direction in the boot info; an fd asked
   with UNIK_POLL_EDGE is not ready again until new data comes, though unread data remains. */
static uint64_t seq_in0(void)
{
	struct unik_boot_info *bi = (struct unik_boot_info *)(guest + UNIK_BOOT_INFO_GPA);
	return bi->console_seq_in[0];
}

static int64_t poll_edge(int64_t timeout_ns, uint16_t *rev0)
{
	struct unik_hc_poll p = { .timeout_ns = timeout_ns,
				  .events = { POLLIN | UNIK_POLL_EDGE, 0, 0 } };
	memcpy(guest + 0x600, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, 0x600), HC_OK);
	memcpy(&p, guest + 0x600, sizeof(p));
	*rev0 = (uint16_t)p.revents[0];
	return p.ret;
}

static void test_poll_edges(void **state)
{
	uint16_t rev;
	assert_int_equal(poll_edge(0, &rev), 0);        /* sets the edges up: nothing yet */
	uint64_t s0 = seq_in0();
	assert_int_equal(s0, 1);
	assert_int_equal(write(in_pipe[1], "x", 1), 1);
	assert_int_equal(poll_edge(0, &rev), 1);        /* the write is an edge */
	assert_int_equal(rev, POLLIN);
	assert_int_equal(seq_in0(), s0 + 1);
	assert_int_equal(poll_edge(20000000, &rev), 0); /* still readable, but no new edge */
	assert_int_equal(seq_in0(), s0 + 1);
	assert_int_equal(write(in_pipe[1], "y", 1), 1);
	assert_int_equal(poll_edge(-1, &rev), 1);
	assert_int_equal(seq_in0(), s0 + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gmem_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_is_a_source_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_reaches_host_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_bad_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_to_closed_pipe_is_epipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_from_host_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_and_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_edges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
