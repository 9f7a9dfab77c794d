/* Thread and signal costs, printed as "PINGPONG_NS CREATE_NS PIPE_MBS SIGNAL_NS WAKE_US": one
   futex round trip between two threads (wake the other, wait to be woken), one pthread_create +
   pthread_join of an empty thread, MB/s through a pipe from one thread to another in 64 KiB
   writes, one signal round trip (raise, the handler runs, sigreturn), and the mean wake-up
   latency of a thread blocked on a pipe that a thread sharing its CPU writes to and then keeps
   computing (both pinned to CPU 0: unik's one vCPU). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static uint32_t ball;
static int rounds = 20000;
static int pfd[2];
static long pipe_bytes = 256l << 20;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void futex(uint32_t *w, int op, uint32_t v)
{
	syscall(SYS_futex, w, op, v, NULL, NULL, 0);
}

static void *pong(void *arg)
{
	for (int i = 0; i < rounds; i++) {
		while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) != 1)
			futex(&ball, FUTEX_WAIT_PRIVATE, 0);
		__atomic_store_n(&ball, 0, __ATOMIC_RELEASE);
		futex(&ball, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

static volatile sig_atomic_t handled;
static volatile double woke;
static int wfd[2];

static void *wake_reader(void *arg)
{
	char c;
	while (read(wfd[0], &c, 1) == 1)
		woke = now();
	return NULL;
}

/* Mean µs from the write to the reader running, over 20 rounds (100 ms at most each). */
static double wake_latency(void)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	pipe(wfd);
	pthread_t t;
	pthread_create(&t, NULL, wake_reader, NULL);
	usleep(20000);
	int n = 20;
	double sum = 0;
	for (int i = 0; i < n; i++) {
		woke = 0;
		double t0 = now();
		write(wfd[1], "x", 1);
		volatile unsigned x = 1;
		while (!woke && now() - t0 < 0.1)
			for (int k = 0; k < 1000; k++)
				x = x * 3 + 1;
		sum += (woke ? woke : now()) - t0;
		usleep(3000);
	}
	close(wfd[1]);
	pthread_join(t, NULL);
	return sum / n * 1e6;
}

static void on_usr1(int sig)
{
	handled++;
}

static void *nothing(void *arg)
{
	return arg;
}

static void *pipe_writer(void *arg)
{
	static char buf[65536];
	for (long done = 0; done < pipe_bytes; done += sizeof(buf))
		write(pfd[1], buf, sizeof(buf));
	close(pfd[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	pthread_create(&t, NULL, pong, NULL);
	double t0 = now();
	for (int i = 0; i < rounds; i++) {
		__atomic_store_n(&ball, 1, __ATOMIC_RELEASE);
		futex(&ball, FUTEX_WAKE_PRIVATE, 1);
		while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) != 0)
			futex(&ball, FUTEX_WAIT_PRIVATE, 1);
	}
	double pp = (now() - t0) / rounds * 1e9;
	pthread_join(t, NULL);
	int n = 2000;
	t0 = now();
	for (int i = 0; i < n; i++) {
		pthread_create(&t, NULL, nothing, NULL);
		pthread_join(t, NULL);
	}
	double cr = (now() - t0) / n * 1e9;
	pipe(pfd);
	t0 = now();
	pthread_create(&t, NULL, pipe_writer, NULL);
	static char buf[65536];
	long got = 0;
	ssize_t r;
	while ((r = read(pfd[0], buf, sizeof(buf))) > 0)
		got += r;
	pthread_join(t, NULL);
	double mbs = got / (now() - t0) / 1e6;
	signal(SIGUSR1, on_usr1);
	int ns = 20000;
	t0 = now();
	for (int i = 0; i < ns; i++)
		raise(SIGUSR1);
	double sg = (now() - t0) / ns * 1e9;
	if (handled != ns)
		return 1;
	double wl = wake_latency();
	printf("%.0f %.0f %.0f %.0f %.0f\n", pp, cr, mbs, sg, wl);
	return 0;
}
