/* prctl options beyond the names and the death signal: keep-caps, secure bits, the
   transparent-huge-page switch, machine-check policy, the TSC switch, the clear-tid address,
   ambient capabilities, speculation control reads, and the errors for bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

int main(void)
{
	show("GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	show("SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	show("GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	show("SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
	show("SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
	show("GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	show("GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	show("SET_THP_DISABLE 1", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	show("GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	show("SET_THP_DISABLE bad", prctl(PR_SET_THP_DISABLE, 1, 1, 0, 0));
	show("MCE_KILL_GET", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0));
	show("MCE_KILL set early", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));
	show("MCE_KILL_GET", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0));
	show("MCE_KILL clear", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0));
	show("MCE_KILL bad", prctl(PR_MCE_KILL, 7, 0, 0, 0));
	int tsc = -1;
	show("GET_TSC", prctl(PR_GET_TSC, &tsc, 0, 0, 0));
	printf("tsc mode %d\n", tsc);
	static int tid_word;
	syscall(SYS_set_tid_address, &tid_word);
	int *addr = NULL;
	show("GET_TID_ADDRESS", prctl(PR_GET_TID_ADDRESS, &addr, 0, 0, 0));
	printf("tid address is ours: %d\n", addr == &tid_word);
	show("CAP_AMBIENT_IS_SET 0", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0));
	show("CAP_AMBIENT_CLEAR_ALL", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
	show("CAP_AMBIENT_IS_SET 99", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 99, 0, 0));
	show("CAP_AMBIENT bad op", prctl(PR_CAP_AMBIENT, 9, 0, 0, 0));
	show("GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	show("unknown option", prctl(0x7fff1234, 0, 0, 0, 0));
	return 0;
}
