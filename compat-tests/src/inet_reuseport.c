/* SO_REUSEPORT on TCP listeners over loopback: several sockets of one user listen on one
   address and port and the connections are spread over them (each gets some, none is lost);
   without the option on both, bind gives EADDRINUSE; the group keeps serving when one of its
   listeners (the first or another) closes. UDP sockets share a port the same way, each sender's
   datagrams going to one of them. Prints no ports. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "compat.h"

#define NCONN 24

static struct sockaddr_in loop(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return a;
}

/* A socket bound to 127.0.0.1:port (0: any free port), with SO_REUSEPORT when reuse; -errno
   when bind fails. */
static int bound(int type, int port, int reuse)
{
	int s = socket(AF_INET, type, 0), one = 1;
	if (reuse && setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		return -errno;
	struct sockaddr_in a = loop(port);
	if (bind(s, (void *)&a, sizeof(a))) {
		int e = errno;
		close(s);
		return -e;
	}
	return s;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	getsockname(fd, (void *)&a, &len);
	return ntohs(a.sin_port);
}

/* Makes n connections to port and accepts each on whichever of the listeners has it; counts
   per listener in got[]. Returns the number accepted. */
static int spread(int port, const int *l, int nl, int *got, int n)
{
	int c[NCONN], total = 0;
	for (int i = 0; i < nl; i++)
		got[i] = 0;
	for (int i = 0; i < n; i++) {
		struct sockaddr_in a = loop(port);
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c[i], (void *)&a, sizeof(a)))
			printf("connect %d: %s\n", i, errname(errno));
	}
	for (int round = 0; round < 200 && total < n; round++) {
		struct pollfd p[4];
		for (int i = 0; i < nl; i++)
			p[i] = (struct pollfd){ .fd = l[i], .events = POLLIN };
		if (poll(p, nl, 100) <= 0)
			continue;
		for (int i = 0; i < nl; i++)
			if (p[i].revents & POLLIN) {
				int a = accept(l[i], NULL, NULL);
				if (a >= 0) {
					got[i]++;
					total++;
					close(a);
				}
			}
	}
	for (int i = 0; i < n; i++)
		close(c[i]);
	return total;
}

int main(void)
{
	int got[4];
	int a = bound(SOCK_STREAM, 0, 1);
	int port = port_of(a);
	RESULT("listen (first, SO_REUSEPORT)", listen(a, 64));
	int b = bound(SOCK_STREAM, port, 1);
	fact("bind of a second SO_REUSEPORT socket to the same port", b >= 0);
	RESULT("listen (second)", listen(b, 64));
	fact("the second one's address is the port", port_of(b) == port);
	int c = bound(SOCK_STREAM, port, 0);
	printf("bind of a socket without SO_REUSEPORT: %s\n", c < 0 ? errname(-c) : "bound");
	int n = spread(port, (int[]){ a, b }, 2, got, NCONN);
	printf("accepted %d of %d\n", n, NCONN);
	fact("both listeners got connections", got[0] > 0 && got[1] > 0);

	/* A third joins, then the first (which made the group) closes: the rest serve on. */
	int d = bound(SOCK_STREAM, port, 1);
	RESULT("listen (third)", listen(d, 64));
	close(a);
	n = spread(port, (int[]){ b, d }, 2, got, NCONN);
	printf("after the first closed: accepted %d of %d\n", n, NCONN);
	fact("both remaining listeners got connections", got[0] > 0 && got[1] > 0);
	close(d);
	n = spread(port, (int[]){ b }, 1, got, 8);
	printf("after the third closed: accepted %d of 8\n", n);
	close(b);
	struct sockaddr_in to = loop(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	RESULT("connect once all are closed", connect(s, (void *)&to, sizeof(to)));
	close(s);

	/* A listener without the option keeps the port to itself. */
	int e = bound(SOCK_STREAM, 0, 0);
	listen(e, 8);
	int f = bound(SOCK_STREAM, port_of(e), 1);
	printf("SO_REUSEPORT bind next to a listener without it: %s\n", f < 0 ? errname(-f) : "bound");
	close(e);

	/* UDP: two sockets on one port share the senders; one sender stays with one socket. */
	int u[2];
	u[0] = bound(SOCK_DGRAM, 0, 1);
	u[1] = bound(SOCK_DGRAM, port_of(u[0]), 1);
	fact("UDP: a second SO_REUSEPORT socket on the port", u[1] >= 0);
	struct sockaddr_in ua = loop(port_of(u[0]));
	int ugot[2] = { 0, 0 }, same = 1;
	for (int i = 0; i < NCONN; i++) {
		int c = socket(AF_INET, SOCK_DGRAM, 0), first = -1;
		for (int k = 0; k < 3; k++) {
			sendto(c, "d", 1, 0, (void *)&ua, sizeof(ua));
			struct pollfd p[2] = { { u[0], POLLIN, 0 }, { u[1], POLLIN, 0 } };
			poll(p, 2, 1000);
			for (int j = 0; j < 2; j++)
				if (p[j].revents & POLLIN) {
					char b[4];
					recv(u[j], b, sizeof(b), 0);
					ugot[j]++;
					if (first < 0)
						first = j;
					else if (first != j)
						same = 0;
				}
		}
		close(c);
	}
	printf("UDP: received %d of %d\n", ugot[0] + ugot[1], 3 * NCONN);
	fact("UDP: both sockets got datagrams", ugot[0] > 0 && ugot[1] > 0);
	fact("UDP: each sender's datagrams went to one socket", same);
	return 0;
}
