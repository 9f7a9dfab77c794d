/* sock_tstamp: receive timestamps (SO_TIMESTAMP, SO_TIMESTAMPNS and their _NEW kinds) on TCP and
 * AF_UNIX sockets. TCP: the time of the last segment a read takes, with MSG_PEEK and MSG_TRUNC,
 * inherited by an accepted socket, none at end of file. AF_UNIX datagram and seqpacket: the
 * time a message was queued, or, when the option came later, of its first read (a peek fixes
 * it); stream sockets accept the option and carry none. Both kinds: the message types and
 * sizes, a short control buffer (MSG_CTRUNC), the option values read back, and the order after
 * SCM_CREDENTIALS and SCM_RIGHTS. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define O_TS 29                 /* SO_TIMESTAMP_OLD */
#define O_TSNS 35               /* SO_TIMESTAMPNS_OLD */
#define N_TS 63                 /* SO_TIMESTAMP_NEW */
#define N_TSNS 64               /* SO_TIMESTAMPNS_NEW */

static int on = 1, off = 0;

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static void msleep(int ms)
{
	struct timespec t = { 0, ms * 1000000l };
	nanosleep(&t, NULL);
}

/* What one receive gave: its result, flags, control length and its first timestamp (ns). */
struct rcv {
	long n;
	int flags;
	size_t ctl;
	int64_t stamp;          /* -1: none */
};

static const char *type_name(int level, int type)
{
	if (level != SOL_SOCKET)
		return "?";
	switch (type) {
	case O_TS: return "SCM_TIMESTAMP";
	case O_TSNS: return "SCM_TIMESTAMPNS";
	case N_TS: return "SCM_TIMESTAMP_NEW";
	case N_TSNS: return "SCM_TIMESTAMPNS_NEW";
	case SCM_RIGHTS: return "SCM_RIGHTS";
	case SCM_CREDENTIALS: return "SCM_CREDENTIALS";
	}
	return "?";
}

/* Receives up to len bytes with a control buffer of room bytes (and closes the files passed);
   prints the result, the flags and each message, its timestamp checked against [lo, hi] ns
   (hi 0: the moment the receive returned). */
static struct rcv recv_show(int fd, const char *what, size_t len, size_t room, int flags,
			    int64_t lo, int64_t hi)
{
	char data[64];
	union {
		char buf[512];
		struct cmsghdr align;
	} u;
	memset(u.buf, 0, sizeof(u.buf));
	struct iovec iov = { data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = room ? u.buf : NULL,
			     .msg_controllen = room };
	struct rcv r = { .stamp = -1 };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	poll(&p, 1, 2000);
	r.n = recvmsg(fd, &mh, flags | MSG_DONTWAIT);
	if (!hi)
		hi = now_ns();
	if (r.n < 0) {
		printf("%s: -1 %s\n", what, errname(errno));
		return r;
	}
	r.flags = mh.msg_flags;
	r.ctl = mh.msg_controllen;
	printf("%s: %ld bytes, control %zu%s%s\n", what, r.n, r.ctl,
	       (r.flags & MSG_CTRUNC) ? ", MSG_CTRUNC" : "", (r.flags & MSG_TRUNC) ? ", MSG_TRUNC" : "");
	if (!r.ctl)
		return r;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t dl = c->cmsg_len - CMSG_LEN(0);
		printf("  %s (level %d type %d) data %zu", type_name(c->cmsg_level, c->cmsg_type),
		       c->cmsg_level, c->cmsg_type, dl);
		int t = c->cmsg_type;
		if (c->cmsg_level == SOL_SOCKET && (t == O_TS || t == O_TSNS || t == N_TS ||
						    t == N_TSNS) && dl == 16) {
			int64_t v[2];
			memcpy(v, CMSG_DATA(c), sizeof(v));
			int ns = t == O_TSNS || t == N_TSNS;
			int64_t s = v[0] * 1000000000ll + v[1] * (ns ? 1 : 1000);
			if (r.stamp < 0)
				r.stamp = s;
			printf(", fraction in range: %s, in the window: %s",
			       v[1] >= 0 && v[1] < (ns ? 1000000000 : 1000000) ? "yes" : "no",
			       s >= lo - 1000 && s <= hi + 1000 ? "yes" : "no");
		} else if (c->cmsg_level == SOL_SOCKET && t == SCM_RIGHTS) {
			int fds[8];
			size_t k = dl / sizeof(int);
			memcpy(fds, CMSG_DATA(c), dl < sizeof(fds) ? dl : sizeof(fds));
			for (size_t i = 0; i < k && i < 8; i++)
				close(fds[i]);
		}
		printf("\n");
	}
	return r;
}

/* The four options as getsockopt reads them. */
static void show_opts(int fd)
{
	static const struct { int opt; const char *name; } o[] = {
		{ O_TS, "SO_TIMESTAMP" }, { O_TSNS, "SO_TIMESTAMPNS" },
		{ N_TS, "SO_TIMESTAMP_NEW" }, { N_TSNS, "SO_TIMESTAMPNS_NEW" },
	};
	printf("  reads:");
	for (int i = 0; i < 4; i++) {
		int v = -1;
		socklen_t vl = sizeof(v);
		getsockopt(fd, SOL_SOCKET, o[i].opt, &v, &vl);
		printf(" %s=%d", o[i].name, v);
	}
	printf("\n");
}

/* Waits until fd holds n bytes to read. */
static void wait_bytes(int fd, int n)
{
	for (int i = 0; i < 200; i++) {
		int q = 0;
		ioctl(fd, FIONREAD, &q);
		if (q >= n)
			return;
		msleep(5);
	}
}

/* A TCP connection over family's loopback: *c the client, *a the accepted end. The listener
   has SO_TIMESTAMP set, which the accepted socket inherits. */
static void tcp_pair(int family, int *c, int *a)
{
	struct sockaddr_in6 sa = { 0 };
	socklen_t l;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l = sizeof(*s4);
	} else {
		sa.sin6_family = AF_INET6;
		sa.sin6_addr = in6addr_loopback;
		l = sizeof(sa);
	}
	int ls = socket(family, SOCK_STREAM, 0);
	RESULT("listener SO_TIMESTAMP", setsockopt(ls, SOL_SOCKET, O_TS, &on, sizeof(on)));
	bind(ls, (struct sockaddr *)&sa, l);
	listen(ls, 1);
	getsockname(ls, (struct sockaddr *)&sa, &l);
	*c = socket(family, SOCK_STREAM, 0);
	setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	connect(*c, (struct sockaddr *)&sa, l);
	*a = accept(ls, NULL, NULL);
	close(ls);
}

static int64_t send_at(int fd, const char *s)
{
	int64_t t = now_ns();
	if (send(fd, s, strlen(s), 0) != (long)strlen(s))
		printf("short send\n");
	return t;
}

static void tcp(int family)
{
	int c, a;
	printf("-- TCP over %s\n", family == AF_INET ? "IPv4" : "IPv6");
	tcp_pair(family, &c, &a);
	printf("accepted socket");
	show_opts(a);
	int64_t t0 = send_at(c, "hello");
	wait_bytes(a, 5);
	struct rcv p = recv_show(a, "peek", 5, 256, MSG_PEEK, t0, 0);
	struct rcv r = recv_show(a, "read", 5, 256, 0, t0, 0);
	fact("  the peek's stamp is the read's", p.stamp >= 0 && p.stamp == r.stamp);

	/* two segments read at once: the stamp is the later one's */
	send_at(c, "aa");
	wait_bytes(a, 2);
	msleep(100);
	int64_t t1 = send_at(c, "bb");
	wait_bytes(a, 4);
	r = recv_show(a, "both segments", 16, 256, 0, t1, 0);
	t0 = send_at(c, "q");
	wait_bytes(a, 1);
	recv_show(a, "a read of no bytes", 0, 256, 0, t0, 0);
	recv_show(a, "the byte", 1, 256, 0, t0, 0);

	static const struct { int opt; const char *name; } kinds[] = {
		{ O_TSNS, "SO_TIMESTAMPNS" }, { N_TS, "SO_TIMESTAMP_NEW" },
		{ N_TSNS, "SO_TIMESTAMPNS_NEW" }, { O_TS, "SO_TIMESTAMP" },
	};
	for (int k = 0; k < 4; k++) {
		char what[64];
		RESULT(kinds[k].name, setsockopt(a, SOL_SOCKET, kinds[k].opt, &on, sizeof(on)));
		show_opts(a);
		t0 = send_at(c, "x");
		wait_bytes(a, 1);
		snprintf(what, sizeof(what), "read with %s", kinds[k].name);
		recv_show(a, what, 16, 256, 0, t0, 0);
	}

	/* control buffers too short for the message */
	t0 = send_at(c, "abc");
	wait_bytes(a, 3);
	recv_show(a, "room for 8 bytes of data", 1, CMSG_LEN(8), 0, t0, 0);
	recv_show(a, "room for less than a header", 1, 8, 0, t0, 0);
	recv_show(a, "no control buffer", 1, 0, 0, t0, 0);
	t0 = send_at(c, "discard");
	wait_bytes(a, 7);
	recv_show(a, "MSG_TRUNC", 7, 256, MSG_TRUNC, t0, 0);

	RESULT("SO_TIMESTAMPNS off", setsockopt(a, SOL_SOCKET, O_TSNS, &off, sizeof(off)));
	show_opts(a);
	send_at(c, "y");
	wait_bytes(a, 1);
	recv_show(a, "read with the option off", 16, 256, 0, 0, 0);
	setsockopt(a, SOL_SOCKET, O_TS, &on, sizeof(on));
	close(c);
	msleep(20);
	recv_show(a, "at end of file", 16, 256, 0, 0, 0);
	close(a);
}

static void unix_stream(void)
{
	int sv[2];
	printf("-- AF_UNIX stream\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	RESULT("SO_TIMESTAMP", setsockopt(sv[1], SOL_SOCKET, O_TS, &on, sizeof(on)));
	RESULT("SO_TIMESTAMPNS_NEW", setsockopt(sv[0], SOL_SOCKET, N_TSNS, &on, sizeof(on)));
	show_opts(sv[1]);
	show_opts(sv[0]);
	send_at(sv[0], "data");
	recv_show(sv[1], "read", 16, 256, 0, 0, 0);
	send_at(sv[1], "back");
	recv_show(sv[0], "read the other way", 16, 256, MSG_PEEK, 0, 0);
	close(sv[0]);
	close(sv[1]);
}

/* Sends one byte with SCM_RIGHTS (fd) from s. */
static void send_fd(int s, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char b = 'F';
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	sendmsg(s, &mh, 0);
}

static void unix_dgram(int type)
{
	int sv[2];
	printf("-- AF_UNIX %s\n", type == SOCK_DGRAM ? "datagram" : "seqpacket");
	socketpair(AF_UNIX, type, 0, sv);
	RESULT("SO_TIMESTAMP", setsockopt(sv[1], SOL_SOCKET, O_TS, &on, sizeof(on)));
	show_opts(sv[1]);
	/* stamped when queued: a read later still reports the send */
	int64_t t0 = send_at(sv[0], "one");
	int64_t t1 = now_ns();
	msleep(100);
	struct rcv p = recv_show(sv[1], "peek", 16, 256, MSG_PEEK, t0, t1);
	struct rcv r = recv_show(sv[1], "read 100 ms later", 16, 256, 0, t0, t1);
	fact("  the peek's stamp is the read's", p.stamp >= 0 && p.stamp == r.stamp);

	/* queued while the option was off: stamped by the first receive that asks */
	RESULT("SO_TIMESTAMP off", setsockopt(sv[1], SOL_SOCKET, O_TS, &off, sizeof(off)));
	send_at(sv[0], "two");
	recv_show(sv[1], "peek with it off", 16, 256, MSG_PEEK, 0, 0);
	msleep(100);
	RESULT("SO_TIMESTAMPNS", setsockopt(sv[1], SOL_SOCKET, O_TSNS, &on, sizeof(on)));
	show_opts(sv[1]);
	t0 = now_ns();
	p = recv_show(sv[1], "peek once it is on", 16, 256, MSG_PEEK, t0, 0);
	msleep(100);
	r = recv_show(sv[1], "read 100 ms after the peek", 16, 256, 0, t0, 0);
	fact("  the read's stamp is the peek's", p.stamp >= 0 && p.stamp == r.stamp);

	static const struct { int opt; const char *name; } kinds[] = {
		{ N_TS, "SO_TIMESTAMP_NEW" }, { N_TSNS, "SO_TIMESTAMPNS_NEW" },
	};
	for (int k = 0; k < 2; k++) {
		char what[64];
		RESULT(kinds[k].name, setsockopt(sv[1], SOL_SOCKET, kinds[k].opt, &on, sizeof(on)));
		show_opts(sv[1]);
		t0 = send_at(sv[0], "x");
		snprintf(what, sizeof(what), "read with %s", kinds[k].name);
		recv_show(sv[1], what, 16, 256, 0, t0, 0);
	}
	t0 = send_at(sv[0], "abc");
	t1 = now_ns();
	recv_show(sv[1], "room for 8 bytes of data", 1, CMSG_LEN(8), MSG_PEEK, t0, t1);
	recv_show(sv[1], "room for less than a header", 1, 8, MSG_PEEK, t0, t1);
	recv_show(sv[1], "a short buffer, MSG_TRUNC", 1, 256, MSG_TRUNC, t0, t1);

	/* after SCM_CREDENTIALS and SCM_RIGHTS: the timestamp comes first */
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	setsockopt(sv[1], SOL_SOCKET, O_TS, &on, sizeof(on));
	t0 = now_ns();
	send_fd(sv[0], 0);
	t1 = now_ns();
	recv_show(sv[1], "with credentials and a file", 16, 256, 0, t0, t1);
	send_fd(sv[0], 0);
	recv_show(sv[1], "room for the stamp only", 16, CMSG_SPACE(16), 0, t0, 0);
	RESULT("SO_TIMESTAMP off", setsockopt(sv[1], SOL_SOCKET, O_TS, &off, sizeof(off)));
	send_at(sv[0], "z");
	recv_show(sv[1], "read with the option off", 16, 256, 0, 0, 0);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	/* Linux stamps TCP segments only once a socket asked (its switch turns on a moment later):
	   this socket keeps it on for the whole run */
	int keep = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(keep, SOL_SOCKET, O_TS, &on, sizeof(on));
	msleep(50);
	tcp(AF_INET);
	tcp(AF_INET6);
	unix_stream();
	unix_dgram(SOCK_DGRAM);
	unix_dgram(SOCK_SEQPACKET);
	close(keep);
	return 0;
}
