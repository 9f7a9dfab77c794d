/* ids: process and user identity calls. */
#include "compat.h"
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = getpid();
	uid_t r, e, s;
	gid_t gr, ge, gs;

	fact("getpid>0", pid > 0);
	fact("getppid>=0", getppid() >= 0);
	fact("gettid==getpid", syscall(SYS_gettid) == pid);
	printf("uid=%u euid=%u gid=%u egid=%u\n", getuid(), geteuid(), getgid(), getegid());
	fact("getresuid agrees", getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid());
	fact("getresgid agrees", getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == getegid());
	return 0;
}
