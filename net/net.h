/* The guest's TCP/IP stack as the rest of the kernel sees it: lwIP (NO_SYS, raw API) brought up
   at boot and driven from the scheduler, without threads: net_poll runs due timers, delivers
   queued loopback packets and takes frames from the NIC; net_due_ns says when it must run next. */
#ifndef NET_NET_H
#define NET_NET_H
#include <stdint.h>

/* Brings up lwIP, the loopback interface (127.0.0.1, ::1) and the NIC if the VM has one. Called when the first
   AF_INET/AF_INET6 socket is made, not at boot: bring-up costs about 0.5 ms of boot time here,
   and a guest without sockets needs no stack. Later calls do nothing. */
void net_init(void);
/* net_init, then, while eth0 awaits its first DHCP lease (--net tap without ip=), waits for it
   (net/lease.h: up to LEASE_WAIT_NS from bring-up; a signal ending the process ends it), so
   that the program finds eth0 configured, or without an address for good, as a process in a
   VM or container started after its network finds it. Called where the program first reaches
   the network: an Internet or netlink socket, /proc/net, the resolv.conf unik wrote. Where
   the task may block only. */
void net_settle(void);
/* Runs lwIP's due work: timers, loopback delivery, received frames. Callbacks it triggers wake
   waiting tasks through file_changed. Cheap when there is nothing to do; does nothing when
   called from inside lwIP (a callback). */
void net_poll(void);
/* The monotonic ns at which net_poll must run next, or -1 when no timer matters (no TCP
   connection needs its timers, no NIC): an idle guest then sleeps until its own deadlines. */
int64_t net_due_ns(void);
#endif
