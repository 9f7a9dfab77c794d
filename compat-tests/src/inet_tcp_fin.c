/* The end of a TCP stream comes right after its last byte: a forked writer sends TOTAL bytes over
   127.0.0.1 and closes; the reader takes READ bytes at a time and times the gap between the last
   data and end-of-file (read returning 0). A FIN riding on the segment that fills the receive
   window exactly must not wait for the writer's retransmission.
   usage: inet_tcp_fin TOTAL READ */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "compat.h"

#define EOF_LATE_MS 1000        /* native Linux: well under a millisecond */

static void die(const char *what)
{
	printf("%s: %s\n", what, errname(errno));
	exit(1);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* The child: connects to port, writes total bytes in 64 KiB writes, closes. */
static void writer(int port, unsigned long total)
{
	static char buf[65536];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)))
		die("connect");
	memset(buf, 'f', sizeof(buf));
	for (unsigned long done = 0; done < total;) {
		size_t n = total - done < sizeof(buf) ? total - done : sizeof(buf);
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			die("write");
		done += (unsigned long)w;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3)
		return 2;
	unsigned long total = strtoul(argv[1], NULL, 0), rsize = strtoul(argv[2], NULL, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &alen))
		die("listen");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		writer(ntohs(a.sin_port), total);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	char *buf = malloc(rsize);
	unsigned long got = 0;
	long long last = now_ms();
	ssize_t n;
	while ((n = read(s, buf, rsize)) > 0) {
		got += (unsigned long)n;
		last = now_ms();
	}
	if (n < 0)
		die("read");
	long long gap = now_ms() - last;
	int st;
	waitpid(pid, &st, 0);
	printf("%lu bytes in %lu-byte reads, child status %d\n", got, rsize, st);
	printf("end of stream within %d ms of the last data: %s\n", EOF_LATE_MS,
	       gap <= EOF_LATE_MS ? "yes" : "no");
	if (gap > EOF_LATE_MS)
		fprintf(stderr, "end of stream %lld ms after the last data\n", gap);
	return 0;
}
