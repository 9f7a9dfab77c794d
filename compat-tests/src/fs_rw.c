/* fs_rw: read/write, pread64/pwrite64, readv/writev, preadv/pwritev, lseek (SEEK_DATA/SEEK_HOLE and
 * holes), O_APPEND, EBADF/EISDIR, sendfile and copy_file_range between files. */
#include "fs.h"
#include <sys/sendfile.h>
#include <sys/uio.h>

#define PG 4096L
#define HOLE_AT (1L << 20)

static void basics(void)
{
	char buf[64];
	int fd;

	fd = CHECK_FD("open f O_RDWR|O_CREAT", open("f", O_RDWR | O_CREAT, 0644));
	if (fd < 0)
		fs_die("open f");
	CHECK("write 11", write(fd, "hello world", 11));
	CHECK("lseek SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
	CHECK("write 0 bytes", write(fd, "", 0));
	CHECK("lseek SEEK_SET 0", lseek(fd, 0, SEEK_SET));
	memset(buf, 0, sizeof buf);
	CHECK("read 5", read(fd, buf, 5));
	printf("  data: %s\n", buf);
	CHECK("read 64 (short)", read(fd, buf, 64));
	CHECK("read at EOF", read(fd, buf, 64));
	CHECK("read 0 bytes", read(fd, buf, 0));

	CHECK("pwrite 5 at 0", pwrite(fd, "HELLO", 5, 0));
	CHECK("  offset unchanged", lseek(fd, 0, SEEK_CUR));
	memset(buf, 0, sizeof buf);
	CHECK("pread 5 at 6", pread(fd, buf, 5, 6));
	printf("  data: %s\n", buf);
	CHECK("pread at EOF", pread(fd, buf, 5, 11));
	CHECK("pread beyond EOF", pread(fd, buf, 5, 1000));
	CHECK("pread negative offset", pread(fd, buf, 5, -1));
	CHECK("pwrite negative offset", pwrite(fd, "x", 1, -1));
	fact("file is HELLO world", fs_is("f", "HELLO world"));

	CHECK("lseek SEEK_END -1", lseek(fd, -1, SEEK_END));
	CHECK("lseek SEEK_CUR -3", lseek(fd, -3, SEEK_CUR));
	CHECK("lseek SEEK_SET -1", lseek(fd, -1, SEEK_SET));
	CHECK("lseek SEEK_CUR to negative", lseek(fd, -100, SEEK_CUR));
	CHECK("lseek SEEK_END to negative", lseek(fd, -100, SEEK_END));
	CHECK("lseek whence 99", lseek(fd, 0, 99));
	CHECK("  offset kept after failures", lseek(fd, 0, SEEK_CUR));
	CHECK("lseek SEEK_END +5", lseek(fd, 5, SEEK_END));
	CHECK("  size unchanged by lseek", lseek(fd, 0, SEEK_END));
	CHECK("lseek bad fd", lseek(99, 0, SEEK_SET));

	{
		struct iovec wv[3] = { { "one,", 4 }, { "", 0 }, { "two,three", 9 } };
		char a[6] = { 0 }, b[16] = { 0 };
		struct iovec rv[2] = { { a, 5 }, { b, 15 } };
		volatile int minus_one = -1;	/* volatile: keeps the compiler's size checks out */

		CHECK("ftruncate 0", ftruncate(fd, 0));
		CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
		CHECK("writev 3 iovecs", writev(fd, wv, 3));
		CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
		CHECK("readv 5+15", readv(fd, rv, 2));
		printf("  iov0 '%s' iov1 '%s'\n", a, b);
		CHECK("pwritev at 4", pwritev(fd, wv + 2, 1, 4));
		CHECK("  offset unchanged", lseek(fd, 0, SEEK_CUR));
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		CHECK("preadv at 2", preadv(fd, rv, 2, 2));
		printf("  iov0 '%s' iov1 '%s'\n", a, b);
		CHECK("readv count 0", readv(fd, rv, 0));
		CHECK("readv count -1", readv(fd, rv, minus_one));
	}
	close(fd);

	fd = open("f", O_RDONLY);
	CHECK("write on O_RDONLY fd", write(fd, "x", 1));
	CHECK("pwrite on O_RDONLY fd", pwrite(fd, "x", 1, 0));
	close(fd);
	fd = open("f", O_WRONLY);
	CHECK("read on O_WRONLY fd", read(fd, buf, 1));
	close(fd);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK("read on a directory", read(fd, buf, 1));
	CHECK("write on a directory fd", write(fd, "x", 1));
	close(fd);
	CHECK("read bad fd", read(99, buf, 1));
}

static void append(void)
{
	char buf[64];
	int fd;

	fs_puts("a", "0123");
	fd = CHECK_FD("open O_RDWR|O_APPEND", open("a", O_RDWR | O_APPEND));
	CHECK("  offset at open", lseek(fd, 0, SEEK_CUR));
	CHECK("  read 2", read(fd, buf, 2));
	CHECK("  write 2", write(fd, "45", 2));
	CHECK("  offset after write", lseek(fd, 0, SEEK_CUR));
	CHECK("  pwrite at 0", pwrite(fd, "67", 2, 0));
	close(fd);
	fact("  writes went to the end", fs_is("a", "01234567"));
}

static int all_zero(const char *p, long n)
{
	for (long i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void holes(void)
{
	static char page[PG], big[HOLE_AT];
	int fd;

	fd = CHECK_FD("open h", open("h", O_RDWR | O_CREAT | O_TRUNC, 0644));
	memset(page, 'a', PG);
	CHECK("write page at 0", write(fd, page, PG));
	CHECK("lseek to 1 MiB", lseek(fd, HOLE_AT, SEEK_SET));
	CHECK("  size before writing", lseek(fd, 0, SEEK_END));
	CHECK("lseek to 1 MiB again", lseek(fd, HOLE_AT, SEEK_SET));
	memset(page, 'b', PG);
	CHECK("write page at 1 MiB", write(fd, page, PG));
	CHECK("size", lseek(fd, 0, SEEK_END));
	CHECK("pread the hole", pread(fd, big, HOLE_AT - PG, PG));
	fact("  hole reads as zeros", all_zero(big, HOLE_AT - PG));
	CHECK("SEEK_DATA from 0", lseek(fd, 0, SEEK_DATA));
	CHECK("SEEK_HOLE from 0", lseek(fd, 0, SEEK_HOLE));
	CHECK("SEEK_DATA from 8192", lseek(fd, 2 * PG, SEEK_DATA));
	CHECK("SEEK_HOLE from 8192", lseek(fd, 2 * PG, SEEK_HOLE));
	CHECK("SEEK_HOLE from 1 MiB", lseek(fd, HOLE_AT, SEEK_HOLE));
	CHECK("SEEK_DATA at EOF", lseek(fd, HOLE_AT + PG, SEEK_DATA));
	CHECK("SEEK_HOLE at EOF", lseek(fd, HOLE_AT + PG, SEEK_HOLE));
	CHECK("ftruncate grow to 2 MiB", ftruncate(fd, 2 * HOLE_AT));
	CHECK("SEEK_HOLE from 1 MiB", lseek(fd, HOLE_AT, SEEK_HOLE));
	CHECK("SEEK_DATA from 1 MiB + 4096", lseek(fd, HOLE_AT + PG, SEEK_DATA));
	CHECK("pread in the grown tail", pread(fd, big, PG, 2 * HOLE_AT - PG));
	fact("  grown tail reads as zeros", all_zero(big, PG));
	/* Sparse files far past 1 GiB (Python's large-file test writes at 2 GiB) */
	const off_t two_g = 1ll << 31, far = 300ll << 30;
	CHECK("pwrite 3 bytes at 2 GiB", pwrite(fd, "xyz", 3, two_g));
	CHECK("  size", lseek(fd, 0, SEEK_END));
	char xyz[4] = "";
	CHECK("  read them back", pread(fd, xyz, 3, two_g));
	printf("  they are: %s\n", xyz);
	CHECK("  SEEK_DATA from 1 MiB + 4096", lseek(fd, HOLE_AT + PG, SEEK_DATA));
	CHECK("pwrite at 300 GiB", pwrite(fd, "q", 1, far));
	CHECK("  size", lseek(fd, 0, SEEK_END));
	CHECK("ftruncate back to 2 GiB + 2", ftruncate(fd, two_g + 2));
	memset(xyz, 0, sizeof(xyz));
	CHECK("  read past the new end", pread(fd, xyz, 3, two_g));
	printf("  what is left: %s\n", xyz);
	CHECK("ftruncate to 1 MiB + 4096", ftruncate(fd, HOLE_AT + PG));
	close(fd);
}

static void copies(void)
{
	static char data[20000], back[20000];
	int in, out;
	off_t off;

	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 + i / 251);
	fs_put("src", data, sizeof data);
	in = open("src", O_RDONLY);
	out = open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0)
		fs_die("open src/dst");

	off = 100;
	CHECK("sendfile 5000 from offset 100", sendfile(out, in, &off, 5000));
	printf("  offset advanced to %ld\n", (long)off);
	CHECK("  input fd offset unchanged", lseek(in, 0, SEEK_CUR));
	CHECK("  output fd offset", lseek(out, 0, SEEK_CUR));
	CHECK("sendfile NULL offset 20000", sendfile(out, in, NULL, 20000));
	CHECK("  input fd offset", lseek(in, 0, SEEK_CUR));
	CHECK("sendfile at EOF", sendfile(out, in, NULL, 10));
	CHECK("  dst size", lseek(out, 0, SEEK_END));
	CHECK("  pread dst", pread(out, back, sizeof back, 0));
	fact("  dst = src[100..5100) + src", memcmp(back, data + 100, 5000) == 0 &&
	     memcmp(back + 5000, data, 15000) == 0);
	CHECK("sendfile to O_RDONLY fd", sendfile(in, out, NULL, 10));

	CHECK("ftruncate dst 0", ftruncate(out, 0));
	CHECK("lseek src 0", lseek(in, 0, SEEK_SET));
	CHECK("lseek dst 0", lseek(out, 0, SEEK_SET));
	{
		loff_t oi = 1000, oo = 10;
		CHECK("copy_file_range 8000 at 1000 -> 10", syscall(SYS_copy_file_range, in, &oi, out, &oo, 8000, 0));
		printf("  offsets now %ld and %ld\n", (long)oi, (long)oo);
		CHECK("  src fd offset unchanged", lseek(in, 0, SEEK_CUR));
		CHECK("  dst fd offset unchanged", lseek(out, 0, SEEK_CUR));
		CHECK("copy_file_range NULL offsets", syscall(SYS_copy_file_range, in, NULL, out, NULL, 3000, 0));
		CHECK("  src fd offset", lseek(in, 0, SEEK_CUR));
		CHECK("  dst fd offset", lseek(out, 0, SEEK_CUR));
		CHECK("  dst size", lseek(out, 0, SEEK_END));
		CHECK("  pread dst", pread(out, back, 8010, 0));
		fact("  dst = src[0,3000) + src[3990,9000)", memcmp(back, data, 3000) == 0 && memcmp(back + 3000, data + 1000 + 2990, 5010) == 0);
		oi = 30000;
		CHECK("copy_file_range at EOF", syscall(SYS_copy_file_range, in, &oi, out, NULL, 100, 0));
		CHECK("copy_file_range flags 1", syscall(SYS_copy_file_range, in, NULL, out, NULL, 100, 1));
		CHECK("copy_file_range to O_RDONLY fd", syscall(SYS_copy_file_range, out, NULL, in, NULL, 100, 0));
		oi = 0;
		oo = 100;
		CHECK("copy_file_range overlapping same file", syscall(SYS_copy_file_range, out, &oi, out, &oo, 1000, 0));
	}
	close(in);
	close(out);
}

int main(void)
{
	fs_begin();
	basics();
	append();
	holes();
	copies();
	CHECK("unlink f", unlink("f"));
	CHECK("unlink a", unlink("a"));
	CHECK("unlink h", unlink("h"));
	CHECK("unlink src", unlink("src"));
	CHECK("unlink dst", unlink("dst"));
	return fs_end();
}
