/* eth0's IPv4 configuration by DHCP (net/lease.h). lwIP's DHCP client runs the protocol (its
   timers renew the lease from net_poll) and writes what it got straight into the netif; each
   time it did, lease_poll puts back what was shown before and makes the change again through
   net/ifconfig.c, after checking the server's values: so a lease appears as a Linux DHCP
   client's does (a dynamic address counting its lifetime down, the default route with
   protocol dhcp, the lease's MTU), with Linux's netlink notifications, and a value that fails
   its check is not used. The DNS servers and domain go into the resolv.conf unik wrote. */
#include "k/kernel.h"
#include "k/sched.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "net/net.h"
#include "net/netlink.h"
#include "net/ifconfig.h"
#include "net/lease.h"
#include "net/lease_opts.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/prot/dhcp.h"

#define LEASE_FOREVER 0xffffffffu       /* DHCP's infinite lease time */

static struct netif *lease_nic;
static bool lease_settled = true;       /* no DHCP, the first lease applied, or waiting over */
static int64_t lease_deadline;
static struct inode *lease_resolv;
static const struct inode_ops *lease_resolv_base;
static struct inode_ops lease_resolv_ops;
static char lease_resolv_text[LEASE_RESOLV_MAX];
static size_t lease_resolv_len;

static void lease_trace(const char *what, uint32_t addr, int prefix, uint32_t gw)
{
	const uint8_t *a = (const uint8_t *)&addr, *g = (const uint8_t *)&gw;
	if (boot_info->flags & UNIK_BOOT_TRACE)
		kprintf("unik: DHCP: %s %u.%u.%u.%u/%d, gateway %u.%u.%u.%u\n", what, a[0], a[1],
			a[2], a[3], prefix, g[0], g[1], g[2], g[3]);
}

void lease_start(struct netif *n)
{
	lease_nic = n;
	lease_deadline = (int64_t)time_monotonic_ns() + LEASE_WAIT_NS;
	lease_settled = false;
	if (dhcp_start(n) != ERR_OK) {
		lease_settled = true;
		kprintf("unik: network: cannot start DHCP on eth0 (out of memory)\n");
	}
}

void lease_wait(void)
{
	while (!lease_settled) {
		if ((int64_t)time_monotonic_ns() >= lease_deadline) {
			lease_settled = true;
			kprintf("unik: network: no DHCP lease for eth0 after %lld s; it has no IPv4 "
				"address until one comes\n", LEASE_WAIT_NS / 1000000000);
			break;
		}
		if (sched_wait_killable_until(&lease_settled, NULL, lease_deadline,
					      "the DHCP lease") < 0)
			break;
	}
}

static uint32_t lease_mask_be(int prefix)
{
	return prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0;
}

/* The lease's address on n, its lifetime counting from now; the address it replaces (and the
   routes through it) go first, as a Linux client changes addresses. */
static void lease_set_addr(struct netif *n, uint32_t addr, int prefix, uint32_t lease_s)
{
	uint32_t mask = lease_mask_be(prefix), brd = addr | ~mask;
	struct ifcfg_addr4 a = { .prefix = prefix, .scope = RT_SCOPE_UNIVERSE,
				 .has_brd = prefix < 31 };
	memcpy(a.local, &addr, 4);
	memcpy(a.brd, &brd, 4);
	if (lease_s != LEASE_FOREVER)
		a.expires = (int64_t)time_monotonic_ns() + (int64_t)lease_s * 1000000000;
	if (netif_ip4_addr(n)->addr == addr && netif_ip4_netmask(n)->addr == mask) {
		ifcfg_add_addr4(n, &a, NLM_F_REPLACE, NULL);    /* a renewal: the new lifetime */
		return;
	}
	if (!ip4_addr_isany(netif_ip4_addr(n)))
		ifcfg_del_addr4(n, NULL);
	ifcfg_add_addr4(n, &a, NLM_F_CREATE | NLM_F_EXCL, NULL);
}

/* The lease's router as the default route (a route the program set itself stays); a router
   that cannot be one removes the lease's own route. */
static void lease_set_gw(struct netif *n, uint32_t addr, int prefix, uint32_t gw)
{
	struct if_default4 *def = ifinfo_default4();
	bool onlink, ok = gw && lease_gw_ok(addr, prefix, gw, &onlink);
	bool ours = def->present && def->protocol == RTPROT_DHCP;
	if (!ok) {
		if (ours)
			ifcfg_del_default4(NULL);
		return;
	}
	unsigned flags = onlink ? RTNH_F_ONLINK : 0;
	if (def->present && (!ours || (netif_default == n && netif_ip4_gw(n)->addr == gw &&
				       def->flags == flags)))
		return;
	struct if_route4 r = { .protocol = RTPROT_DHCP, .scope = RT_SCOPE_UNIVERSE,
			       .type = RTN_UNICAST, .flags = flags };
	ifcfg_set_default4(n, (const uint8_t *)&gw, &r,
			   def->present ? NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL, NULL);
}

/* resolv.conf names the lease's DNS servers and domain, when they changed. */
static void lease_resolv_update(const struct lease_opts *o)
{
	char text[LEASE_RESOLV_MAX];
	size_t len = lease_resolv_conf(o, text, sizeof(text));
	if (!lease_resolv || (len == lease_resolv_len && !memcmp(text, lease_resolv_text, len)))
		return;
	struct iattr a = { .valid = ATTR_SIZE, .size = 0 };
	struct inode *ino = lease_resolv;
	if (ino->ops->setattr(ino, &a) || (len && ino->ops->write(ino, text, len, 0) != (int64_t)len))
		return;
	memcpy(lease_resolv_text, text, len);
	lease_resolv_len = len;
}

static void lease_drop(struct netif *n)
{
	if (!ip4_addr_isany(netif_ip4_addr(n)))
		ifcfg_del_addr4(n, NULL);       /* the routes through it go with it */
}

/* An ACK bound the lease l (lwIP's settings) with d's times and lease_rx's options. */
static void lease_apply(struct netif *n, const struct dhcp *d, const struct ifcfg_ip4 *l)
{
	int prefix = lease_prefix(l->mask);     /* a mask with holes is cut at the first */
	if (!lease_addr_ok(l->addr, prefix)) {
		lease_trace("refused the address", l->addr, prefix, l->gw);
		lease_drop(n);
		return;
	}
	lease_set_addr(n, l->addr, prefix, d->offered_t0_lease);
	lease_set_gw(n, l->addr, prefix, l->gw);
	if (lease_rx.mtu)
		ifcfg_set_mtu(n, lease_rx.mtu); /* one outside the NIC's range is not taken */
	lease_resolv_update(&lease_rx);
	lease_trace("bound", l->addr, prefix, l->gw);
	if (!lease_settled) {
		lease_settled = true;
		sched_wake(&lease_settled, NULL, INT32_MAX, ~0u);
	}
}

void lease_poll(void)
{
	struct netif *n = lease_nic;
	if (!n)
		return;
	struct ifcfg_ip4 old, now;
	bool changed = ifcfg_stack_changed4(n, &old);
	const struct dhcp *d = netif_dhcp_data(n);
	bool acked = lease_requested && d && d->state == DHCP_STATE_BOUND;
	if (!changed && !acked)
		return;
	ifcfg_get4(n, &now);
	if (changed)
		ifcfg_restore4(n, &old);
	if (acked) {
		lease_requested = false;
		lease_apply(n, d, &now);
	} else if (!dhcp_supplied_address(n)) {
		lease_drop(n);                  /* a NAK, or the lease ran out */
	}
}

static int lease_resolv_open(struct inode *ino, struct file *f)
{
	net_settle();
	return lease_resolv_base->open ? lease_resolv_base->open(ino, f) : 0;
}

void lease_resolv_attach(struct inode *ino)
{
	/* This inode alone opens through the wait: its filesystem's other files stay as they are. */
	lease_resolv = ino;
	lease_resolv_base = ino->ops;
	lease_resolv_ops = *ino->ops;
	lease_resolv_ops.open = lease_resolv_open;
	ino->ops = &lease_resolv_ops;
}
