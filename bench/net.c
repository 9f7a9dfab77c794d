/* Network benchmark helper, run natively and inside unik alike:
     net httpd PORT            a small epoll HTTP/1.1 server (keep-alive, a fixed 64-byte body)
                               for wrk; runs until killed
     net sink PORT             accepts one connection, reads it to the end, prints MB/s
     net send HOST PORT MB     connects and writes MB mebibytes, prints MB/s
     net source PORT MB        accepts one connection and writes MB mebibytes to it
     net drain HOST PORT       connects and reads to the end, prints MB/s
     net pingpong HOST PORT N  N one-byte round trips to an echo server, prints us per trip
     net echo PORT             echoes one connection */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static char buf[1 << 20];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int listener(int port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), on = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 128)) {
		perror("bind/listen");
		exit(1);
	}
	return l;
}

static int dial(const char *host, int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), on = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, host, &a.sin_addr);
	for (int i = 0; connect(s, (struct sockaddr *)&a, sizeof(a)); i++) {
		if (i == 100) {
			perror("connect");
			exit(1);
		}
		usleep(50000);
		close(s);
		s = socket(AF_INET, SOCK_STREAM, 0);
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return s;
}

static void pump_out(int s, long mb)
{
	for (long left = mb << 20; left > 0;) {
		ssize_t w = write(s, buf, left < (long)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (w <= 0) {
			perror("write");
			exit(1);
		}
		left -= w;
	}
}

static void pump_in(int s)
{
	double t0 = now();
	long total = 0;
	for (ssize_t r; (r = read(s, buf, sizeof(buf))) > 0;)
		total += r;
	printf("%.0f\n", total / (now() - t0) / 1e6);
}

static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 64\r\nContent-Type: text/plain\r\n\r\n"
			    "0123456789012345678901234567890123456789012345678901234567890123";

static void httpd(int port)
{
	int l = listener(port), ep = epoll_create1(0);
	fcntl(l, F_SETFL, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, evs[64];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					int on = 1;
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
					ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));
				if (r <= 0) {
					if (r == 0 || errno != EAGAIN)
						close(fd);
					break;
				}
				/* one reply per request in what came (requests end with an empty line) */
				for (char *p = buf; (p = memmem(p, (size_t)(buf + r - p), "\r\n\r\n", 4)); p += 4)
					write(fd, reply, sizeof(reply) - 1);
			}
		}
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "httpd"))
		httpd(atoi(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "sink"))
		pump_in(accept(listener(atoi(argv[2])), NULL, NULL));
	else if (argc >= 5 && !strcmp(argv[1], "send")) {
		int s = dial(argv[2], atoi(argv[3]));
		double t0 = now();
		pump_out(s, atol(argv[4]));
		shutdown(s, SHUT_WR);
		read(s, buf, 1);        /* the sink's close: everything arrived */
		printf("%.0f\n", (atol(argv[4]) << 20) / (now() - t0) / 1e6);
	} else if (argc >= 4 && !strcmp(argv[1], "source")) {
		int c = accept(listener(atoi(argv[2])), NULL, NULL);
		pump_out(c, atol(argv[3]));
		close(c);
	} else if (argc >= 4 && !strcmp(argv[1], "drain"))
		pump_in(dial(argv[2], atoi(argv[3])));
	else if (argc >= 3 && !strcmp(argv[1], "echo")) {
		int c = accept(listener(atoi(argv[2])), NULL, NULL), on = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		for (ssize_t r; (r = read(c, buf, sizeof(buf))) > 0;)
			write(c, buf, (size_t)r);
	} else if (argc >= 5 && !strcmp(argv[1], "pingpong")) {
		int s = dial(argv[2], atoi(argv[3]));
		long n = atol(argv[4]);
		double t0 = now();
		for (long i = 0; i < n; i++)
			if (write(s, "x", 1) != 1 || read(s, buf, 1) != 1)
				return 1;
		printf("%.1f\n", (now() - t0) / n * 1e6);
	} else {
		fprintf(stderr, "usage: see bench/net.c\n");
		return 2;
	}
	return 0;
}
