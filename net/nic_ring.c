/* The guest's half of the NIC's ring protocol (net/nic_ring.h; the rules are in
   include/unik/abi.h, "Network"). Plain C: it builds for the kernel and for host tests alike. */
#include "net/nic_ring.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static uint64_t nic_ring_buf_off(const struct nic_ring *r, uint32_t i)
{
	return UNIK_NET_BUF_OFF(r->ntx, r->nrx) + (uint64_t)UNIK_NET_BUF_SIZE * i;
}

/* Buffer i: TX slot i for i < ntx, RX slot i - ntx after them. */
static void nic_ring_post(struct nic_ring *r)
{
	uint32_t slot = r->rx_avail & (r->nrx - 1);
	r->rxd[slot].addr = r->gpa + nic_ring_buf_off(r, r->ntx + slot);
	r->rxd[slot].len = 0;
	r->rx_avail++;
	STORE(r->hdr->rx_avail, r->rx_avail);   /* the descriptor before the index */
}

int nic_ring_init(struct nic_ring *r, void *area, unik_gpa_t gpa, uint64_t size,
		  uint32_t tx_slots, uint32_t rx_slots, uint32_t first)
{
	if (tx_slots < 2 || rx_slots < 2 || tx_slots > UNIK_NET_SLOTS_MAX ||
	    rx_slots > UNIK_NET_SLOTS_MAX || (tx_slots & (tx_slots - 1)) ||
	    (rx_slots & (rx_slots - 1)) || size < UNIK_NET_AREA_SIZE(tx_slots, rx_slots) ||
	    (gpa & 4095) || (size & 4095))
		return -EINVAL;
	memset(area, 0, UNIK_NET_AREA_SIZE(tx_slots, rx_slots));
	r->area = area;
	r->gpa = gpa;
	r->size = size;
	r->ntx = tx_slots;
	r->nrx = rx_slots;
	r->hdr = (volatile struct unik_net_ring *)area;
	r->txd = (volatile struct unik_net_desc *)(r->area + UNIK_NET_DESC_OFF);
	r->rxd = r->txd + tx_slots;
	r->tx_prod = r->rx_cons = r->rx_avail = first;
	r->hdr->tx_prod = r->hdr->rx_cons = r->hdr->rx_avail = first;
	r->hdr->tx_cons = r->hdr->rx_used = first;
	/* Each TX slot owns a buffer for good. */
	for (uint32_t i = 0; i < tx_slots; i++)
		r->txd[i].addr = gpa + nic_ring_buf_off(r, i);
	for (uint32_t i = 0; i < rx_slots; i++)
		nic_ring_post(r);
	return 0;
}

void nic_ring_setup_args(const struct nic_ring *r, struct unik_hc_net_setup *s)
{
	s->area = r->gpa;
	s->size = r->size;
	s->tx_slots = r->ntx;
	s->rx_slots = r->nrx;
	s->ret = -EIO;
}

uint32_t nic_ring_tx_space(const struct nic_ring *r)
{
	return r->ntx - (r->tx_prod - LOAD(r->hdr->tx_cons));
}

int nic_ring_tx_queue(struct nic_ring *r, const void *frame, size_t len)
{
	if (len < UNIK_NET_FRAME_MIN || len > UNIK_NET_FRAME_MAX)
		return -EINVAL;
	if (!nic_ring_tx_space(r))      /* acquire tx_cons: the slot's old frame is gone */
		return -EAGAIN;
	uint32_t slot = r->tx_prod & (r->ntx - 1);
	memcpy(r->area + nic_ring_buf_off(r, slot), frame, len);
	r->txd[slot].len = (uint32_t)len;
	r->tx_prod++;
	STORE(r->hdr->tx_prod, r->tx_prod);     /* buffer and descriptor before the index */
	return 0;
}

bool nic_ring_tx_kick_needed(struct nic_ring *r)
{
	FENCE();        /* tx_prod out before tx_kick is read: pairs with the net thread's arming */
	return LOAD(r->hdr->tx_kick) != 0;
}

int nic_ring_tx(struct nic_ring *r, const void *frame, size_t len)
{
	int e = nic_ring_tx_queue(r, frame, len);
	if (e)
		return e;
	return nic_ring_tx_kick_needed(r) ? 1 : 0;
}

int nic_ring_rx(struct nic_ring *r, void (*deliver)(void *ctx, const void *frame, size_t len),
		void *ctx, int budget)
{
	uint32_t used = LOAD(r->hdr->rx_used);  /* frames and lengths before it are written */
	int done = 0;
	for (uint32_t n = 0; r->rx_cons != used && done < budget && n < r->nrx; n++) {
		uint32_t slot = r->rx_cons & (r->nrx - 1);
		uint32_t len = r->rxd[slot].len;
		if (len && len <= UNIK_NET_BUF_SIZE) {
			deliver(ctx, r->area + nic_ring_buf_off(r, r->ntx + slot), len);
			done++;
		}
		r->rx_cons++;
		STORE(r->hdr->rx_cons, r->rx_cons);
		nic_ring_post(r);
	}
	return done;
}

bool nic_ring_rx_pending(const struct nic_ring *r)
{
	return LOAD(r->hdr->rx_used) != r->rx_cons;
}

bool nic_ring_rx_arm(struct nic_ring *r)
{
	STORE(r->hdr->rx_wake, 1);
	FENCE();        /* rx_wake out before rx_used is read: pairs with the monitor's publish */
	if (nic_ring_rx_pending(r)) {
		STORE(r->hdr->rx_wake, 0);
		return false;
	}
	return true;
}

void nic_ring_rx_disarm(struct nic_ring *r)
{
	STORE(r->hdr->rx_wake, 0);
}

bool nic_ring_failed(const struct nic_ring *r)
{
	return LOAD(r->hdr->status) != UNIK_NET_STATUS_OK;
}
