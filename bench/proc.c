/* Process costs, printed as "FORK_US FORKEXEC_US": one fork + _exit + waitpid, and one fork +
   execve of a static program that exits at once (argv[1]) + waitpid, in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int n = 300, st;
	double t0 = now();
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		waitpid(c, &st, 0);
	}
	double f = (now() - t0) / n * 1e6;
	t0 = now();
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0) {
			char *av[] = { argv[1], NULL };
			execv(argv[1], av);
			_exit(127);
		}
		waitpid(c, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	double fe = (now() - t0) / n * 1e6;
	printf("%.0f %.0f\n", f, fe);
	return 0;
}
