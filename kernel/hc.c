/* Hypercalls: `outl` of the argument struct's guest-physical address to the call's port. Argument
   structs live in the kernel image (below 4 GiB, physically contiguous). */
#include "k/kernel.h"
#include "k/hc.h"

static struct unik_hc_io hc_io;
static struct unik_hc_exit hc_ex;
static struct unik_hc_clock hc_clk;

static inline void hc_call(unsigned nr, void *arg)
{
	uint32_t gpa = (uint32_t)virt_to_phys(arg);
	__asm__ volatile("outl %0, %w1" : : "a"(gpa), "Nd"((uint16_t)(UNIK_HC_PORT_BASE + nr))
			 : "memory");
}

int64_t hc_write(int fd, const void *buf, size_t len)
{
	hc_io.fd = (uint32_t)fd;
	hc_io.buf = virt_to_phys(buf);
	hc_io.len = len;
	hc_io.ret = -EIO;
	hc_call(UNIK_HC_WRITE, &hc_io);
	return hc_io.ret;
}

int64_t hc_read(void *buf, size_t len)
{
	hc_io.fd = 0;
	hc_io.buf = virt_to_phys(buf);
	hc_io.len = len;
	hc_io.ret = -EIO;
	hc_call(UNIK_HC_READ, &hc_io);
	return hc_io.ret;
}

void hc_clock(int64_t *realtime, int64_t *monotonic)
{
	hc_call(UNIK_HC_CLOCK, &hc_clk);
	*realtime = hc_clk.realtime_ns;
	*monotonic = hc_clk.monotonic_ns;
}

void hc_exit(int status)
{
	hc_ex.status = status;
	for (;;)
		hc_call(UNIK_HC_EXIT, &hc_ex);
}
