/* eth0's IPv4 configuration by DHCP (net/lease.c), for a NIC the monitor gives no address
   (--net tap without ip=, UNIK_NET_DHCP4): lwIP's client gets and renews the lease, this
   module applies it as a Linux DHCP client would and lets the first users of the network wait
   for it. */
#ifndef NET_LEASE_H
#define NET_LEASE_H
#include <stdint.h>

#define LEASE_WAIT_NS (5 * 1000000000LL)        /* for the first lease, from lease_start */

struct netif;
struct inode;

/* Starts lwIP's DHCP client on n (up, without an IPv4 address) and the time the first lease
   is awaited. From net_init, once the interfaces and their extras exist. */
void lease_start(struct netif *n);
/* Shows what lwIP's client did since the last call: a lease bound or renewed is checked and
   applied (address, default route, MTU, resolv.conf), one lost is removed. From net_poll after
   lwIP ran, outside lwIP's callbacks; it may run lwIP's callbacks itself (an address change
   ends connections). Cheap without DHCP. */
void lease_poll(void);
/* While the first lease is awaited, blocks the calling task until it is applied, the wait's
   end (LEASE_WAIT_NS after lease_start) or a signal ending the process. Returns at once
   otherwise. Where the task may block only. */
void lease_wait(void);
/* The resolv.conf unik wrote (a reference passed): opening it first waits as net_settle does,
   and it names each lease's DNS servers and domain. */
void lease_resolv_attach(struct inode *ino);
#endif
