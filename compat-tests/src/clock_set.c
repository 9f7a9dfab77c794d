/* clock_set: the checks of clock_settime, settimeofday, adjtimex and clock_adjtime. The wall
 * clock itself is never stepped here (natively that is the host's clock): the successful
 * calls are checked under unik by tests/e2e/cli.sh clock-set. Reading the clock's state with
 * adjtimex is safe everywhere. */
#include "compat.h"
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define C_SYS_TIME 25

static long settime(clockid_t c, long long sec, long nsec)
{
	struct timespec ts = { sec, nsec };
	return syscall(SYS_clock_settime, c, &ts);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	RESULT("clock_settime MONOTONIC", settime(CLOCK_MONOTONIC, now.tv_sec, 0));
	RESULT("clock_settime BOOTTIME", settime(CLOCK_BOOTTIME, now.tv_sec, 0));
	RESULT("clock_settime unknown clock 99", settime(99, now.tv_sec, 0));
	RESULT("clock_settime PROCESS_CPUTIME", settime(CLOCK_PROCESS_CPUTIME_ID, 0, 0));
	RESULT("clock_settime REALTIME nsec 1e9", settime(CLOCK_REALTIME, now.tv_sec, 1000000000));
	RESULT("clock_settime REALTIME negative", settime(CLOCK_REALTIME, -1, 0));
	RESULT("clock_settime REALTIME bad address",
	       syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
	struct timeval tv = { now.tv_sec, 1000000 };
	RESULT("settimeofday usec 1e6", syscall(SYS_settimeofday, &tv, NULL));
	struct timezone tz = { 16 * 60, 0 };
	RESULT("settimeofday minuteswest 960", syscall(SYS_settimeofday, NULL, &tz));
	RESULT("settimeofday nothing", syscall(SYS_settimeofday, NULL, NULL));
	struct timex tx;
	memset(&tx, 0, sizeof(tx));
	long r = syscall(SYS_adjtimex, &tx);
	printf("adjtimex read: %s\n", r >= 0 ? "a state" : errname(errno));
	fact("  the time it reports is now", tx.time.tv_sec >= now.tv_sec &&
					     tx.time.tv_sec <= now.tv_sec + 2);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SS_READ;
	r = syscall(SYS_adjtimex, &tx);
	printf("adjtimex ADJ_OFFSET_SS_READ: %s\n", r >= 0 ? "a state" : errname(errno));
	memset(&tx, 0, sizeof(tx));
	tx.modes = 0x8000;             /* ADJ_ADJTIME without SINGLESHOT */
	RESULT("adjtimex ADJ_ADJTIME alone", syscall(SYS_adjtimex, &tx));
	RESULT("adjtimex bad address", syscall(SYS_adjtimex, (void *)8));
	memset(&tx, 0, sizeof(tx));
	RESULT("clock_adjtime MONOTONIC", syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx));
	RESULT("clock_adjtime unknown clock 99", syscall(SYS_clock_adjtime, 99, &tx));
	r = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
	printf("clock_adjtime REALTIME read: %s\n", r >= 0 ? "a state" : errname(errno));

	/* Without CAP_SYS_TIME (as under docker's default set): EPERM after the value checks. */
	pid_t c = fork();
	if (c == 0) {
		prctl(PR_CAPBSET_DROP, C_SYS_TIME, 0, 0, 0);
		struct { uint32_t version; int pid; } h = { 0x20080522, 0 };
		struct { uint32_t eff, prm, inh; } d[2];
		syscall(SYS_capget, &h, d);
		d[0].eff &= ~(1u << C_SYS_TIME);
		d[0].prm &= ~(1u << C_SYS_TIME);
		syscall(SYS_capset, &h, d);
		RESULT("no CAP_SYS_TIME: clock_settime REALTIME", settime(CLOCK_REALTIME, now.tv_sec, 0));
		RESULT("no CAP_SYS_TIME: clock_settime bad nsec",
		       settime(CLOCK_REALTIME, now.tv_sec, -1));
		struct timeval t2 = { now.tv_sec, 0 };
		RESULT("no CAP_SYS_TIME: settimeofday", syscall(SYS_settimeofday, &t2, NULL));
		struct timezone z = { 60, 0 };
		RESULT("no CAP_SYS_TIME: settimeofday timezone", syscall(SYS_settimeofday, NULL, &z));
		struct timex t3;
		memset(&t3, 0, sizeof(t3));
		t3.modes = ADJ_SETOFFSET;
		RESULT("no CAP_SYS_TIME: adjtimex ADJ_SETOFFSET", syscall(SYS_adjtimex, &t3));
		memset(&t3, 0, sizeof(t3));
		t3.modes = ADJ_OFFSET_SS_READ;
		r = syscall(SYS_adjtimex, &t3);
		printf("no CAP_SYS_TIME: adjtimex ADJ_OFFSET_SS_READ: %s\n",
		       r >= 0 ? "a state" : errname(errno));
		_exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}
