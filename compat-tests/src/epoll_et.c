/* Edge-triggered epoll: a ready file is reported once per event (new data, the peer closing),
   not again while nothing happens; EPOLL_CTL_MOD re-arms; level-triggered entries beside them
   keep being reported. Pipes, eventfds, AF_UNIX and TCP sockets, timerfds (each expiration)
   and signalfds (each signal). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "compat.h"

static int ep;

static void wait0(const char *what)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, 0);
	/* by tag: the order of several ready entries is not the subject here */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && ev[j].data.u32 < ev[j - 1].data.u32; j--) {
			struct epoll_event t = ev[j];
			ev[j] = ev[j - 1];
			ev[j - 1] = t;
		}
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [%u %#x]", ev[i].data.u32, ev[i].events);
	printf("\n");
}

static void add(int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		printf("add %u: %s\n", tag, errname(errno));
}

/* A timerfd's expirations and a signalfd's signals are events: reported once each, unread. */
static void timer_and_signal(void)
{
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	add(tfd, EPOLLIN | EPOLLET, 8);
	struct itimerspec its = { .it_value = { .tv_nsec = 5000000 } };
	timerfd_settime(tfd, 0, &its, NULL);
	usleep(20000);
	wait0("timerfd after it expired");
	wait0("again, unread");
	timerfd_settime(tfd, 0, &its, NULL);
	usleep(20000);
	wait0("timerfd after it expired once more");
	close(tfd);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK);
	add(sfd, EPOLLIN | EPOLLET, 9);
	wait0("signalfd, nothing pending");
	raise(SIGUSR1);
	wait0("signalfd after SIGUSR1");
	wait0("again, unread");
	raise(SIGUSR2);
	wait0("signalfd after SIGUSR2");
	close(sfd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char buf[64];
	ep = epoll_create1(0);
	int p[2];
	pipe(p);
	add(p[0], EPOLLIN | EPOLLET, 1);
	wait0("pipe empty");
	write(p[1], "a", 1);
	wait0("pipe after a write");
	wait0("again, nothing new");
	write(p[1], "b", 1);
	wait0("after another write");
	read(p[0], buf, sizeof(buf));
	wait0("after draining");
	struct epoll_event mod = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
	write(p[1], "c", 1);
	wait0("after a write");
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod);
	wait0("after EPOLL_CTL_MOD");
	close(p[1]);
	wait0("after the writer closed");
	wait0("again");
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	close(p[0]);

	pipe(p);
	add(p[1], EPOLLOUT | EPOLLET, 2);
	wait0("pipe write end");
	wait0("again");
	close(p[1]);
	close(p[0]);

	int e = eventfd(0, EFD_NONBLOCK);
	add(e, EPOLLIN | EPOLLET, 3);
	int lt = eventfd(1, EFD_NONBLOCK);
	add(lt, EPOLLIN, 4);
	wait0("eventfd zero, level-triggered one ready");
	uint64_t one = 1;
	write(e, &one, 8);
	wait0("after an eventfd write");
	wait0("again");
	write(e, &one, 8);
	wait0("after a second write");
	close(e);
	close(lt);

	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	add(sv[0], EPOLLIN | EPOLLRDHUP | EPOLLET, 5);
	wait0("socket, fresh");
	wait0("again");
	write(sv[1], "x", 1);
	wait0("socket after data");
	wait0("again");
	write(sv[1], "y", 1);
	wait0("after more data");
	recv(sv[0], buf, 1, 0);
	wait0("after reading part");
	shutdown(sv[1], SHUT_WR);
	wait0("after the peer's SHUT_WR");
	wait0("again");
	close(sv[0]);
	close(sv[1]);

	/* TCP over 127.0.0.1 */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&a, &al);
	add(l, EPOLLIN | EPOLLET, 6);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof(a));
	usleep(20000);
	wait0("tcp listener, one connection queued");
	wait0("again");
	int s = accept(l, NULL, NULL);
	add(s, EPOLLIN | EPOLLRDHUP | EPOLLET, 7);
	wait0("tcp accepted, no data");
	write(c, "x", 1);
	usleep(20000);
	wait0("tcp after data");
	wait0("again");
	write(c, "y", 1);
	usleep(20000);
	wait0("tcp after more data");
	shutdown(c, SHUT_WR);
	usleep(20000);
	wait0("tcp after the peer's FIN");
	wait0("again");
	close(s);
	close(c);
	close(l);
	timer_and_signal();
	return 0;
}
