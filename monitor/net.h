/* The paravirtual NIC, host side: the command line's network options, the rings in guest memory
   (include/unik/abi.h, "Network"), and the backends (libslirp, tap) that run in a net thread of
   their own, started when the guest calls UNIK_HC_NET_SETUP. */
#ifndef MONITOR_NET_H
#define MONITOR_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "unik/abi.h"
#include "monitor/gmem.h"
#include "monitor/hc.h"

struct pollfd;

struct hc_ctx;

/* ---- configuration (the -p/--net options) ---- */

enum net_mode { NET_SLIRP = 0, NET_NONE, NET_TAP };

/* One -p: host ports [host_lo, host_hi] to guest ports [guest_lo, guest_hi]. host_lo 0: a free
   port the host picks (printed on stderr). A host range with one guest port: the first host
   port of the range that is free, as docker does. */
struct net_fwd {
	bool udp;
	uint32_t host_ip;               /* network byte order; 0: all addresses */
	uint16_t host_lo, host_hi;
	uint16_t guest_lo, guest_hi;
};

#define NET_MAX_FWD 64
struct net_config {
	enum net_mode mode;
	char tap_name[16];              /* NET_TAP: the interface (IFNAMSIZ) */
	bool tap_ip;                    /* NET_TAP: the guest's static IPv4 configuration follows
					   (false: the guest asks DHCP on the tap's link) */
	uint8_t tap_ip4[4], tap_gw4[4], tap_dns4[4];
	uint8_t tap_prefix4;
	struct net_fwd fwd[NET_MAX_FWD];
	size_t nfwd;
	bool publish_all;               /* -P: publish every port in exposed[] on a free host port */
	struct net_fwd exposed[NET_MAX_FWD];  /* the image's ExposedPorts (host ports 0) */
	size_t nexposed;
	bool publish_listening;         /* --publish-listening (slirp only): every port the guest
					   listens on is published on the host's same port, while it
					   listens (UNIK_HC_NET_PUBLISH) */
};

/* "none", "slirp", "tap:NAME[,ip=A.B.C.D/PREFIX[,gw=A.B.C.D][,dns=A.B.C.D]]" (also "host"/"bridge"/
   "default" are refused or mapped as the message says). 0, or 125 after printing why. */
int net_parse_mode(const char *s, struct net_config *c);
/* Docker's -p: [IP:][HOSTPORT[-END]:]GUESTPORT[-END][/tcp|/udp], IP:: and an IPv4 IP only.
   Appends to c->fwd. 0, or 125 after printing why. */
int net_parse_publish(const char *spec, struct net_config *c);

/* ---- one VM's NIC ---- */

struct net;

/* Makes the NIC of a VM (NULL with *status 0 for --net none). Cheap: the tap device is opened and
   -p ports are bound here, so their errors end `unik run` with 125 before the guest boots;
   libslirp itself is loaded only when the guest sets the NIC up. NULL with *status 125 after
   printing why. */
struct net *net_new(const struct net_config *c, int *status);
/* Stops the net thread and frees everything; before guest memory goes away. NULL is fine. */
void net_free(struct net *n);
/* Fills the boot info's NIC description. */
void net_boot_info(const struct net *n, struct unik_net_info *out);
/* The NIC found the guest's rings broken (a message was printed): the VM must stop with 125. */
bool net_failed(const struct net *n);
/* For the upcall watchdog (any thread): has the guest left received frames unclaimed for more
   than limit_ns (now_ns: CLOCK_MONOTONIC)? false without a NIC or before set-up. */
bool net_rx_stalled(const struct net *n, int64_t now_ns, int64_t limit_ns);

/* Hypercalls (hc_net.c); their table entries are in hc.c. */
/* SLEEP and POLL: should the wait end at once because the guest asked to be woken for frames
   that are already there? */
bool hc_net_wake_pending(struct hc_ctx *ctx);
/* SLEEP and POLL after their wait: empties the wake fd (ctx->wake_fd). */
void hc_net_wake_clear(struct hc_ctx *ctx);
/* UNIK_HC_NET_PUBLISH (struct unik_hc_net_publish): what the guest listens on changed. */
enum hc_result hc_net_publish(struct hc_ctx *ctx, unik_gpa_t arg);
/* Does this NIC take UNIK_HC_NET_PUBLISH notices (slirp with --publish-listening)? */
bool net_publishes(const struct net *n);

/* ---- the rings (hc_net.c), driven by the net thread; tests drive them directly ---- */

struct net_ring {
	struct gmem mem;
	volatile struct unik_net_ring *hdr;  /* host pointer of the header */
	unik_gpa_t gpa;                 /* the area */
	uint64_t size;
	uint32_t ntx, nrx;              /* slots, copied once at set-up */
	uint64_t buf_lo, buf_hi;        /* guest-physical buffer space [buf_lo, buf_hi) */
	uint32_t tx_cons, rx_used;      /* the monitor's own indices (the header only mirrors them) */
	uint32_t rx_published;          /* rx_used as last published (read by the watchdog) */
	int64_t *rx_stamp;              /* per RX slot: CLOCK_MONOTONIC ns when its frame came */
	char err[128];                  /* why the ring was found broken */
};

/* Validates the set-up request (copied by the caller) and takes the geometry once: 0, or
   -EINVAL / -EFAULT (see struct unik_hc_net_setup), -ENOMEM. */
int net_ring_init(struct net_ring *r, const struct gmem *g, const struct unik_hc_net_setup *s);
void net_ring_fini(struct net_ring *r);
/* Takes the next TX frame into frame[UNIK_NET_BUF_SIZE]: its length, 0 when none is queued, or
   -EPROTO when the ring is broken (r->err says why). The slot is freed (tx_cons) at once. */
int net_ring_tx_next(struct net_ring *r, uint8_t *frame);
/* Writes one received frame into the next posted RX buffer (visible after net_ring_rx_publish):
   0, -ENOBUFS when the guest posted none (dropped, counted), -EMSGSIZE for a bad length
   (dropped), -EPROTO when the ring is broken. */
int net_ring_rx_put(struct net_ring *r, const void *frame, size_t len, int64_t now_ns);
/* Publishes the frames written since the last call (rx_used); true when the guest asked to be
   woken (rx_wake) and there were frames. */
bool net_ring_rx_publish(struct net_ring *r);
/* Before the net thread sleeps: sets tx_kick and re-checks the TX ring; true when it may sleep,
   false when frames came meanwhile (tx_kick is cleared again). */
bool net_ring_tx_arm(struct net_ring *r);
/* After the net thread wakes: clears tx_kick. */
void net_ring_tx_disarm(struct net_ring *r);
/* Frames published but not yet claimed by the guest, and since when (for the watchdog). */
bool net_ring_rx_unclaimed(const struct net_ring *r, int64_t *since_ns);
/* Guest wants a wake-up (rx_wake) and frames are there. */
bool net_ring_wake_wanted(const struct net_ring *r);
/* Marks the ring broken: status in the header, r->err. */
void net_ring_break(struct net_ring *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the NIC and its backends (hc_net.c: what they share; net_slirp.c, net_tap.c) ---- */

struct net_backend {
	/* net_new, main thread: open devices, bind -p ports. 0, or 125 after printing why. */
	int (*open)(struct net *n);
	/* UNIK_HC_NET_SETUP, vCPU thread, before the net thread starts: 0, or -EIO after printing
	   why. */
	int (*start)(struct net *n);
	/* The net thread: moves frames until n->quit, or returns when the ring broke. */
	void (*run)(struct net *n);
	/* After the thread ended (or never started). */
	void (*close)(struct net *n);
	/* UNIK_HC_NET_PUBLISH, net thread (net_publish_serve): forward the host's port to the
	   guest's for the families (UNIK_NET_PUBLISH_*) given and no others, printing what cannot
	   be bound. 0 or -errno. NULL: the backend publishes nothing. */
	int (*publish)(struct net *n, bool udp, uint16_t port, uint32_t families);
};
extern const struct net_backend net_backend_slirp, net_backend_tap;

struct net {
	struct net_config cfg;
	const struct net_backend *be;
	void *priv;                     /* the backend's state */
	uint8_t mac[6];
	struct net_ring ring;
	bool ready;                     /* the guest set the NIC up (vCPU thread only) */
	int kick_fd;                    /* eventfd: the guest's kicks and the stop request */
	int wake_fd;                    /* eventfd: ends the vCPU's SLEEP/POLL (ctx->wake_fd) */
	int quit, failed;               /* atomics */
	bool thread_started;
	unsigned long thread, vcpu;     /* pthread_t */
	bool tx_busy;                   /* the last drain took frames (net thread only) */
	/* UNIK_HC_NET_PUBLISH: the vCPU thread fills pub, sets pub_pending and waits on pub_fd
	   until the net thread has done it (pub_pending 0) or has ended (thread_done). */
	struct { bool udp; uint16_t port; uint32_t families; int ret; } pub;
	int pub_pending, thread_done;   /* atomics */
	int pub_fd;                     /* eventfd: the net thread finished a request or ended */
};

/* For the backends' net thread loop. net_wait polls pfd[0..nfds) with pfd[0] set to the kick fd
   (the caller fills the rest), sleeping at most timeout_ms (< 0: no limit) only when the TX ring is
   empty and tx_kick is armed; it returns poll's result. */
int net_wait(struct net *n, struct pollfd *pfd, int nfds, int timeout_ms);
/* Sends at most a ring's worth of queued TX frames through send; false when the ring broke (the
   VM is being stopped; the loop must return). */
bool net_tx_drain(struct net *n, void (*send)(struct net *n, const uint8_t *frame, size_t len));
/* One received frame into the RX ring (dropped when no buffer is posted). */
void net_rx_frame(struct net *n, const void *frame, size_t len);
/* Publishes received frames and wakes the vCPU if the guest asked. */
void net_rx_flush(struct net *n);
/* Carries out a pending UNIK_HC_NET_PUBLISH request (be->publish); call where the backend may
   change its sockets, before it gathers the fds to poll. Cheap when none is pending. */
void net_publish_serve(struct net *n);
bool net_quitting(const struct net *n);
#endif
