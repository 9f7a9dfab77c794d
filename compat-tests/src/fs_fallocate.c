/* fallocate: allocation with and without KEEP_SIZE, punching holes, zeroing ranges, errors; and
 * fadvise64's checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fs.h"
#include <sys/syscall.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static long long size_of(int fd)
{
	struct stat st;
	fstat(fd, &st);
	return st.st_size;
}

static long long blocks_of(int fd)
{
	struct stat st;
	fstat(fd, &st);
	return st.st_blocks;
}

int main(void)
{
	fs_begin();
	int fd = CHECK_FD("open f", open("f", O_RDWR | O_CREAT, 0644));
	CHECK("fallocate 0..16384", fallocate(fd, 0, 0, 16384));
	printf("  size %lld\n", size_of(fd));
	CHECK("fallocate KEEP_SIZE to 32768", fallocate(fd, FALLOC_FL_KEEP_SIZE, 16384, 16384));
	printf("  size %lld\n", size_of(fd));
	char buf[16384];
	memset(buf, 'x', sizeof buf);
	pwrite(fd, buf, sizeof buf, 0);
	long long before = blocks_of(fd);
	CHECK("punch hole 4096..12288", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
						 4096, 8192));
	printf("  size %lld, fewer blocks: %s\n", size_of(fd), blocks_of(fd) < before ? "yes" : "no");
	char c[3];
	pread(fd, c, 1, 4096);
	pread(fd, c + 1, 1, 12288);
	pread(fd, c + 2, 1, 4095);
	printf("  bytes at 4096, 12288, 4095: %d %c %c\n", c[0], c[1], c[2]);
	CHECK("zero range 100..200", fallocate(fd, FALLOC_FL_ZERO_RANGE, 100, 100));
	pread(fd, c, 1, 150);
	printf("  byte at 150: %d, size %lld\n", c[0], size_of(fd));
	CHECK("punch hole without KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
	CHECK("len 0", fallocate(fd, 0, 0, 0));
	CHECK("negative offset", fallocate(fd, 0, -1, 10));
	close(fd);
	fd = open("f", O_RDONLY);
	CHECK("on an O_RDONLY fd", fallocate(fd, 0, 0, 10));
	close(fd);
	int p[2];
	pipe(p);
	CHECK("on a pipe", fallocate(p[1], 0, 0, 10));
	close(p[0]);
	close(p[1]);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK("on a directory", fallocate(fd, 0, 0, 10));
	close(fd);
	/* fadvise64: advice, with its checks */
	fd = open("f", O_RDONLY);
	for (int a = 0; a <= 6; a++) {
		char what[40];
		snprintf(what, sizeof(what), "fadvise advice %d", a);
		CHECK(what, syscall(SYS_fadvise64, fd, 0, 4096, a));
	}
	CHECK("fadvise negative length", syscall(SYS_fadvise64, fd, 0L, -1L, 0));
	CHECK("posix_fadvise WILLNEED returns", posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED));
	close(fd);
	CHECK("fadvise on a closed fd", syscall(SYS_fadvise64, fd, 0, 0, 0));
	pipe(p);
	CHECK("fadvise on a pipe", syscall(SYS_fadvise64, p[0], 0, 0, 0));
	CHECK("fadvise on a pipe, bad advice", syscall(SYS_fadvise64, p[0], 0, 0, 9));
	close(p[0]);
	close(p[1]);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK("fadvise on a directory", syscall(SYS_fadvise64, fd, 0, 0, 0));
	close(fd);
	CHECK("unlink f", unlink("f"));
	return fs_end();
}
