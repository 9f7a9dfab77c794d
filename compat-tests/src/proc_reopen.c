/* Opening /proc/self/fd/N and /dev/stdout reaches the open file itself (pipes, the console,
   files), as Linux's magic links do. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int p[2];
	if (pipe(p))
		return 1;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	int w = open(path, O_WRONLY);
	printf("reopen a pipe's write end: %s\n", w >= 0 ? "ok" : "failed");
	if (w >= 0) {
		write(w, "hey", 3);
		close(w);
	}
	char b[8] = { 0 };
	printf("read through the original read end: %zd %s\n", read(p[0], b, sizeof b - 1), b);
	int o = open("/dev/stdout", O_WRONLY);
	printf("open /dev/stdout: %s\n", o >= 0 ? "ok" : "failed");
	if (o >= 0)
		dprintf(o, "written through /dev/stdout\n");
	int e = open("/dev/fd/1", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	printf("open /dev/fd/1 with O_CREAT|O_TRUNC: %s\n", e >= 0 ? "ok" : "failed");
	char dir[] = "/tmp/reopen-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char f[64];
	snprintf(f, sizeof f, "%s/file", dir);
	int fd = open(f, O_RDWR | O_CREAT, 0600);
	write(fd, "abc", 3);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int again = open(path, O_RDONLY);
	char c[4] = { 0 };
	printf("reopen a file: read %zd %s\n", read(again, c, 3), c);
	unlink(f);
	rmdir(dir);

	/* A pipe(2) pipe is not a FIFO: reopening an end never waits for the other one. */
	int q[2];
	if (pipe(q))
		return 1;
	write(q[1], "data", 4);
	close(q[1]);            /* no writer left */
	snprintf(path, sizeof path, "/proc/self/fd/%d", q[0]);
	alarm(5);               /* a FIFO-style wait for a writer would never end */
	int r2 = open(path, O_RDONLY);
	printf("reopen a read end with no writer: %s\n", r2 >= 0 ? "ok" : "failed");
	char d[8] = { 0 };
	ssize_t n1 = read(r2, d, sizeof d - 1);
	printf("read %zd %s", n1, d);
	printf(", then %zd (EOF)\n", read(r2, d, 1));
	close(r2);
	close(q[0]);
	if (pipe(q))
		return 1;
	close(q[0]);            /* no reader left */
	signal(SIGPIPE, SIG_IGN);
	snprintf(path, sizeof path, "/proc/self/fd/%d", q[1]);
	int w2 = open(path, O_WRONLY | O_NONBLOCK);
	printf("reopen a write end with no reader, O_NONBLOCK: %s\n", w2 >= 0 ? "ok" : strerror(errno));
	errno = 0;
	ssize_t wn = write(w2, "x", 1);
	printf("write: %zd %s\n", wn, errno == EPIPE ? "EPIPE" : "?");
	int w3 = open(path, O_WRONLY);
	printf("reopen it blocking: %s\n", w3 >= 0 ? "ok" : "failed");
	alarm(0);
	return 0;
}
