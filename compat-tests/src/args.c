/* args: the initial stack as a program sees it: argc, every argv, the values of a fixed list of
 * environment variables, the environment's size, and the argv/envp/environ layout. */
#include "compat.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *const watched[] = {
	"FOO", "BAR", "EMPTY", "EQUALS", "UNIK_A", "UNIK_B",
	"PATH", "HOME", "HOSTNAME", "TERM", "LANG", "PWD",
};

int main(int argc, char **argv, char **envp)
{
	int n = 0, prefixed = 0;

	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] len=%zu [%s]\n", i, strlen(argv[i]), argv[i]);
	fact("argv[argc] is NULL", argv[argc] == NULL);
	fact("envp follows argv", envp == argv + argc + 1);
	fact("environ is envp", environ == envp);

	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		const char *v = getenv(watched[i]);
		if (v)
			printf("%s=[%s]\n", watched[i], v);
		else
			printf("%s unset\n", watched[i]);
	}
	for (char **e = envp; *e; e++, n++)
		if (strncmp(*e, "UNIK_", 5) == 0)
			prefixed++;
	printf("env count=%d, UNIK_* count=%d\n", n, prefixed);
	return 0;
}
