/* Reads FILE start to end with read(2) in 128 KiB chunks, three times, and prints the best
   pass in ms: the file system's read path without the VM's boot (bench/fs.sh). */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static char buf[128 << 10];

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double best = 1e30;
	if (argc != 2)
		return 2;
	for (int pass = 0; pass < 3; pass++) {
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		double t = now_ms();
		ssize_t r;
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			;
		t = now_ms() - t;
		close(fd);
		if (r < 0) {
			perror("read");
			return 1;
		}
		if (t < best)
			best = t;
	}
	printf("%.1f\n", best);
	return 0;
}
