/* openat2: struct open_how checks and the RESOLVE_* walk restrictions. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "fs.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct how { uint64_t flags, mode, resolve; };
#define NO_XDEV 0x01
#define NO_SYMLINKS 0x04
#define BENEATH 0x08
#define IN_ROOT 0x10

static long o2(int dfd, const char *p, uint64_t flags, uint64_t mode, uint64_t resolve, size_t size)
{
	struct { struct how h; uint64_t extra; } b = { { flags, mode, resolve }, 0 };
	long r = syscall(SYS_openat2, dfd, p, &b, size);
	if (r >= 0)
		close((int)r);
	return r;
}

#define T(what, call) do { long r_ = (call); if (r_ >= 0) printf("%s: fd\n", what); \
	else printf("%s: -1 %s\n", what, fs_errname(errno)); } while (0)

int main(void)
{
	fs_begin();
	mkdir("d", 0755);
	mkdir("d/sub", 0755);
	close(open("d/f", O_CREAT | O_WRONLY, 0644));
	symlink("f", "d/rel");
	symlink("/etc/passwd", "d/abs");
	symlink("../d/f", "d/up");
	int d = open("d", O_RDONLY | O_DIRECTORY);
	T("plain", o2(d, "f", O_RDONLY, 0, 0, 24));
	T("size 23", o2(d, "f", O_RDONLY, 0, 0, 23));
	T("size 32, zero tail", o2(d, "f", O_RDONLY, 0, 0, 32));
	T("unknown resolve bit", o2(d, "f", O_RDONLY, 0, 0x100, 24));
	T("mode without O_CREAT", o2(d, "f", O_RDONLY, 0644, 0, 24));
	T("BENEATH|IN_ROOT", o2(d, "f", O_RDONLY, 0, BENEATH | IN_ROOT, 24));
	T("NO_SYMLINKS on a symlink", o2(d, "rel", O_RDONLY, 0, NO_SYMLINKS, 24));
	T("NO_SYMLINKS on a file", o2(d, "f", O_RDONLY, 0, NO_SYMLINKS, 24));
	T("BENEATH absolute path", o2(d, "/etc/passwd", O_RDONLY, 0, BENEATH, 24));
	T("BENEATH ..", o2(d, "../d/f", O_RDONLY, 0, BENEATH, 24));
	T("BENEATH sub/..", o2(d, "sub/../f", O_RDONLY, 0, BENEATH, 24));
	T("BENEATH relative link", o2(d, "rel", O_RDONLY, 0, BENEATH, 24));
	T("BENEATH absolute link", o2(d, "abs", O_RDONLY, 0, BENEATH, 24));
	T("BENEATH link going up", o2(d, "up", O_RDONLY, 0, BENEATH, 24));
	T("IN_ROOT absolute path", o2(d, "/f", O_RDONLY, 0, IN_ROOT, 24));
	T("IN_ROOT .. clamps", o2(d, "../../f", O_RDONLY, 0, IN_ROOT, 24));
	T("BENEATH O_CREAT new", o2(d, "new", O_CREAT | O_WRONLY, 0600, BENEATH, 24));
	T("BENEATH O_CREAT above", o2(d, "../new2", O_CREAT | O_WRONLY, 0600, BENEATH, 24));
	close(d);
	CHECK("unlink d/new", unlink("d/new"));
	unlink("d/f"); unlink("d/rel"); unlink("d/abs"); unlink("d/up");
	rmdir("d/sub");
	CHECK("rmdir d", rmdir("d"));
	return fs_end();
}
