/* AF_UNIX between threads and processes: file descriptors passed with SCM_RIGHTS (truncation,
   MSG_CMSG_CLOEXEC, peeking), credentials with SO_PASSCRED/SCM_CREDENTIALS, a server in one
   process and clients forked from it, blocking reads woken by another thread, MSG_WAITALL,
   epoll on sockets, and a large transfer checked end to end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "compat.h"

/* Sends one byte with n fds attached. */
static long send_fds(int s, const int *fds, int n)
{
	char c = 'F';
	struct iovec iov = { &c, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c0 = CMSG_FIRSTHDR(&mh);
	c0->cmsg_level = SOL_SOCKET;
	c0->cmsg_type = SCM_RIGHTS;
	c0->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c0), fds, sizeof(int) * n);
	return sendmsg(s, &mh, 0);
}

/* Receives into a control buffer of ctl bytes; prints what came and returns the first fd. */
static int recv_fds(const char *what, int s, size_t ctl, int flags)
{
	char c, buf[256];
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl ? buf : NULL,
			     .msg_controllen = ctl };
	long r = recvmsg(s, &mh, flags);
	if (r < 0) {
		printf("%s: -1 %s\n", what, errname(errno));
		return -1;
	}
	int first = -1, nfd = 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
			nfd = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(&first, CMSG_DATA(h), sizeof(int));
		}
	}
	printf("%s: %ld byte(s), %d fd(s), ctrunc %s, controllen %zu\n", what, r, nfd,
	       mh.msg_flags & MSG_CTRUNC ? "yes" : "no", (size_t)mh.msg_controllen);
	return first;
}

static void rights(void)
{
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	RESULT("send pipe read end", send_fds(sv[0], &p[0], 1));
	int fd = recv_fds("receive it", sv[1], 64, 0);
	struct stat a, b;
	fstat(p[0], &a);
	fstat(fd, &b);
	printf("same pipe: %s, new fd differs: %s\n", a.st_ino == b.st_ino ? "yes" : "no",
	       fd != p[0] ? "yes" : "no");
	write(p[1], "through", 7);
	char buf[16] = { 0 };
	RESULT("read through passed fd", read(fd, buf, sizeof(buf)));
	printf("cloexec without MSG_CMSG_CLOEXEC: %d\n", fcntl(fd, F_GETFD));
	close(fd);

	RESULT("send again", send_fds(sv[0], &p[0], 1));
	fd = recv_fds("receive with MSG_CMSG_CLOEXEC", sv[1], 64, MSG_CMSG_CLOEXEC);
	printf("cloexec: %d\n", fcntl(fd, F_GETFD));
	close(fd);

	int three[3] = { p[0], p[1], sv[0] };
	RESULT("send three fds", send_fds(sv[0], three, 3));
	fd = recv_fds("peek", sv[1], 64, MSG_PEEK);
	close(fd);
	fd = recv_fds("receive into room for one", sv[1], CMSG_SPACE(sizeof(int)), 0);
	close(fd);

	RESULT("send one fd", send_fds(sv[0], &p[1], 1));
	recv_fds("receive without control buffer", sv[1], 0, 0);

	/* files end a stream read: data sent after them comes with the next read */
	send_fds(sv[0], &p[0], 1);
	write(sv[0], "tail", 4);
	fd = recv_fds("read stops after the fds", sv[1], 64, 0);
	close(fd);
	RESULT("then the rest", read(sv[1], buf, sizeof(buf)));

	RESULT("send bad fd", send_fds(sv[0], (int[]){ 999 }, 1));
	char c = 'x';
	struct iovec iov = { &c, 1 };
	char ctl[CMSG_SPACE(4)] = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = sizeof(ctl) + 8;
	RESULT("cmsg_len past the buffer", sendmsg(sv[0], &mh, 0));
	h->cmsg_len = CMSG_LEN(4);
	h->cmsg_type = 77;
	RESULT("unknown SOL_SOCKET cmsg type", sendmsg(sv[0], &mh, 0));
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static void creds(void)
{
	int sv[2], on = 1;
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	RESULT("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	send(sv[0], "c", 1, 0);
	char c, buf[128];
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			     .msg_controllen = sizeof(buf) };
	RESULT("recvmsg with credentials", recvmsg(sv[1], &mh, 0));
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	if (h && h->cmsg_type == SCM_CREDENTIALS) {
		struct ucred u;
		memcpy(&u, CMSG_DATA(h), sizeof(u));
		printf("credentials: len %zu pid ok %s uid ok %s gid ok %s\n", (size_t)h->cmsg_len,
		       u.pid == getpid() ? "yes" : "no", u.uid == getuid() ? "yes" : "no",
		       u.gid == getgid() ? "yes" : "no");
	} else {
		printf("credentials: none\n");
	}
	/* explicit credentials of our own are accepted */
	struct ucred mine = { getpid(), getuid(), getgid() };
	char ctl[CMSG_SPACE(sizeof(mine))];
	struct msghdr sm = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	h = CMSG_FIRSTHDR(&sm);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_CREDENTIALS;
	h->cmsg_len = CMSG_LEN(sizeof(mine));
	memcpy(CMSG_DATA(h), &mine, sizeof(mine));
	RESULT("send own credentials", sendmsg(sv[0], &sm, 0));
	mh.msg_controllen = CMSG_LEN(sizeof(struct ucred)) - 4;
	RESULT("recvmsg, control too short", recvmsg(sv[1], &mh, 0));
	printf("ctrunc: %s\n", mh.msg_flags & MSG_CTRUNC ? "yes" : "no");
	close(sv[0]);
	close(sv[1]);
}

static int waiter_fd;
static void *waiter(void *arg)
{
	char buf[8];
	long r = read(waiter_fd, buf, sizeof(buf));
	return (void *)r;
}

static void blocking(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	waiter_fd = sv[1];
	pthread_t t;
	pthread_create(&t, NULL, waiter, NULL);
	usleep(50000);
	write(sv[0], "wake", 4);
	void *r;
	pthread_join(t, &r);
	printf("thread's blocking read got: %ld\n", (long)r);

	/* MSG_WAITALL waits for every byte, across writes from another process */
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			usleep(20000);
			write(sv[0], "abcd", 4);
		}
		_exit(0);
	}
	char buf[16];
	RESULT("recv MSG_WAITALL 16", recv(sv[1], buf, 16, MSG_WAITALL));
	waitpid(pid, NULL, 0);

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7 };
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	RESULT("epoll_wait, nothing", epoll_wait(ep, &ev, 1, 0));
	pid = fork();
	if (pid == 0) {
		usleep(30000);
		write(sv[0], "e", 1);
		_exit(0);
	}
	int n = epoll_wait(ep, &ev, 1, 5000);
	printf("epoll_wait: %d events %#x data %u\n", n, ev.events, ev.data.u32);
	read(sv[1], buf, 1);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	n = epoll_wait(ep, &ev, 1, 5000);
	printf("epoll_wait after peer close: %d events %#x\n", n, ev.events);
	close(ep);
	close(sv[1]);
}

/* A server bound to a path, clients forked from it, each echoing a checksum of 2 MiB. */
static void server(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "/tmp/unik-scm-%d.sock", getpid());
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	RESULT("bind", bind(l, (struct sockaddr *)&a, sizeof(a)));
	RESULT("listen", listen(l, 16));
	enum { CLIENTS = 3, SIZE = 2 << 20 };
	for (int i = 0; i < CLIENTS; i++) {
		if (fork() == 0) {
			int c = socket(AF_UNIX, SOCK_STREAM, 0);
			if (connect(c, (struct sockaddr *)&a, sizeof(a)))
				_exit(10);
			static unsigned char data[SIZE];
			for (int j = 0; j < SIZE; j++)
				data[j] = (unsigned char)(j * 7 + i);
			unsigned long long want = fnv1a(FNV_INIT, data, SIZE);
			size_t off = 0;
			while (off < SIZE) {
				ssize_t w = write(c, data + off, SIZE - off);
				if (w <= 0)
					_exit(11);
				off += (size_t)w;
			}
			shutdown(c, SHUT_WR);
			unsigned long long got;
			if (read(c, &got, sizeof(got)) != sizeof(got))
				_exit(12);
			_exit(got == want ? 0 : 13);
		}
	}
	for (int i = 0; i < CLIENTS; i++) {
		int s = accept(l, NULL, NULL);
		if (s < 0) {
			printf("accept: %s\n", errname(errno));
			break;
		}
		unsigned long long h = FNV_INIT;
		static unsigned char buf[65536];
		long total = 0;
		for (;;) {
			ssize_t r = read(s, buf, sizeof(buf));
			if (r <= 0)
				break;
			h = fnv1a(h, buf, (unsigned long)r);
			total += r;
		}
		write(s, &h, sizeof(h));
		printf("connection %d: %ld bytes\n", i, total);
		close(s);
	}
	int ok = 0;
	for (int i = 0; i < CLIENTS; i++) {
		int st;
		wait(&st);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("clients whose checksum matched: %d\n", ok);
	unlink(a.sun_path);
	close(l);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	rights();
	creds();
	blocking();
	server();
	return 0;
}
