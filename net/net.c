/* lwIP inside the guest: bring-up, the kernel's hooks for lwIP's port (time, randomness,
   diagnostics, assertions) and the poll that drives its timers and interfaces from the
   scheduler (net/net.h). */
#include <stdarg.h>
#include "k/kernel.h"
#include "k/time.h"
#include "k/random.h"
#include "k/pmm.h"
#include "net/net.h"
#include "net/nic_netif.h"
#include "net/ifconfig.h"
#include "net/lease.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"


static bool net_ready, net_nic_up, net_busy;

uint32_t unik_lwip_now_ms(void)
{
	return (uint32_t)(time_monotonic_ns() / 1000000u);
}

uint32_t unik_lwip_rand(void)
{
	uint32_t r;
	random_bytes(&r, sizeof(r));
	return r;
}

void unik_lwip_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("lwip: %s", buf);
}

void *unik_lwip_pages(size_t npages)
{
	uint64_t pa = pmm_alloc_contig(npages);
	return pa ? phys_to_virt(pa) : NULL;
}

void unik_lwip_panic(const char *msg, const char *file, int line)
{
	panic("lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
}

void net_init(void)
{
	if (net_ready)
		return;
	lwip_init();
	net_nic_up = nic_netif_init() == 0;
	ifcfg_init();
	if (net_nic_up && (boot_info->net.flags & UNIK_NET_DHCP4))
		lease_start(nic_netif());
	net_ready = true;
}

void net_settle(void)
{
	net_init();
	lease_wait();
}

void net_poll(void)
{
	if (!net_ready || net_busy)
		return;
	net_busy = true;
	if (net_nic_up)
		nic_netif_poll();
	netif_poll_all();
	sys_check_timeouts();
	lease_poll();           /* what the DHCP client did in there */
	net_busy = false;
}

int64_t net_due_ns(void)
{
	if (!net_ready || (!net_nic_up && !tcp_active_pcbs && !tcp_tw_pcbs))
		return -1;
	uint32_t ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return -1;
	return (int64_t)time_monotonic_ns() + (int64_t)ms * 1000000;
}
