/* The kernel's side of lwIP's port for host tests (tests/unit/test_lwip.c, test_lease.c): kmalloc
   with the kernel's one-page limit and a check of kfree's size, page runs for lwIP's big
   blocks, a fake millisecond clock, a fixed random sequence; assertions fail the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "arch/sys_arch.h"
#include "k/kheap.h"
#include "tests/unit/lwip_host.h"

uint32_t fake_ms = 1000;
static uint32_t rand_state = 0x12345678;
long heap_live;
int heap_bad_frees;
int heap_oversize;

/* Each block remembers its kmalloc size in front of it, to check kfree's argument. */
void *kmalloc(size_t size)
{
	if (size == 0 || size > 4096) {
		heap_oversize++;
		return NULL;
	}
	size_t *b = calloc(1, 16 + size);
	if (!b)
		return NULL;
	b[0] = size;
	heap_live++;
	return (char *)b + 16;
}

void kfree(void *p, size_t size)
{
	if (!p)
		return;
	size_t *b = (size_t *)((char *)p - 16);
	if (b[0] != size)
		heap_bad_frees++;
	heap_live--;
	free(b);
}

long pages_given;

void *unik_lwip_pages(size_t npages)
{
	if (npages < 2 || npages > 32 || (npages & (npages - 1)))
		fail_msg("unik_lwip_pages(%zu): not a big-block class", npages);
	void *p = aligned_alloc(4096, npages * 4096);
	if (p) {
		memset(p, 0x5a, npages * 4096);        /* the kernel's pages are not zeroed for it */
		pages_given += (long)npages;
	}
	return p;
}

uint32_t unik_lwip_now_ms(void)
{
	return fake_ms;
}

uint32_t unik_lwip_rand(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 17;
	rand_state ^= rand_state << 5;
	return rand_state;
}

void unik_lwip_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The kernel's ICMP-error hook (net/inet_icmp.c): no sockets here. */
int unik_ip_input_hook(struct pbuf *p, struct netif *inp, int v6)
{
	return 0;
}

void unik_lwip_panic(const char *msg, const char *file, int line)
{
	fail_msg("lwIP assertion at %s:%d: %s", file, line, msg);
	abort();
}

void pump(uint32_t step_ms)
{
	netif_poll_all();
	sys_check_timeouts();
	fake_ms += step_ms;
}
