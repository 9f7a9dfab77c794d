/* Private read-only mappings of a file see a later write to it (none of them wrote the page), in
   a process that mapped it first, one that mapped it again, and a child's own mapping; a new
   mapping after the write sees the new bytes. From an image, where unik shares copies of such
   pages between mappings (vfs/textpage.h), the write must reach every one of them.
   usage: mmap_reread FILE (its first byte is not 'Z') */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char *map(int fd)
{
	char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	int fd = argc > 1 ? open(argv[1], O_RDWR) : -1;
	if (fd < 0) {
		perror("open");
		return 2;
	}
	char *a = map(fd), *b = map(fd), *c = map(fd);
	if (!a || !b || !c) {
		perror("mmap");
		return 2;
	}
	printf("before: %c %c %c\n", a[0], b[0], c[1]);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *d = map(fd);
		printf("child: %c %c\n", d ? d[0] : '?', b[0]);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	if (pwrite(fd, "Z", 1, 0) != 1) {
		perror("pwrite");
		return 2;
	}
	char *e = map(fd);
	printf("after: %c %c %c %c\n", a[0], b[0], c[0], e ? e[0] : '?');
	return 0;
}
