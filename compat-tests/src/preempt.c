/* preempt: programs that never make a system call while they wait still make progress. A
 * thread spins on a flag another thread sets; two threads spin until both have started; a
 * single-threaded loop waits for SIGALRM from setitimer. On Linux the scheduler's tick and the
 * timer interrupt do this; under unik the monitor's upcalls. */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile int flag, started[2];
static volatile sig_atomic_t alarms;

static void *spin_until_flag(void *arg)
{
	while (!flag)
		;               /* no system call: only preemption lets main set the flag */
	return (void *)1L;
}

static void *spin_meet(void *arg)
{
	long me = (long)arg;
	started[me] = 1;
	while (!started[1 - me])
		;
	return NULL;
}

static void on_alarm(int sig)
{
	alarms++;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pthread_t t, u;
	pthread_create(&t, NULL, spin_until_flag, NULL);
	usleep(5000);           /* the spinner may take the CPU from here on */
	flag = 1;
	void *r;
	pthread_join(t, &r);
	printf("spinning thread saw the flag: %ld\n", (long)r);

	pthread_create(&t, NULL, spin_meet, (void *)0L);
	pthread_create(&u, NULL, spin_meet, (void *)1L);
	pthread_join(t, NULL);
	pthread_join(u, NULL);
	printf("two spinning threads met: yes\n");

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 3)
		;               /* computes; SIGALRM must interrupt it */
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("alarms reached a busy loop: %s\n", alarms >= 3 ? "yes" : "no");
	return 0;
}
