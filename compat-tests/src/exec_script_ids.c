/* exec_script_ids: a `#!` script runs its interpreter with the caller's credentials: a process
 * that dropped to another user execs a script whose interpreter is this program, which prints
 * its real and effective ids and capabilities (all the other user's; no capability). Also as
 * root: the interpreter has root's capabilities as an ELF exec does. */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static unsigned long long root_caps;     /* what the test started with, as root */

static void show(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4))
			printf("  %s", line);
		else if (!strncmp(line, "CapEff:", 7))
			printf("  capabilities: %s\n", strtoull(line + 7, NULL, 16) ?
			       (strtoull(line + 7, NULL, 16) == root_caps ? "root's" : "others") : "none");
	if (f)
		fclose(f);
	printf("  getuid %d geteuid %d getgid %d getegid %d\n", (int)getuid(), (int)geteuid(),
	       (int)getgid(), (int)getegid());
}

/* Runs the script in a child, as user uid (-1: as is). */
static void run(const char *script, int uid)
{
	pid_t c = fork();
	if (c == 0) {
		if (uid >= 0 && (setgid((gid_t)uid) || setuid((uid_t)uid)))
			_exit(2);
		execl(script, script, (char *)NULL);
		_exit(3);
	}
	int st;
	waitpid(c, &st, 0);
	printf("  exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "show")) {
		const char *rc = getenv("ROOT_CAPS");
		root_caps = rc ? strtoull(rc, NULL, 16) : 0;
		show();
		return 0;
	}
	FILE *st = fopen("/proc/self/status", "r");
	char line[256];
	while (st && fgets(line, sizeof(line), st))
		if (!strncmp(line, "CapEff:", 7))
			root_caps = strtoull(line + 7, NULL, 16);
	if (st)
		fclose(st);
	char caps[32];
	snprintf(caps, sizeof(caps), "%llx", root_caps);
	setenv("ROOT_CAPS", caps, 1);
	/* The interpreter: a copy of this program any user can run (a bare program's own file
	   is not in unik's tree). */
	char self[] = "/tmp/script-ids-bin-XXXXXX";
	int in = open("/proc/self/exe", O_RDONLY), out = mkstemp(self);
	if (in < 0 || out < 0)
		return 1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return 1;
	fchmod(out, 0755);
	close(out);
	close(in);
	char script[] = "/tmp/script-ids-XXXXXX";
	int fd = mkstemp(script);
	if (fd < 0)
		return 1;
	dprintf(fd, "#!%s show\n", self);      /* the interpreter's one argument */
	fchmod(fd, 0755);
	close(fd);
	printf("the script as user 65534:\n");
	run(script, 65534);
	printf("the script as root:\n");
	run(script, -1);
	unlink(script);
	unlink(self);
	return 0;
}
