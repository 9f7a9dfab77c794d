/* inet_tcp_buf: SO_SNDBUF and SO_RCVBUF bound what TCP takes in: with 4 KiB asked on both ends a
 * non-blocking writer runs into EAGAIN within a few KiB while the reader reads nothing (with
 * the defaults, hundreds of KiB go first); and a reader that closes after 1 KiB with data
 * unread resets the connection, so a writer that was held back by those buffers fails
 * (ECONNRESET or EPIPE) rather than finishing its 256 KiB. */
#include "compat.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int listener(int rcvbuf, struct sockaddr_in *a)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (rcvbuf)
		setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	a->sin_family = AF_INET;
	a->sin_port = 0;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(l, (struct sockaddr *)a, sizeof(*a));
	listen(l, 1);
	socklen_t al = sizeof(*a);
	getsockname(l, (struct sockaddr *)a, &al);
	return l;
}

/* Bytes a non-blocking writer gets in before EAGAIN (a short pause allowed for the peer's
   acknowledgements), with buf bytes of SO_SNDBUF/SO_RCVBUF asked (0: the defaults). */
static long queued(int buf)
{
	struct sockaddr_in a;
	int l = listener(buf, &a), c = socket(AF_INET, SOCK_STREAM, 0);
	if (buf)
		setsockopt(c, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	connect(c, (struct sockaddr *)&a, sizeof(a));
	int s = accept(l, NULL, NULL);
	fcntl(c, F_SETFL, O_NONBLOCK);
	static char data[65536];
	long total = 0;
	for (int tries = 0; tries < 2 && total < (64l << 20);) {
		ssize_t n = write(c, data, sizeof(data));
		if (n > 0) {
			total += n;
			continue;
		}
		tries++;
		usleep(20000);
	}
	close(s);
	close(c);
	close(l);
	return total;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	long small = queued(4096), dflt = queued(0);
	printf("4 KiB buffers: a few KiB queued (1 KiB to 64 KiB): %s\n", small >= 1024 && small < 65536 ? "yes" : "no");
	printf("default buffers: over 256 KiB queued: %s\n", dflt > 262144 ? "yes" : "no");

	struct sockaddr_in a;
	int l = listener(4096, &a);
	pid_t w = fork();
	if (w == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0), sz = 4096;
		setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (connect(c, (struct sockaddr *)&a, sizeof(a)))
			_exit(2);
		static char data[262144];
		long sent = 0;
		while (sent < (long)sizeof(data)) {
			ssize_t n = write(c, data + sent, sizeof(data) - sent);
			if (n < 0)
				_exit(errno == ECONNRESET || errno == EPIPE ? 0 : 3);
			sent += n;
		}
		_exit(1);       /* everything went: nothing held the writer back */
	}
	int s = accept(l, NULL, NULL);
	char got[1024];
	long r = 0;
	while (r < 1024) {
		ssize_t n = read(s, got, sizeof(got) - r);
		if (n <= 0)
			break;
		r += n;
	}
	close(s);               /* with data unread: a reset */
	int st;
	waitpid(w, &st, 0);
	printf("the reader read 1 KiB and closed; the writer: %s\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "failed with ECONNRESET or EPIPE" :
	       WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "sent all 256 KiB" : "something else");
	return 0;
}
