/* mem_reuse: memory used and given back serves processes and threads again: after most of the
 * free memory (all of MemAvailable but 8 MiB, at most 600 MiB) was touched and unmapped, 100
 * children and 50 threads all start. */
#include "compat.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

static void *idle(void *arg)
{
	usleep(200000);
	return arg;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	long avail = meminfo_kb("MemAvailable:");
	size_t len = (size_t)(avail - 8 * 1024) * 1024;
	if (len > (600ul << 20))
		len = 600ul << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	munmap(p, len);
	pid_t kids[100];
	int n = 0;
	for (int i = 0; i < 100; i++) {
		pid_t c = fork();
		if (c == 0) {
			usleep(200000);
			_exit(0);
		}
		if (c < 0) {
			printf("fork %d: %s\n", i, errname(errno));
			break;
		}
		kids[n++] = c;
	}
	printf("children started: %d\n", n);
	pthread_t t[50];
	int m = 0;
	for (int i = 0; i < 50; i++) {
		int e = pthread_create(&t[m], NULL, idle, NULL);
		if (e) {
			printf("thread %d: %s\n", i, errname(e));
			break;
		}
		m++;
	}
	printf("threads started: %d\n", m);
	for (int i = 0; i < m; i++)
		pthread_join(t[i], NULL);
	int ok = 0;
	for (int i = 0; i < n; i++) {
		int st;
		ok += waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st) && !WEXITSTATUS(st);
	}
	printf("children ended well: %d\n", ok);
	return 0;
}
