/* AF_NETLINK inside the kernel: the sockets, their queues and multicast groups (net/netlink.c),
   the message builder both use, and NETLINK_ROUTE's requests and notifications
   (net/rtnetlink.c, net/rtnl_change.c) over the interfaces of net/ifinfo.h. */
#ifndef NET_NETLINK_H
#define NET_NETLINK_H
#include <stdint.h>
#include <stdbool.h>

#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 16
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_ECHO 0x8
#define NLM_F_DUMP 0x300
#define NLM_F_CAPPED 0x100
#define NLM_F_REPLACE 0x100
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define NLM_F_APPEND 0x800
#define NL_DGRAM_MAX 4096
#define NL_ALIGN(n) (((n) + 3u) & ~3u)

/* rtnetlink's multicast groups (RTNLGRP_*) that something is sent to here; Linux has 39. */
#define RTNLGRP_LINK 1
#define RTNLGRP_IPV4_IFADDR 5
#define RTNLGRP_IPV4_ROUTE 7
#define RTNLGRP_IPV6_IFADDR 9
#define NL_GROUPS 39

struct nlmsghdr_k {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nl_sock;

/* The request a change answers. Linux's IPv4 address and route notifications carry the
   requester's port and sequence number and, with NLM_F_ECHO, go back to the requester too;
   a change of the kernel's own (an ioctl, the stack, a side effect) passes NULL. */
struct nl_origin {
	struct nl_sock *sk;
	uint32_t portid, seq;
	bool echo;
};

struct nl_dgram {
	struct nl_dgram *next;
	uint32_t len;
	uint32_t group;         /* the multicast group it came through, or 0 */
	uint8_t *data;          /* NL_DGRAM_MAX bytes */
};

/* Builds messages into datagrams of at most NL_DGRAM_MAX bytes: messages are appended to the
   current one, a new one is started when it is full (dumps come in pieces, as Linux's). */
struct nl_out {
	struct nl_dgram *head, *tail;   /* the finished ones */
	struct nl_dgram *cur;
	uint32_t msg;           /* offset of the message being built in cur */
	int err;                /* -ENOBUFS once memory ran out: nothing more is built */
};

/* Starts a message of type with flags, seq and portid; then its fixed part and attributes;
   nl_end sets its length. */
void nl_begin(struct nl_out *o, uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid);
void nl_put(struct nl_out *o, const void *data, uint32_t len);
void nl_attr(struct nl_out *o, uint16_t type, const void *data, uint16_t len);
void nl_end(struct nl_out *o);
/* Frees what o holds. */
void nl_out_free(struct nl_out *o);

/* The socket's port id (its address). */
uint32_t nl_portid(const struct nl_sock *n);
/* Appends what o built to n's queue, as the answer to a request (no receive-buffer limit). */
void nl_reply(struct nl_sock *n, struct nl_out *o);
/* Sends the one message o built to every socket in group (and, with o->echo, to the requester
   instead), as Linux's nlmsg_notify: a socket whose receive buffer is full misses it and its
   next receive fails with ENOBUFS. o is emptied. */
void nl_notify(struct nl_out *o, int group, const struct nl_origin *org);
/* Does any socket listen to group (else the message need not be built)? */
bool nl_listened(int group, const struct nl_origin *org);

/* NETLINK_ROUTE (net/rtnetlink.c): answers one request message of len bytes (header
   included) sent on n, into o: 0 or -errno for the acknowledgement, or NL_DUMPED when the
   answer is a dump (which ends in NLMSG_DONE instead). */
#define NL_DUMPED 1
int rtnl_request(struct nl_sock *n, struct nl_out *o, const struct nlmsghdr_k *req,
		 uint32_t len);
#endif
