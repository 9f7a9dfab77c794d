/* `unik run -t` without a terminal on the host (output to a pipe or a file, as in CI): docker
   then gives the container a pseudo-terminal of its own and copies what it prints to the
   client, so the program sees a terminal (isatty, termios, \n written as \r\n by the line
   discipline). The monitor does the same on the host: the slave becomes the program's fds 0,
   1 and 2 (its console), and a thread copies from the master to where stdout went. */
#define _GNU_SOURCE
#include "cli/run.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *pty_copy(void *arg)
{
	struct run_pty *p = arg;
	char buf[16384];
	for (;;) {
		ssize_t n = read(p->master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;          /* EIO once the last slave fd is closed and all was read */
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(p->out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return NULL;    /* the reader went away: drop the rest, as docker does */
			off += w;
		}
	}
	return NULL;
}

int run_pty_start(struct run_pty *p)
{
	memset(p, 0, sizeof(*p));
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *name = p->master >= 0 && !grantpt(p->master) && !unlockpt(p->master) ?
			   ptsname(p->master) : NULL;
	int slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	p->out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	p->err = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (slave < 0 || p->out < 0 || p->err < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
	    dup2(slave, 2) < 0) {
		fprintf(stderr, "unik: cannot make a terminal for -t: %s\n", strerror(errno));
		return -1;
	}
	close(slave);
	if (pthread_create(&p->thread, NULL, pty_copy, p)) {
		dup2(p->err, 2);
		fprintf(stderr, "unik: cannot make a terminal for -t: no thread\n");
		return -1;
	}
	p->running = true;
	return 0;
}

void run_pty_finish(struct run_pty *p)
{
	if (!p->running)
		return;
	/* The slave's last fds go: the copier reads what is left, then EIO. */
	fflush(stdout);
	fflush(stderr);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(p->out, 1);
	dup2(p->err, 2);
	pthread_join(p->thread, NULL);
	close(p->master);
	close(p->out);
	close(p->err);
	p->running = false;
}
