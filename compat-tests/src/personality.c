/* personality: the persona is read with 0xffffffff and set with anything else, the old one
 * returned; it is inherited by fork and kept by execve; /proc/self/personality shows it;
 * READ_IMPLIES_EXEC makes readable mmap and mprotect memory executable. */
#include "compat.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>

static void show_proc(const char *what)
{
	FILE *f = fopen("/proc/self/personality", "r");
	char line[32] = "";
	if (f) {
		fgets(line, sizeof(line), f);
		fclose(f);
	}
	printf("%s /proc/self/personality: %s", what, line[0] ? line : "(none)\n");
}

/* The permissions /proc/self/maps shows for the mapping at p. */
static void show_perms(const char *what, void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo, hi;
	char perms[8] = "?";
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo <= (unsigned long)p &&
		    (unsigned long)p < hi)
			break;
	if (f)
		fclose(f);
	printf("%s: %s\n", what, perms);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1) {         /* after execve */
		printf("after execve: %#x\n", personality(0xffffffff));
		show_proc("after execve");
		return 0;
	}
	printf("query: %#x\n", personality(0xffffffff));
	show_proc("start");
	printf("set ADDR_NO_RANDOMIZE, old: %#x\n", personality(ADDR_NO_RANDOMIZE));
	printf("query: %#x\n", personality(0xffffffff));
	show_proc("now");
	pid_t c = fork();
	if (c == 0)
		_exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
	int st;
	waitpid(c, &st, 0);
	printf("a child inherits it: %s\n", WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no");
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show_perms("rw mapping", m);
	printf("set READ_IMPLIES_EXEC, old: %#x\n", personality(ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC));
	char *x = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show_perms("rw mapping made now", x);
	mprotect(m, 4096, PROT_READ);
	show_perms("the first made read-only", m);
	char *w = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show_perms("a write-only mapping", w);
	personality(ADDR_NO_RANDOMIZE);
	fflush(stdout);
	char *av[] = { argv[0], "again", NULL };
	execv("/proc/self/exe", av);
	printf("execve: %s\n", errname(errno));
	return 1;
}
