/* The paravirtual NIC as an lwIP netif. Frames go through the rings shared with the monitor
   (net/nic_ring.h): a send is a copy into a TX slot and, only when the monitor's net thread
   sleeps, one kick; received frames are taken where the kernel polls the stack and after a host
   sleep that a frame ended. The rings are set up only when the program has an Internet socket,
   so a VM that never uses the network pays nothing (no exit, no page touched, no slirp). */
#include "k/kernel.h"
#include "k/hc.h"
#include "k/pmm.h"
#include "net/nic_ring.h"
#include "net/nic_netif.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "netif/ethernet.h"

#define NIC_TX_SLOTS 512
#define NIC_RX_SLOTS 1024          /* at least lwIP's receive window in frames: no drops */
#define NIC_RX_BUDGET 256
#define NIC_TX_RETRIES 2500     /* 20 us host sleeps while the TX ring is full: 50 ms */

static struct netif nic;
static struct nic_ring ring;
static bool nic_present, nic_ready, nic_broken;
static uint64_t nic_rx_packets, nic_tx_packets, nic_rx_bytes, nic_tx_bytes;

/* Hands the monitor the ring area: once, the first time the network is used. */
static bool nic_setup(void)
{
	if (nic_ready || nic_broken || !nic_present)
		return nic_ready;
	uint64_t size = UNIK_NET_AREA_SIZE(NIC_TX_SLOTS, NIC_RX_SLOTS);
	uint64_t pa = pmm_alloc_contig(size / PAGE_SIZE);
	static struct unik_hc_net_setup s;
	if (!pa || nic_ring_init(&ring, phys_to_virt(pa), pa, size, NIC_TX_SLOTS, NIC_RX_SLOTS,
				 0)) {
		nic_broken = true;
		kprintf("unik: network: no memory for the NIC's rings\n");
		return false;
	}
	nic_ring_setup_args(&ring, &s);
	if (hc_net_setup(&s)) {
		nic_broken = true;
		kprintf("unik: network: the monitor refused the NIC (%lld)\n", (long long)s.ret);
		return false;
	}
	nic_ready = true;
	return true;
}

/* Does the program have an Internet socket (any lwIP protocol control block)? */
static bool nic_wanted(void)
{
	return tcp_active_pcbs || tcp_listen_pcbs.listen_pcbs || tcp_tw_pcbs || udp_pcbs;
}

static err_t nic_linkoutput(struct netif *n, struct pbuf *p)
{
	static uint8_t frame[UNIK_NET_FRAME_MAX];
	if (p->tot_len > sizeof(frame) || p->tot_len < UNIK_NET_FRAME_MIN)
		return ERR_IF;
	if (!nic_setup())
		return ERR_IF;
	pbuf_copy_partial(p, frame, p->tot_len, 0);
	for (int tries = 0;; tries++) {
		int r = nic_ring_tx(&ring, frame, p->tot_len);
		if (r == 1)
			hc_net_kick();
		if (r >= 0) {
			nic_tx_packets++;
			nic_tx_bytes += p->tot_len;
			return ERR_OK;
		}
		if (r != -EAGAIN || tries == NIC_TX_RETRIES || nic_ring_failed(&ring))
			return ERR_MEM;         /* TCP sends it again; a datagram is lost */
		/* The net thread drains the ring on the host: make sure it runs, and give it a
		   moment. */
		hc_net_kick();
		hc_sleep(20000);
	}
}

static err_t nic_netif_setup(struct netif *n)
{
	const struct unik_net_info *ni = &boot_info->net;
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->mtu = ni->mtu ? ni->mtu : 1500;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, ni->mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_MLD6;
	n->linkoutput = nic_linkoutput;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	return ERR_OK;
}

static uint32_t nic_prefix_mask(unsigned prefix)
{
	return prefix ? lwip_htonl(0xffffffffu << (32 - MIN(prefix, 32u))) : 0;
}

int nic_netif_init(void)
{
	const struct unik_net_info *ni = &boot_info->net;
	if (!(ni->flags & UNIK_NET_PRESENT))
		return -ENODEV;
	ip4_addr_t ip = { 0 }, mask = { 0 }, gw = { 0 };
	if (ni->flags & UNIK_NET_IPV4) {
		memcpy(&ip.addr, ni->ip4, 4);
		memcpy(&gw.addr, ni->gw4, 4);
		mask.addr = nic_prefix_mask(ni->prefix4);
	}
	if (!netif_add(&nic, &ip, &mask, &gw, NULL, nic_netif_setup, ethernet_input))
		return -ENOMEM;
	if (ni->flags & UNIK_NET_IPV6) {
		netif_create_ip6_linklocal_address(&nic, 1);
		ip6_addr_t a;
		memcpy(a.addr, ni->ip6, 16);
		ip6_addr_clear_zone(&a);
		s8_t idx;
		if (netif_add_ip6_address(&nic, &a, &idx) == ERR_OK)
			netif_ip6_addr_set_state(&nic, idx, IP6_ADDR_PREFERRED);
	}
	netif_set_default(&nic);
	netif_set_link_up(&nic);
	netif_set_up(&nic);
	nic_present = true;
	return 0;
}

struct netif *nic_netif(void)
{
	return &nic;
}

static void nic_deliver(void *ctx, const void *frame, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p)
		return;                 /* dropped, as a full NIC queue would */
	pbuf_take(p, frame, (u16_t)len);
	nic_rx_packets++;
	nic_rx_bytes += len;
	if (nic.input(p, &nic) != ERR_OK)
		pbuf_free(p);
}

int nic_netif_poll(void)
{
	if (!nic_ready) {
		if (!nic_present || !nic_wanted() || !nic_setup())
			return 0;
	}
	return nic_ring_rx(&ring, nic_deliver, NULL, NIC_RX_BUDGET);
}

bool nic_netif_arm(void)
{
	if (!nic_ready && (!nic_present || !nic_wanted() || !nic_setup()))
		return true;
	return nic_ring_rx_arm(&ring);
}

void nic_netif_counters(uint64_t *rx_packets, uint64_t *tx_packets, uint64_t *rx_bytes,
			uint64_t *tx_bytes, uint64_t *rx_dropped)
{
	*rx_dropped = nic_ready ? ring.hdr->rx_dropped : 0;
	*rx_packets = nic_rx_packets;
	*tx_packets = nic_tx_packets;
	*rx_bytes = nic_rx_bytes;
	*tx_bytes = nic_tx_bytes;
}

void nic_netif_disarm(void)
{
	if (nic_ready)
		nic_ring_rx_disarm(&ring);
}

bool nic_netif_publishing(void)
{
	return nic_present && (boot_info->net.flags & UNIK_NET_PUBLISH);
}

void nic_netif_publish(bool udp, uint16_t port, uint32_t families)
{
	/* The monitor prints what it cannot publish; the program's listen goes on regardless,
	   as a container's does whatever the host's ports. */
	if (nic_netif_publishing() && nic_setup())
		hc_net_publish(udp ? IP_PROTO_UDP : IP_PROTO_TCP, port, families);
}
