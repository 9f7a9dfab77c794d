/* The tap backend (--net tap:NAME): frames go to and come from a host tap interface the user
   made (`ip tuntap add NAME mode tap user $USER`, then bridged or routed as they like). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include "monitor/net.h"

#define TAP_RX_BATCH 64         /* frames read per wake before the ring is published */

struct tap_state {
	int fd;
};

static int tap_open(struct net *n)
{
	struct tap_state *s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "unik: out of memory\n");
		return 125;
	}
	n->priv = s;
	s->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		fprintf(stderr, "unik: --net tap:%s: cannot open /dev/net/tun: %s\n", n->cfg.tap_name,
			strerror(errno));
		return 125;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->cfg.tap_name);
	if (ioctl(s->fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		fprintf(stderr, "unik: --net tap:%s: cannot attach to the tap device: %s%s\n",
			n->cfg.tap_name, strerror(e),
			e == EPERM || e == EBUSY ? " (create it first for this user: ip tuntap add "
			"NAME mode tap user USER; it must not be in use)" :
			e == EINVAL ? " (an interface of that name exists and is not a tap device)" :
			"");
		return 125;
	}
	return 0;
}

static int tap_start(struct net *n)
{
	return 0;
}

static void tap_send(struct net *n, const uint8_t *frame, size_t len)
{
	struct tap_state *s = n->priv;
	/* A full tap queue drops the frame, as a busy link would. */
	if (write(s->fd, frame, len) < 0 && errno != EAGAIN && errno != EIO)
		perror("unik: tap write");
}

static void tap_run(struct net *n)
{
	struct tap_state *s = n->priv;
	uint8_t frame[UNIK_NET_BUF_SIZE];
	while (!net_quitting(n)) {
		struct pollfd pfd[2];
		pfd[1].fd = s->fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		int r = net_wait(n, pfd, 2, -1);
		for (int i = 0; r > 0 && (pfd[1].revents & POLLIN) && i < TAP_RX_BATCH; i++) {
			ssize_t got = read(s->fd, frame, sizeof(frame));
			if (got <= 0)
				break;
			net_rx_frame(n, frame, (size_t)got);
		}
		if (!net_tx_drain(n, tap_send))
			return;
		net_rx_flush(n);
	}
}

static void tap_close(struct net *n)
{
	struct tap_state *s = n->priv;
	if (s && s->fd >= 0)
		close(s->fd);
	free(s);
	n->priv = NULL;
}

const struct net_backend net_backend_tap = {
	.open = tap_open,
	.start = tap_start,
	.run = tap_run,
	.close = tap_close,
};
