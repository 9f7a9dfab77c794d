/* TCP urgent data over loopback: send(MSG_OOB) marks its last byte; the receiver sees POLLPRI,
   SIOCATMARK before and at the mark, FIONREAD stopping at it, reads that stop at it,
   recv(MSG_OOB) (once, then EINVAL), SO_OOBINLINE (the byte stays in the stream), a newer mark
   replacing an older one, SIGURG for the owner (F_SETOWN, SIOCSPGRP); and send(MSG_OOB) on
   UDP. Each look waits until the sender's bytes are all acknowledged, so every line is the
   same on each run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ      /* Linux's sockios.h */
#endif
#include "compat.h"

static volatile sig_atomic_t urgs;

static void on_urg(int sig)
{
	(void)sig;
	urgs++;
}

/* A connected pair over 127.0.0.1: *c the connecting end (Nagle off), *s the accepted one,
   which gets SO_OOBINLINE when inline. */
static void pair(int *c, int *s, int inline_)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (l < 0 || bind(l, (void *)&a, len) || listen(l, 1) || getsockname(l, (void *)&a, &len)) {
		printf("listener: %s\n", errname(errno));
		exit(1);
	}
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*c, (void *)&a, len)) {
		printf("connect: %s\n", errname(errno));
		exit(1);
	}
	*s = accept(l, NULL, NULL);
	close(l);
	setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (inline_)
		RESULT("SO_OOBINLINE", setsockopt(*s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
}

/* Waits (up to 5 s) until the peer acknowledged all fd sent (SIOCOUTQ 0): it is all queued
   there. */
static void wait_acked(int fd)
{
	for (int i = 0; i < 500; i++) {
		int q = -1;
		if (ioctl(fd, SIOCOUTQ, &q) == 0 && q == 0)
			return;
		usleep(10000);
	}
	printf("acked: timeout\n");
}

/* FIONREAD: without SO_OOBINLINE it counts only the bytes before a pending mark. */
static void show_inq(const char *what, int fd)
{
	int q = -1;
	if (ioctl(fd, FIONREAD, &q))
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %d\n", what, q);
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI };
	int r = poll(&p, 1, 0);
	printf("%s: %d%s%s\n", what, r, (p.revents & POLLIN) ? " POLLIN" : "",
	       (p.revents & POLLPRI) ? " POLLPRI" : "");
}

static void show_mark(const char *what, int fd)
{
	int v = -1;
	int r = ioctl(fd, SIOCATMARK, &v);
	if (r)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %d\n", what, v);
}

static void show_recv(const char *what, int fd, int flags)
{
	char buf[64];
	ssize_t r = recv(fd, buf, sizeof(buf), flags | MSG_DONTWAIT);
	if (r < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %zd \"%.*s\"\n", what, r, (int)r, buf);
}

static void send3(int c, const char *a, const char *oob, const char *b)
{
	RESULT("send", send(c, a, strlen(a), 0));
	RESULT("send MSG_OOB", send(c, oob, strlen(oob), MSG_OOB));
	if (b)
		RESULT("send", send(c, b, strlen(b), 0));
}

static void out_of_band(void)
{
	printf("== out of band\n");
	int c, s;
	pair(&c, &s, 0);
	show_recv("recv MSG_OOB (none)", s, MSG_OOB);
	show_mark("SIOCATMARK (none)", s);
	send3(c, "abc", "!", "def");
	wait_acked(c);
	show_inq("FIONREAD", s);
	show_poll("poll", s);
	show_mark("SIOCATMARK", s);
	show_recv("recv MSG_PEEK", s, MSG_PEEK);
	show_recv("recv MSG_OOB|MSG_PEEK", s, MSG_OOB | MSG_PEEK);
	show_recv("recv", s, 0);
	show_mark("SIOCATMARK", s);
	show_inq("FIONREAD", s);
	show_poll("poll", s);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	show_inq("FIONREAD", s);
	show_poll("poll", s);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	show_mark("SIOCATMARK", s);
	show_recv("recv", s, 0);
	show_mark("SIOCATMARK", s);
	show_inq("FIONREAD", s);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	close(c);
	close(s);
}

/* Reading past the mark without taking the byte out of band loses it. */
static void read_past(void)
{
	printf("== read past the mark\n");
	int c, s;
	pair(&c, &s, 0);
	send3(c, "ab", "!", "cd");
	wait_acked(c);
	show_inq("FIONREAD", s);
	show_recv("recv", s, 0);
	show_recv("recv", s, 0);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	show_poll("poll", s);
	close(c);
	close(s);
}

static void oob_inline(void)
{
	printf("== SO_OOBINLINE\n");
	int c, s;
	pair(&c, &s, 1);
	send3(c, "abc", "!", "def");
	wait_acked(c);
	show_inq("FIONREAD", s);
	show_poll("poll", s);
	show_mark("SIOCATMARK", s);
	show_recv("recv", s, 0);
	show_mark("SIOCATMARK", s);
	show_inq("FIONREAD", s);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	show_recv("recv", s, 0);
	show_mark("SIOCATMARK", s);
	close(c);
	close(s);
}

/* A second urgent byte moves the mark: the first stays in the stream as data. */
static void newer_mark(void)
{
	printf("== newer mark\n");
	int c, s;
	pair(&c, &s, 0);
	send3(c, "a", "X", NULL);
	wait_acked(c);
	show_inq("FIONREAD", s);
	send3(c, "b", "Y", "c");
	wait_acked(c);
	show_inq("FIONREAD", s);
	show_recv("recv", s, 0);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	show_recv("recv", s, 0);
	close(c);
	close(s);
}

/* SIGURG goes to the owner set with F_SETOWN, or with the socket ioctl SIOCSPGRP. */
static void sigurg(int ioctl_owner)
{
	printf("== SIGURG (%s)\n", ioctl_owner ? "SIOCSPGRP" : "F_SETOWN");
	int c, s, pid = getpid(), owner = -1;
	pair(&c, &s, 0);
	urgs = 0;
	struct sigaction sa = { .sa_handler = on_urg };
	sigaction(SIGURG, &sa, NULL);
	if (ioctl_owner)
		RESULT("SIOCSPGRP", ioctl(s, SIOCSPGRP, &pid));
	else
		RESULT("F_SETOWN", fcntl(s, F_SETOWN, pid));
	RESULT("FIOGETOWN", ioctl(s, FIOGETOWN, &owner));
	fact("owner is this process", owner == pid);
	RESULT("send", send(c, "x", 1, 0));
	wait_acked(c);
	printf("SIGURG before: %d\n", (int)urgs);
	send3(c, "y", "!", NULL);
	wait_acked(c);
	for (int i = 0; i < 100 && !urgs; i++)
		usleep(10000);
	printf("SIGURG after: %d\n", urgs > 0);
	show_recv("recv", s, 0);
	show_recv("recv MSG_OOB", s, MSG_OOB);
	signal(SIGURG, SIG_DFL);
	close(c);
	close(s);
}

static void udp(void)
{
	printf("== UDP\n");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	bind(u, (void *)&a, len);
	getsockname(u, (void *)&a, &len);
	RESULT("sendto MSG_OOB", sendto(u, "x", 1, MSG_OOB, (void *)&a, len));
	/* recv ignores the flag on UDP (a raw socket refuses it) */
	sendto(u, "y", 1, 0, (void *)&a, len);
	char b[4];
	RESULT("recv MSG_OOB of a datagram", recv(u, b, sizeof(b), MSG_OOB));
	close(u);
	int r = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, 253);
	RESULT("raw recv MSG_OOB", recv(r, b, sizeof(b), MSG_OOB));
	close(r);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	out_of_band();
	read_past();
	oob_inline();
	newer_mark();
	sigurg(0);
	sigurg(1);
	udp();
	return 0;
}
