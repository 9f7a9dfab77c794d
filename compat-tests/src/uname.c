/* uname: the facts of struct utsname that every Linux x86-64 machine shares; sethostname and
 * setdomainname (natively in a UTS namespace of its own, so the host keeps its names; unik
 * refuses namespaces, and its names are the guest's). */
#define _GNU_SOURCE
#include "compat.h"
#include <ctype.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void proc_line(const char *path)
{
	char buf[128] = "";
	FILE *f = fopen(path, "r");
	if (f && !fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	if (f)
		fclose(f);
	printf("  %s: %s", path, buf);
}

static void set_names(void)
{
	if (unshare(CLONE_NEWUTS) && errno != EPERM) {
		printf("unshare: %s\n", errname(errno));
		_exit(1);
	}
	RESULT("sethostname", sethostname("compat-host", 11));
	RESULT("setdomainname", setdomainname("compat-dom", 10));
	struct utsname u;
	uname(&u);
	printf("  nodename=%s domainname=%s\n", u.nodename, u.domainname);
	char hn[80];
	gethostname(hn, sizeof(hn));
	printf("  gethostname=%s\n", hn);
	proc_line("/proc/sys/kernel/hostname");
	proc_line("/proc/sys/kernel/domainname");
	char big[80];
	memset(big, 'x', sizeof(big));
	RESULT("sethostname of 65 bytes", sethostname(big, 65));
	RESULT("sethostname of 64 bytes", sethostname(big, 64));
	uname(&u);
	printf("  nodename length %zu\n", strlen(u.nodename));
	RESULT("sethostname from a bad address", syscall(SYS_sethostname, (void *)8, 5));
	RESULT("sethostname of 0 bytes", sethostname("", 0));
	uname(&u);
	printf("  nodename=\"%s\"\n", u.nodename);
	/* without CAP_SYS_ADMIN */
	struct { uint32_t version; int pid; } h = { 0x20080522, 0 };
	struct { uint32_t eff, prm, inh; } d[2];
	syscall(SYS_capget, &h, d);
	d[0].eff &= ~(1u << 21);
	syscall(SYS_capset, &h, d);
	RESULT("sethostname without CAP_SYS_ADMIN", sethostname("x", 1));
	RESULT("setdomainname without CAP_SYS_ADMIN", setdomainname("x", 1));
	_exit(0);
}

/* digits_dot_digits: whether s starts with DIGITS.DIGITS, as a Linux release does. */
static int digits_dot_digits(const char *s)
{
	int n = 0;

	while (isdigit((unsigned char)*s))
		s++, n++;
	if (n == 0 || *s++ != '.')
		return 0;
	return isdigit((unsigned char)*s);
}

int main(void)
{
	struct utsname u;
	setvbuf(stdout, NULL, _IONBF, 0);
	int r = uname(&u);

	result("uname", r, errno);
	if (r)
		return 1;
	printf("sysname=%s\n", u.sysname);
	printf("machine=%s\n", u.machine);
	fact("release is digits.digits...", digits_dot_digits(u.release));
	fact("version nonempty", u.version[0] != 0);
	if (geteuid() == 0) {
		pid_t c = fork();
		if (c == 0)
			set_names();
		waitpid(c, NULL, 0);
	}
	return 0;
}
