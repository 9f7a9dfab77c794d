/* fd_many: more fds than the default 1024, up to a raised RLIMIT_NOFILE: opening and dup up to
 * the limit then EMFILE, dup2/F_DUPFD at the edge, poll over 2,500 fds, epoll over 1,500
 * eventfds, select with an fd above FD_SETSIZE, /proc/self/fd and FDSize, fork's copy of a
 * large table, close_range over it. The native run needs a hard limit of at least 3000. */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define LIMIT 3000

static int count_proc_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;           /* the directory's own fd */
}

static void fdsize(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "FDSize:", 7))
			printf("%s", line);
	if (f)
		fclose(f);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max < LIMIT) {
		printf("hard limit below %d\n", LIMIT);
		return 1;
	}
	rl.rlim_cur = LIMIT;
	RESULT("setrlimit NOFILE 3000", setrlimit(RLIMIT_NOFILE, &rl));
	syscall(SYS_close_range, 3, ~0u, 0);    /* whatever the runner left open */
	int fd = open("/dev/null", O_RDWR);
	int last = fd, errs = 0;
	while ((fd = dup(0 + last)) >= 0) {
		if (fd != last + 1)
			errs++;
		last = fd;
	}
	printf("dup up to fd %d, out of order %d, then %s\n", last, errs, errname(errno));
	RESULT("open at the limit", open("/dev/null", O_RDONLY));
	RESULT("dup2 onto 2999", dup2(0, LIMIT - 1));
	RESULT("dup2 onto 3000", dup2(0, LIMIT));
	RESULT("F_DUPFD 3000", fcntl(0, F_DUPFD, LIMIT));
	close(1500);
	close(2990);
	RESULT("F_DUPFD from 1000 takes the hole", fcntl(0, F_DUPFD, 1000));
	RESULT("F_DUPFD_CLOEXEC from 2000", fcntl(0, F_DUPFD_CLOEXEC, 2000));
	RESULT("F_GETFD of it", fcntl(2990, F_GETFD));
	close(2997);
	close(2998);            /* room for opendir and fopen */
	printf("fds in /proc/self/fd: %d\n", count_proc_fds());
	fdsize();
	dup2(0, 2997);
	dup2(0, 2998);

	/* poll over 2,500 of them (all /dev/null: readable and writable) */
	struct pollfd *p = calloc(LIMIT + 1, sizeof(*p));
	for (int i = 0; i < 2500; i++) {
		p[i].fd = 3 + i;
		p[i].events = POLLIN;
	}
	RESULT("poll 2500 fds", poll(p, 2500, 0));
	printf("revents of the last: %#x\n", p[2499].revents);
	RESULT("poll more fds than the limit", poll(p, LIMIT + 1, 0));

	/* select with fd 2000 in a set larger than FD_SETSIZE */
	unsigned long set[LIMIT / 64 + 1];
	memset(set, 0, sizeof(set));
	set[2000 / 64] |= 1ul << (2000 % 64);
	struct timeval tv = { 0, 0 };
	RESULT("select fd 2000", syscall(SYS_select, 2001, set, NULL, NULL, &tv));
	printf("fd 2000 still set: %s\n", set[2000 / 64] & (1ul << (2000 % 64)) ? "yes" : "no");

	/* fork copies the whole table */
	pid_t c = fork();
	if (c == 0)
		_exit(fcntl(2999, F_GETFD) == 0 && fcntl(2990, F_GETFD) == FD_CLOEXEC ? 0 : 1);
	int st;
	waitpid(c, &st, 0);
	printf("child sees fds 2990 and 2999: %s\n", WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no");

	/* epoll over 1,500 eventfds, each readable */
	RESULT("close_range 3..", syscall(SYS_close_range, 3, ~0u, 0));
	printf("fds in /proc/self/fd after: %d\n", count_proc_fds());
	int ep = epoll_create1(0);
	int bad = 0;
	for (int i = 0; i < 1500; i++) {
		int e = eventfd(1, 0);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (unsigned)i };
		if (e < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev))
			bad++;
	}
	printf("eventfds added: %d bad\n", bad);
	struct epoll_event *evs = calloc(2000, sizeof(*evs));
	int n = epoll_wait(ep, evs, 2000, 0);
	unsigned long long sum = 0;
	for (int i = 0; i < n; i++)
		sum += evs[i].data.u32;
	printf("epoll_wait: %d ready, data sum %llu\n", n, sum);
	RESULT("setrlimit NOFILE back to 1024 with fds above", (rl.rlim_cur = 1024, setrlimit(RLIMIT_NOFILE, &rl)));
	RESULT("dup now", dup(0));
	return 0;
}
