/* The guest's half of the paravirtual NIC's ring protocol (include/unik/abi.h, "Network"), as
   plain C over a mapped ring area: no hypercalls, no locks, no allocation. The caller (the NIC
   driver) issues UNIK_HC_NET_SETUP and UNIK_HC_NET_KICK itself and serialises the calls (one
   CPU, or a lock around them).

   How a driver uses it:
     nic_ring_init(&r, area, gpa, size, tx, rx);   area: size bytes, page aligned, mapped at area
     nic_ring_setup_args(&r, &s); UNIK_HC_NET_SETUP(&s); s.ret == 0 or give up
     send:    n = nic_ring_tx(&r, frame, len): 1 -> UNIK_HC_NET_KICK; -EAGAIN -> ring full
              (batch: nic_ring_tx_queue() per frame, then nic_ring_tx_kick_needed() once)
     receive: nic_ring_rx(&r, deliver, ctx, budget) wherever the kernel polls (scheduler, timer
              tick, after SLEEP/POLL returned UNIK_HC_WAKE_NET); nic_ring_rx_pending() is a load
     idle:    if (nic_ring_rx_arm(&r)) { SLEEP or POLL; nic_ring_rx_disarm(&r); }
              else frames came: nic_ring_rx() instead of blocking */
#ifndef NET_NIC_RING_H
#define NET_NIC_RING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "unik/abi.h"

struct nic_ring {
	volatile struct unik_net_ring *hdr;
	volatile struct unik_net_desc *txd, *rxd;
	uint8_t *area;                  /* the area as the guest maps it */
	unik_gpa_t gpa;                 /* ... and its guest-physical address */
	uint64_t size;
	uint32_t ntx, nrx;
	uint32_t tx_prod;               /* next TX slot to fill */
	uint32_t rx_cons;               /* next RX slot to take */
	uint32_t rx_avail;              /* RX buffers posted so far */
};

/* Lays out an area of size bytes (zeroed here) at virtual address area / guest-physical gpa:
   header, tx_slots + rx_slots descriptors and one UNIK_NET_BUF_SIZE buffer per slot, and posts
   every RX buffer. tx_slots and rx_slots: powers of two, 2 .. UNIK_NET_SLOTS_MAX. Indices start
   at first (0 normally; tests start near 2^32 to cross the wrap). 0 or -EINVAL. */
int nic_ring_init(struct nic_ring *r, void *area, unik_gpa_t gpa, uint64_t size,
		  uint32_t tx_slots, uint32_t rx_slots, uint32_t first);
/* The UNIK_HC_NET_SETUP argument for this ring (ret set to -EIO until the monitor answers). */
void nic_ring_setup_args(const struct nic_ring *r, struct unik_hc_net_setup *s);

/* Queues one frame (UNIK_NET_FRAME_MIN .. UNIK_NET_FRAME_MAX bytes; copied): 0, -EAGAIN when
   the ring is full, -EINVAL for a bad length. Needs a nic_ring_tx_kick_needed() after it. */
int nic_ring_tx_queue(struct nic_ring *r, const void *frame, size_t len);
/* After queuing: a full fence, then whether the monitor's net thread sleeps (tx_kick), in which
   case the caller issues UNIK_HC_NET_KICK. */
bool nic_ring_tx_kick_needed(struct nic_ring *r);
/* nic_ring_tx_queue + nic_ring_tx_kick_needed: 1 when queued and a kick is needed, 0 when queued
   and none is, -EAGAIN or -EINVAL. */
int nic_ring_tx(struct nic_ring *r, const void *frame, size_t len);
/* TX slots free now. */
uint32_t nic_ring_tx_space(const struct nic_ring *r);

/* Hands up to budget received frames to deliver (which must copy what it keeps: the buffer is
   posted again when it returns), publishes rx_cons. Returns the frames delivered. A frame with a
   length the monitor should never write (0, or above UNIK_NET_BUF_SIZE) is skipped. */
int nic_ring_rx(struct nic_ring *r, void (*deliver)(void *ctx, const void *frame, size_t len),
		void *ctx, int budget);
/* Are received frames waiting? One load, no exit. */
bool nic_ring_rx_pending(const struct nic_ring *r);
/* Before blocking in SLEEP/POLL: asks to be woken for frames (rx_wake), full fence, re-checks.
   true: block now (the wait ends with UNIK_HC_WAKE_NET when frames come); false: frames are
   already here (rx_wake cleared again), take them instead. */
bool nic_ring_rx_arm(struct nic_ring *r);
/* After the wait: no more wake-ups needed while running. */
void nic_ring_rx_disarm(struct nic_ring *r);
/* The monitor stopped the NIC (it found the rings broken). */
bool nic_ring_failed(const struct nic_ring *r);
#endif
