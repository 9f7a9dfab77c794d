/* membarrier: QUERY's mask, the commands that need a registration first (EPERM) and those that
 * do not, GET_REGISTRATIONS (with the SYNC_CORE registration also reporting the private one),
 * the flags and unknown commands (EINVAL), and where registrations live: shared by threads, kept
 * by a fork's child, gone after exec. The RSEQ commands depend on the kernel's rseq support
 * (CONFIG_RSEQ): only their consistency with rseq(2) is printed here; compat-tests rseq runs
 * them registered. */
#include "compat.h"
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QUERY 0
#define GLOBAL 1
#define GLOBAL_EXPEDITED 2
#define REGISTER_GLOBAL_EXPEDITED 4
#define PRIVATE_EXPEDITED 8
#define REGISTER_PRIVATE_EXPEDITED 16
#define PRIVATE_EXPEDITED_SYNC_CORE 32
#define REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define PRIVATE_EXPEDITED_RSEQ 128
#define REGISTER_PRIVATE_EXPEDITED_RSEQ 256
#define GET_REGISTRATIONS 512
#define FLAG_CPU 1

static long mb(int cmd, unsigned flags, int cpu)
{
	return syscall(SYS_membarrier, cmd, flags, cpu);
}

static void show(const char *what, int cmd, unsigned flags)
{
	RESULT(what, mb(cmd, flags, 0));
}

static void *register_private(void *arg)
{
	RESULT("thread: REGISTER_PRIVATE_EXPEDITED", mb(REGISTER_PRIVATE_EXPEDITED, 0, 0));
	return NULL;
}

/* A fresh process image: nothing registered; a thread's registration is the process's. */
static int after_exec(void)
{
	pthread_t t;

	show("after exec: GET_REGISTRATIONS", GET_REGISTRATIONS, 0);
	show("after exec: PRIVATE_EXPEDITED", PRIVATE_EXPEDITED, 0);
	if (pthread_create(&t, NULL, register_private, NULL) == 0)
		pthread_join(t, NULL);
	show("after the thread registered: PRIVATE_EXPEDITED", PRIVATE_EXPEDITED, 0);
	show("after the thread registered: GET_REGISTRATIONS", GET_REGISTRATIONS, 0);
	return 0;
}

static void fork_child(void)
{
	show("fork child: GET_REGISTRATIONS", GET_REGISTRATIONS, 0);
	show("fork child: PRIVATE_EXPEDITED", PRIVATE_EXPEDITED, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return after_exec();

	long mask = mb(QUERY, 0, 0);
	int rseq_missing = syscall(SYS_rseq, NULL, 0, 0, 0) == -1 && errno == ENOSYS;
	int rseq_bits = REGISTER_PRIVATE_EXPEDITED_RSEQ | PRIVATE_EXPEDITED_RSEQ;

	printf("QUERY without the RSEQ commands: %#lx\n", mask & ~(long)rseq_bits);
	fact("RSEQ commands in QUERY exactly when rseq(2) exists",
	     (mask & rseq_bits) == (rseq_missing ? 0 : rseq_bits));
	long r = mb(PRIVATE_EXPEDITED_RSEQ, 0, 0);
	fact("PRIVATE_EXPEDITED_RSEQ: EINVAL without rseq, else EPERM unregistered",
	     r == -1 && errno == (rseq_missing ? EINVAL : EPERM));
	r = mb(PRIVATE_EXPEDITED_RSEQ, FLAG_CPU, 0);
	fact("PRIVATE_EXPEDITED_RSEQ with FLAG_CPU: the same",
	     r == -1 && errno == (rseq_missing ? EINVAL : EPERM));
	show("PRIVATE_EXPEDITED_RSEQ with flags 2", PRIVATE_EXPEDITED_RSEQ, 2);

	show("QUERY with flags 1", QUERY, 1);
	show("GLOBAL", GLOBAL, 0);
	show("GLOBAL_EXPEDITED, unregistered", GLOBAL_EXPEDITED, 0);
	show("GLOBAL_EXPEDITED with FLAG_CPU", GLOBAL_EXPEDITED, FLAG_CPU);
	show("PRIVATE_EXPEDITED, unregistered", PRIVATE_EXPEDITED, 0);
	show("PRIVATE_EXPEDITED_SYNC_CORE, unregistered", PRIVATE_EXPEDITED_SYNC_CORE, 0);
	show("GET_REGISTRATIONS", GET_REGISTRATIONS, 0);
	show("command 3", 3, 0);
	show("command 1024", 1024, 0);
	show("command -1", -1, 0);
	show("GET_REGISTRATIONS with flags 1", GET_REGISTRATIONS, 1);

	show("REGISTER_PRIVATE_EXPEDITED_SYNC_CORE", REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0);
	show("GET_REGISTRATIONS", GET_REGISTRATIONS, 0);
	show("PRIVATE_EXPEDITED, after SYNC_CORE's registration", PRIVATE_EXPEDITED, 0);
	show("PRIVATE_EXPEDITED_SYNC_CORE", PRIVATE_EXPEDITED_SYNC_CORE, 0);
	show("REGISTER_PRIVATE_EXPEDITED", REGISTER_PRIVATE_EXPEDITED, 0);
	show("PRIVATE_EXPEDITED", PRIVATE_EXPEDITED, 0);
	show("PRIVATE_EXPEDITED with FLAG_CPU", PRIVATE_EXPEDITED, FLAG_CPU);
	show("REGISTER_PRIVATE_EXPEDITED with flags 1", REGISTER_PRIVATE_EXPEDITED, 1);
	show("REGISTER_GLOBAL_EXPEDITED", REGISTER_GLOBAL_EXPEDITED, 0);
	show("REGISTER_GLOBAL_EXPEDITED again", REGISTER_GLOBAL_EXPEDITED, 0);
	show("GLOBAL_EXPEDITED", GLOBAL_EXPEDITED, 0);
	show("GET_REGISTRATIONS", GET_REGISTRATIONS, 0);

	child_run(fork_child);
	child_exec_self("membarrier", "exec");
	show("parent: GET_REGISTRATIONS", GET_REGISTRATIONS, 0);
	return 0;
}
