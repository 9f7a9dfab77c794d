/* Host-side checks of the program file before a VM is made, with docker's exit statuses: 127 not
   found, 126 not executable (with the reason from the shared ELF parser). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "loader/elf.h"

int prog_open(const char *path, int *fd_out, uint64_t *len_out);

static int prog_check_elf(const char *path, int fd, uint64_t len)
{
	void *p = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (len && p == MAP_FAILED) {
		fprintf(stderr, "unik: %s: %s\n", path, strerror(errno));
		return 125;
	}
	struct elf_image img = { 0 };
	const char *why = "not an ELF file";
	int err = p ? elf_parse(p, len, &img, &why) : -ENOEXEC;
	int st = 0;
	if (err && img.late) {
		/* Linux fails such a file after execve's point of no return: the process dies of
		   SIGSEGV, which a shell reports as 139. */
		fprintf(stderr, "unik: %s: killed by SIGSEGV while loading: %s\n", path, why);
		st = 139;
	} else if (err) {
		if (len >= 2 && !memcmp(p, "#!", 2))
			why = "a #! script: interpreters need a root filesystem, not supported yet";
		fprintf(stderr, "unik: %s: exec format error: %s\n", path, why);
		st = 126;
	} else if (img.kind == ELF_KIND_DYNAMIC) {
		char interp[256] = "?";
		if (img.interp_len < sizeof(interp)) {
			memcpy(interp, (const char *)p + img.interp_off, img.interp_len);
			interp[img.interp_len] = 0;
		}
		fprintf(stderr, "unik: %s: dynamically linked (interpreter %s): dynamic executables "
			"need a root filesystem, not supported yet\n", path, interp);
		st = 126;
	}
	if (p)
		munmap(p, len);
	return st;
}

int prog_open(const char *path, int *fd_out, uint64_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;
		fprintf(stderr, "unik: %s: %s\n", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return e == ENOENT || e == ENOTDIR ? 127 : 126;
	}
	if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode) || access(path, X_OK)) {
		fprintf(stderr, "unik: %s: %s\n", path,
			S_ISDIR(st.st_mode) ? "is a directory" : "permission denied");
		close(fd);
		return 126;
	}
	int r = prog_check_elf(path, fd, (uint64_t)st.st_size);
	if (r) {
		close(fd);
		return r;
	}
	*fd_out = fd;
	*len_out = (uint64_t)st.st_size;
	return 0;
}
