/* fasync: O_ASYNC (FIOASYNC, F_SETFL) with an owner (F_SETOWN, F_SETOWN_EX) sends SIGIO, or the
 * F_SETSIG signal with si_code, si_band and si_fd, when a pipe or socket gets input; and the
 * errno cases of the owner calls. As nginx's master uses it on its channel to the workers. */
#define _GNU_SOURCE
#include "compat.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile int sigio, rt, rt_code, rt_fd;
static volatile long rt_band;

static void on_sigio(int s) { sigio++; }

static void on_rt(int s, siginfo_t *si, void *uc)
{
	rt++;
	rt_code = si->si_code;
	rt_fd = si->si_fd;
	rt_band = si->si_band;
}

/* Lets pending signals arrive. */
static void settle(void)
{
	for (int i = 0; i < 3; i++)
		getppid();
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGIO, on_sigio);
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN + 1, &sa, NULL);

	int p[2];
	pipe(p);
	RESULT("F_GETOWN of a new pipe", fcntl(p[0], F_GETOWN));
	RESULT("F_SETOWN self", fcntl(p[0], F_SETOWN, getpid()));
	fact("F_GETOWN is self", fcntl(p[0], F_GETOWN) == getpid());
	int on = 1;
	RESULT("FIOASYNC on a pipe", ioctl(p[0], FIOASYNC, &on));
	fact("O_ASYNC in F_GETFL", (fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
	write(p[1], "a", 1);
	settle();
	printf("SIGIO after a write: %d\n", sigio);
	write(p[1], "b", 1);
	settle();
	printf("SIGIO after a second write: %d\n", sigio);
	char c[4];
	read(p[0], c, sizeof(c));
	settle();
	printf("SIGIO after reading: %d\n", sigio);
	RESULT("F_SETSIG SIGRTMIN+1", fcntl(p[0], F_SETSIG, SIGRTMIN + 1));
	write(p[1], "c", 1);
	settle();
	printf("F_SETSIG signal: %d, code %s, fd is the pipe's: %s, band %#lx\n", rt,
	       rt_code == POLL_IN ? "POLL_IN" : "?", rt_fd == p[0] ? "yes" : "no", rt_band);
	printf("SIGIO meanwhile: %d\n", sigio);
	on = 0;
	RESULT("FIOASYNC off", ioctl(p[0], FIOASYNC, &on));
	write(p[1], "d", 1);
	settle();
	printf("signals after turning it off: %d %d\n", sigio, rt);
	close(p[0]);
	close(p[1]);

	/* a socket pair through F_SETFL, owned with F_SETOWN_EX */
	int s[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	struct f_owner_ex o = { F_OWNER_PID, getpid() };
	RESULT("F_SETOWN_EX process", fcntl(s[0], F_SETOWN_EX, &o));
	RESULT("F_SETFL O_ASYNC on a socket", fcntl(s[0], F_SETFL, fcntl(s[0], F_GETFL) | O_ASYNC));
	sigio = 0;
	write(s[1], "x", 1);
	settle();
	printf("SIGIO after a send: %d\n", sigio);
	struct f_owner_ex got = { -1, -1 };
	RESULT("F_GETOWN_EX", fcntl(s[0], F_GETOWN_EX, &got));
	fact("  type and pid", got.type == F_OWNER_PID && got.pid == getpid());
	o.type = 9;
	RESULT("F_SETOWN_EX bad type", fcntl(s[0], F_SETOWN_EX, &o));
	RESULT("F_SETOWN_EX bad address", fcntl(s[0], F_SETOWN_EX, (void *)8));
	RESULT("F_SETOWN of no process", fcntl(s[0], F_SETOWN, 999999));
	RESULT("F_SETOWN of no group", fcntl(s[0], F_SETOWN, -999999));
	RESULT("F_SETOWN own group", fcntl(s[0], F_SETOWN, -getpgrp()));
	fact("F_GETOWN is minus the group", fcntl(s[0], F_GETOWN) == -getpgrp());
	RESULT("F_SETOWN 0", fcntl(s[0], F_SETOWN, 0));
	RESULT("F_GETOWN after 0", fcntl(s[0], F_GETOWN));
	sigio = 0;
	write(s[1], "y", 1);
	settle();
	printf("SIGIO with no owner: %d\n", sigio);
	close(s[0]);
	close(s[1]);

	/* regular files: FIOASYNC refused, F_SETFL ignores the flag */
	char path[] = "/tmp/fasync.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	on = 1;
	RESULT("FIOASYNC on a regular file", ioctl(fd, FIOASYNC, &on));
	on = 0;
	RESULT("FIOASYNC off on a regular file", ioctl(fd, FIOASYNC, &on));
	RESULT("F_SETFL O_ASYNC on a regular file", fcntl(fd, F_SETFL, O_ASYNC));
	fact("  O_ASYNC set", (fcntl(fd, F_GETFL) & O_ASYNC) != 0);
	close(fd);
	return 0;
}
