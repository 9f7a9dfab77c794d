/* sched: scheduling parameters: nice values (inherited by threads and children), the normal
 * policies, priority ranges, affinity, sched_yield, and the errno cases. What differs between a
 * privileged native run and a container (lowering nice, real-time policies) is left out: the
 * native run has CAP_SYS_NICE. musl's wrappers of the sched_*scheduler calls return ENOSYS by
 * design, so those go through syscall(). */
#include "compat.h"
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/syscall.h>

static void *thread_nice(void *arg)
{
	return (void *)(long)getpriority(PRIO_PROCESS, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	RESULT("getpriority", getpriority(PRIO_PROCESS, 0));
	RESULT("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
	RESULT("getpriority after", getpriority(PRIO_PROCESS, 0));
	RESULT("setpriority 30 (clamped to 19)", setpriority(PRIO_PROCESS, 0, 30));
	RESULT("getpriority after", getpriority(PRIO_PROCESS, 0));
	pthread_t t;
	void *r;
	pthread_create(&t, NULL, thread_nice, NULL);
	pthread_join(t, &r);
	printf("a new thread inherits nice: %ld\n", (long)r);
	pid_t c = fork();
	if (c == 0)
		_exit(getpriority(PRIO_PROCESS, 0) == 19 ? 0 : 1);
	int st;
	waitpid(c, &st, 0);
	printf("a child inherits nice: %s\n", WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no");
	RESULT("getpriority bad which", getpriority(7, 0));
	RESULT("getpriority no such process", getpriority(PRIO_PROCESS, 999999));

	RESULT("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
	struct sched_param sp = { 0 };
	RESULT("sched_setscheduler SCHED_BATCH", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
	RESULT("sched_getscheduler after", syscall(SYS_sched_getscheduler, 0));
	sp.sched_priority = 10;
	RESULT("sched_setscheduler SCHED_OTHER with priority 10", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
	RESULT("sched_setscheduler bad policy", syscall(SYS_sched_setscheduler, 0, 42, &sp));
	sp.sched_priority = 0;
	RESULT("sched_setscheduler SCHED_OTHER", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
	RESULT("sched_getparam", syscall(SYS_sched_getparam, 0, &sp));
	printf("its priority: %d\n", sp.sched_priority);
	RESULT("sched_get_priority_max FIFO", sched_get_priority_max(SCHED_FIFO));
	RESULT("sched_get_priority_min RR", sched_get_priority_min(SCHED_RR));
	RESULT("sched_get_priority_max OTHER", sched_get_priority_max(SCHED_OTHER));
	RESULT("sched_get_priority_max bad", sched_get_priority_max(42));
	RESULT("sched_getscheduler no such process", syscall(SYS_sched_getscheduler, 999999));
	RESULT("sched_getscheduler -1", syscall(SYS_sched_getscheduler, -1));

	cpu_set_t set;
	CPU_ZERO(&set);
	RESULT("sched_getaffinity", sched_getaffinity(0, sizeof(set), &set) < 0 ? -1 : 0);
	printf("CPU 0 in the set: %s\n", CPU_ISSET(0, &set) ? "yes" : "no");
	RESULT("sched_setaffinity to what it has", sched_setaffinity(0, sizeof(set), &set));
	CPU_ZERO(&set);
	RESULT("sched_setaffinity to no CPU", sched_setaffinity(0, sizeof(set), &set));
	RESULT("sched_yield", sched_yield());
	return 0;
}
