/* futex with one thread: the word check (EAGAIN), timeouts relative and absolute on both clocks,
   wakes with nobody waiting, requeue checks, FUTEX_WAKE_OP's operation, a signal ending a wait,
   argument errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include "compat.h"

/* Linux's futex ABI (linux/futex.h is not in every flavour's include path). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(void *uaddr, int op, uint32_t val, const struct timespec *ts, void *uaddr2,
		  uint32_t val3)
{
	errno = 0;
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

static void on_alrm(int sig)
{
}

#define SHOW(what, call) do { long r_ = (call); printf("%s: %ld %s\n", what, r_, errname(errno)); } while (0)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	static uint32_t word[4] = { 7, 0, 0, 0 };
	struct timespec ts = { 0, 30000000 };
	SHOW("wait, word differs", futex(&word[0], FUTEX_WAIT_PRIVATE, 8, &ts, NULL, 0));
	long long t0 = now_ms();
	SHOW("wait 30 ms, word matches", futex(&word[0], FUTEX_WAIT_PRIVATE, 7, &ts, NULL, 0));
	printf("waited at least 30 ms: %s\n", now_ms() - t0 >= 30 ? "yes" : "no");

	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	t0 = now_ms();
	SHOW("wait_bitset absolute +20 ms", futex(&word[0], FUTEX_WAIT_BITSET_PRIVATE, 7, &abs,
						   NULL, FUTEX_BITSET_MATCH_ANY));
	printf("waited at least 19 ms: %s\n", now_ms() - t0 >= 19 ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec -= 5;
	SHOW("wait_bitset realtime in the past",
	     futex(&word[0], FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 7, &abs, NULL,
		   FUTEX_BITSET_MATCH_ANY));
	SHOW("wait_bitset bitset 0", futex(&word[0], FUTEX_WAIT_BITSET, 7, &ts, NULL, 0));

	SHOW("wake", futex(&word[0], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	SHOW("wake shared", futex(&word[0], FUTEX_WAKE, 10, NULL, NULL, 0));
	SHOW("wake_bitset bitset 0", futex(&word[0], FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
	SHOW("wake with FUTEX_CLOCK_REALTIME", futex(&word[0], FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1,
						      NULL, NULL, 0));
	SHOW("misaligned wait", futex((char *)&word[0] + 1, FUTEX_WAIT, 7, &ts, NULL, 0));
	SHOW("wait on a bad address", futex((void *)16, FUTEX_WAIT, 7, &ts, NULL, 0));
	struct timespec bad = { 0, 1000000000 };
	SHOW("wait with nsec 1e9", futex(&word[0], FUTEX_WAIT, 7, &bad, NULL, 0));
	SHOW("unknown op 99", futex(&word[0], 99, 0, NULL, NULL, 0));

	SHOW("cmp_requeue, word differs",
	     futex(&word[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &word[1], 8));
	SHOW("cmp_requeue, word matches",
	     futex(&word[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &word[1], 7));
	SHOW("requeue", futex(&word[0], FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &word[1], 0));

	word[2] = 10;
	SHOW("wake_op ADD 5", futex(&word[0], FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word[2],
				    FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 10)));
	printf("second word: %u\n", word[2]);
	SHOW("wake_op OR 1<<4", futex(&word[0], FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word[2],
				      FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4,
					       FUTEX_OP_CMP_GT, 0)));
	printf("second word: %u\n", word[2]);
	SHOW("wake_op SET 1", futex(&word[0], FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word[2],
				    FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_NE, 0)));
	printf("second word: %u\n", word[2]);

	/* A signal ends an untimed wait (the handler has no SA_RESTART). */
	struct sigaction sa = { .sa_handler = on_alrm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	SHOW("untimed wait ended by SIGALRM", futex(&word[0], FUTEX_WAIT_PRIVATE, 7, NULL, NULL, 0));
	return 0;
}
