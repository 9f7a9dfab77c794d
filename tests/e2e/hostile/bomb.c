/* A fork bomb, then a runaway allocation: fork must fail with an error (ENOMEM or EAGAIN) once
   the VM's memory is used up, and touching more memory than exists ends the program as Linux's
   OOM killer would (SIGKILL), never the guest kernel or the monitor. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
	int n = 0;
	for (;;) {
		pid_t c = fork();
		if (c == 0) { pause(); _exit(0); }
		if (c < 0) { printf("fork failed after %d children: %s\n", n, strerror(errno)); break; }
		n++;
	}
	size_t total = 0;
	for (;;) {
		char *p = malloc(1 << 20);
		if (!p) break;
		memset(p, 1, 1 << 20);
		total++;
		if (total > 100000) break;
	}
	printf("malloc stopped after %zu MiB\n", total);
	return 0;
}
