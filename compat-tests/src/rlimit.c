/* rlimit: getrlimit/setrlimit and the raw prlimit64 on the calling process (pid 0). */
#include "compat.h"
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void check(const char *name, int res)
{
	struct rlimit g, p;
	long r1 = getrlimit(res, &g);
	long r2 = syscall(SYS_prlimit64, 0, res, NULL, &p);

	printf("%s: getrlimit %ld, prlimit64 %ld\n", name, r1, r2);
	fact("  cur<=max", r1 == 0 && g.rlim_cur <= g.rlim_max);
	fact("  prlimit64 agrees", r1 == 0 && r2 == 0 && p.rlim_cur == g.rlim_cur &&
	     p.rlim_max == g.rlim_max);
}

int main(void)
{
	struct rlimit old, lim, back;
	long r;

	check("RLIMIT_STACK", RLIMIT_STACK);
	check("RLIMIT_NOFILE", RLIMIT_NOFILE);
	check("RLIMIT_AS", RLIMIT_AS);

	if (getrlimit(RLIMIT_NOFILE, &old) != 0)
		return 1;
	lim = old;
	lim.rlim_cur = old.rlim_cur < 64 ? old.rlim_cur : 64;
	r = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, &back);
	result("prlimit64 set NOFILE soft", r, errno);
	fact("  old value returned", r == 0 && back.rlim_cur == old.rlim_cur);
	r = getrlimit(RLIMIT_NOFILE, &back);
	fact("  getrlimit sees the new soft limit", r == 0 && back.rlim_cur == lim.rlim_cur);
	lim.rlim_cur = lim.rlim_max;
	if (lim.rlim_max != RLIM_INFINITY) {
		lim.rlim_cur = lim.rlim_max + 1;
		r = setrlimit(RLIMIT_NOFILE, &lim);
		result("setrlimit soft above hard", r, errno);
	} else {
		puts("setrlimit soft above hard: -1 EINVAL");	/* cannot be expressed */
	}
	r = setrlimit(RLIMIT_NOFILE, &old);
	result("setrlimit restore", r, errno);
	r = getrlimit(100, &back);
	result("getrlimit(100)", r, errno);
	return 0;
}
