/* The paravirtual NIC as an lwIP network interface (net/nic_netif.c): the rings shared with the
   monitor (net/nic_ring.h) below, lwIP's ethernet input and link output above. */
#ifndef NET_NIC_NETIF_H
#define NET_NIC_NETIF_H
#include <stdbool.h>
#include <stdint.h>

struct netif;

/* Sets the NIC up as an lwIP netif with the addresses of boot_info->net and makes it the
   default route. Call after lwip_init. 0, or -ENODEV when the VM has no NIC (--net none), or
   -errno when the monitor refused the rings. */
int nic_netif_init(void);
/* The NIC's netif (valid after nic_netif_init succeeded). */
struct netif *nic_netif(void);
/* Hands received frames to lwIP: the number taken (0 when none or no NIC). */
int nic_netif_poll(void);
/* Before the VM sleeps in the host: asks the monitor to end the sleep when frames come.
   Returns false when frames are already waiting (then do not sleep; call nic_netif_poll).
   Returns true with no NIC. */
bool nic_netif_arm(void);
/* After the sleep, whatever ended it. */
void nic_netif_disarm(void);
/* Does the monitor publish what the guest listens on (UNIK_NET_PUBLISH in the boot info)? */
bool nic_netif_publishing(void);
/* Tells the monitor the address families (UNIK_NET_PUBLISH_*; 0: none any more) now served on
   port of TCP or UDP (udp), setting the NIC up first if need be: one hypercall. Does nothing
   unless nic_netif_publishing(). */
void nic_netif_publish(bool udp, uint16_t port, uint32_t families);
/* Frames and bytes received and sent so far, and received frames the monitor dropped for want
   of a posted buffer (/proc/net/dev). */
void nic_netif_counters(uint64_t *rx_packets, uint64_t *tx_packets, uint64_t *rx_bytes,
			uint64_t *tx_bytes, uint64_t *rx_dropped);
#endif
