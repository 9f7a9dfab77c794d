/* The volume hypercalls against a byte array standing in for guest memory and a temporary
   directory standing in for the shared host directory: the file protocol, and every hostile
   input of docs' hypercall list (bad addresses and lengths, unterminated and malformed names,
   unknown handles, symlinks pointing out, a symlink swapped in after a lookup, :ro). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "monitor/hc.h"
#include "tests/unit/hc_fixture.h"

#define MEM (4u << 20)
#define ARG 0x100ull            /* argument structs */
#define NAME 0x1000ull          /* first name */
#define NAME2 0x1200ull         /* second name, symlink targets */
#define BUF 0x10000ull          /* data buffers */

static uint8_t *guest;
static struct hc_ctx ctx;
static char tmp[64], share[128], outside[128], rodir[128];
static int64_t root, roroot;

static void put_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *host_read(const char *dir, const char *name)
{
	static char text[256];
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	return text;
}

static bool host_exists(const char *dir, const char *name)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

static int setup(void **state)
{
	strcpy(tmp, "/tmp/unik-hcfile.XXXXXX");
	guest = hc_fixture_start(&ctx, MEM, tmp);
	snprintf(share, sizeof(share), "%s/share", tmp);
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	snprintf(rodir, sizeof(rodir), "%s/ro", tmp);
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(mkdir(rodir, 0755), 0);
	put_file(share, "hello.txt", "hello");
	put_file(outside, "secret", "SECRET");
	put_file(rodir, "keep", "keep");
	ctx.file = hc_file_new(0);
	assert_non_null(ctx.file);
	root = hc_file_add_volume(ctx.file, open(share, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
	roroot = hc_file_add_volume(ctx.file, open(rodir, O_PATH | O_DIRECTORY | O_CLOEXEC), 1);
	assert_true(root > 0 && roroot > 0 && root != roroot);
	return 0;
}

static int teardown(void **state)
{
	hc_fixture_end(&ctx, guest, tmp);
	return 0;
}

/* ---- calling helpers: argument struct at ARG, names at NAME and NAME2 ---- */

static struct unik_hc_fs_entry ent;

static int64_t entry_call(unsigned nr, uint32_t dir, const char *name, uint32_t mode,
			  const char *target, uint32_t handle)
{
	memset(&ent, 0, sizeof(ent));
	ent.dir = dir;
	ent.handle = handle;
	ent.mode = mode;
	ent.name = NAME;
	ent.name_len = (uint32_t)strlen(name);
	memcpy(guest + NAME, name, ent.name_len);
	if (target) {
		ent.target = NAME2;
		ent.target_len = (uint32_t)strlen(target);
		memcpy(guest + NAME2, target, ent.target_len);
	}
	memcpy(guest + ARG, &ent, sizeof(ent));
	assert_int_equal(hc_dispatch(&ctx, nr, ARG), HC_OK);
	memcpy(&ent, guest + ARG, sizeof(ent));
	return ent.ret;
}

/* LOOKUP: the handle, or -errno. */
static int64_t lookup(uint32_t dir, const char *name)
{
	int64_t r = entry_call(UNIK_HC_FS_LOOKUP, dir, name, 0, NULL, 0);
	return r ? r : ent.handle;
}

static int64_t create(uint32_t dir, const char *name, uint32_t mode)
{
	int64_t r = entry_call(UNIK_HC_FS_CREATE, dir, name, mode, NULL, 0);
	return r ? r : ent.handle;
}

static struct unik_hc_fs_io io;

static int64_t io_call(unsigned nr, uint32_t h, uint64_t buf, uint64_t len, uint64_t off)
{
	memset(&io, 0, sizeof(io));
	io.handle = h;
	io.buf = buf;
	io.len = len;
	io.off = off;
	memcpy(guest + ARG, &io, sizeof(io));
	assert_int_equal(hc_dispatch(&ctx, nr, ARG), HC_OK);
	memcpy(&io, guest + ARG, sizeof(io));
	return io.ret;
}

static struct unik_hc_fs_handle hnd;

static int64_t handle_call(unsigned nr, uint32_t h, uint32_t flags)
{
	memset(&hnd, 0, sizeof(hnd));
	hnd.handle = h;
	hnd.flags = flags;
	memcpy(guest + ARG, &hnd, sizeof(hnd));
	assert_int_equal(hc_dispatch(&ctx, nr, ARG), HC_OK);
	memcpy(&hnd, guest + ARG, sizeof(hnd));
	return hnd.ret;
}

static int64_t rename_call(uint32_t od, const char *on, uint32_t nd, const char *nn, uint32_t fl)
{
	struct unik_hc_fs_rename r = { .olddir = od, .newdir = nd, .oldname = NAME, .newname = NAME2,
				       .oldlen = (uint32_t)strlen(on), .newlen = (uint32_t)strlen(nn),
				       .flags = fl };
	memcpy(guest + NAME, on, r.oldlen);
	memcpy(guest + NAME2, nn, r.newlen);
	memcpy(guest + ARG, &r, sizeof(r));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_RENAME, ARG), HC_OK);
	memcpy(&r, guest + ARG, sizeof(r));
	return r.ret;
}

static struct unik_hc_fs_setattr sa;

static int64_t setattr_call(uint32_t h, uint32_t valid)
{
	sa.handle = h;
	sa.valid = valid;
	memcpy(guest + ARG, &sa, sizeof(sa));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_SETATTR, ARG), HC_OK);
	memcpy(&sa, guest + ARG, sizeof(sa));
	int64_t r = sa.ret;
	memset(&sa, 0, sizeof(sa));
	return r;
}

/* ---- the protocol ---- */

static void test_lookup_and_read(void **state)
{
	int64_t h = lookup(root, "hello.txt");
	assert_true(h > 0);
	assert_int_equal(ent.attr.size, 5);
	assert_true(S_ISREG(ent.attr.mode));
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 100, 0), 5);
	assert_memory_equal(guest + BUF, "hello", 5);
	assert_int_equal(io.size, 5);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 100, 3), 2);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 100, 5), 0);   /* EOF */
	assert_int_equal(lookup(root, "nope"), -ENOENT);
	/* A file the host changes after the lookup is read as it is now. */
	put_file(share, "hello.txt", "changed!");
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 100, 0), 8);
	assert_int_equal(io.size, 8);
	assert_int_equal(handle_call(UNIK_HC_FS_GETATTR, h, 0), 0);
	assert_int_equal(hnd.attr.size, 8);
}

static void test_lookup_stat_only(void **state)
{
	/* Attributes of a name without a handle (the guest checking a cached name). */
	assert_int_equal(entry_call(UNIK_HC_FS_LOOKUP, root, "hello.txt", UNIK_FS_LOOKUP_STAT, NULL,
				    77), 0);
	assert_int_equal(ent.handle, 0);
	assert_int_equal(ent.attr.size, 5);
	char p[256];
	snprintf(p, sizeof(p), "%s/l", share);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(entry_call(UNIK_HC_FS_LOOKUP, root, "l", UNIK_FS_LOOKUP_STAT, NULL, 0), 0);
	assert_true(S_ISLNK(ent.attr.mode));                    /* not followed */
	assert_int_equal(entry_call(UNIK_HC_FS_LOOKUP, root, "..", UNIK_FS_LOOKUP_STAT, NULL, 0),
			 -EINVAL);
	assert_int_equal(entry_call(UNIK_HC_FS_LOOKUP, root, "x", 2, NULL, 0), -EINVAL);
	assert_int_equal(entry_call(UNIK_HC_FS_LOOKUP, root, "gone", UNIK_FS_LOOKUP_STAT, NULL, 0),
			 -ENOENT);
}

static void test_create_write_mkdir(void **state)
{
	int64_t h = create(root, "new.txt", S_IFREG | 0640);
	assert_true(h > 0);
	assert_int_equal(ent.attr.mode, S_IFREG | 0640);
	memcpy(guest + BUF, "from the guest", 14);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, h, BUF, 14, 0), 14);
	assert_int_equal(io.size, 14);
	assert_string_equal(host_read(share, "new.txt"), "from the guest");
	assert_int_equal(create(root, "new.txt", S_IFREG | 0640), -EEXIST);
	assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, root, "d", 0750, NULL, 0), 0);
	assert_true(S_ISDIR(ent.attr.mode));
	int64_t d = ent.handle;
	assert_true(create(d, "inner", S_IFREG | 0600) > 0);
	assert_true(host_exists(share, "d/inner"));
	assert_int_equal(io_call(UNIK_HC_FS_READ, d, BUF, 10, 0), -EISDIR);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, d, BUF, 10, 0), -EISDIR);
	/* FIFOs may be made; device nodes never. */
	assert_true(create(root, "fifo", S_IFIFO | 0600) > 0);
	assert_int_equal(create(root, "sda", S_IFBLK | 0600), -EPERM);
	assert_int_equal(create(root, "tty", S_IFCHR | 0600), -EPERM);
	assert_int_equal(create(root, "dir", S_IFDIR | 0600), -EINVAL);
	assert_false(host_exists(share, "sda"));
}

static void test_readdir_batches(void **state)
{
	assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, root, "many", 0755, NULL, 0), 0);
	int64_t d = ent.handle;
	char name[32], seen[40] = { 0 };
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "many/file-%02d", i);
		put_file(share, name, "x");
	}
	uint64_t cookie = 0;
	int calls = 0, total = 0;
	for (;;) {
		int64_t n = io_call(UNIK_HC_FS_READDIR, d, BUF, 200, cookie);   /* a few per call */
		assert_true(n >= 0);
		if (n == 0)
			break;
		calls++;
		for (int64_t at = 0; at < n;) {
			struct unik_hc_fs_dirent r;
			memcpy(&r, guest + BUF + at, sizeof(r));
			assert_true(r.reclen >= sizeof(r) + r.name_len + 1 && r.reclen % 8 == 0);
			const char *nm = (const char *)guest + BUF + at + sizeof(r);
			assert_int_equal(nm[r.name_len], 0);
			int k;
			if (sscanf(nm, "file-%d", &k) == 1) {
				assert_int_equal(seen[k], 0);
				seen[k] = 1;
				total++;
				assert_int_equal(r.type, DT_REG);
			}
			at += r.reclen;
		}
		cookie = io.next;
	}
	assert_int_equal(total, 40);
	assert_true(calls > 5);
	assert_int_equal(io_call(UNIK_HC_FS_READDIR, d, BUF, 10, 0), -EINVAL);  /* none fits */
	int64_t f = lookup(root, "hello.txt");
	assert_int_equal(io_call(UNIK_HC_FS_READDIR, f, BUF, 4096, 0), -ENOTDIR);
	/* One call takes many entries. */
	assert_true(io_call(UNIK_HC_FS_READDIR, d, BUF, 65536, 0) > 40 * 24);
}

static void test_remove_rename_link(void **state)
{
	int64_t h = lookup(root, "hello.txt");
	assert_int_equal(entry_call(UNIK_HC_FS_LINK, root, "hard", 0, NULL, (uint32_t)h), 0);
	struct stat st;
	char p[256];
	snprintf(p, sizeof(p), "%s/hard", share);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(rename_call(root, "hard", root, "moved", 0), 0);
	assert_true(host_exists(share, "moved") && !host_exists(share, "hard"));
	assert_int_equal(rename_call(root, "moved", root, "hello.txt", UNIK_FS_RENAME_NOREPLACE),
			 -EEXIST);
	assert_int_equal(rename_call(root, "moved", root, "x", 3), -EINVAL);
	assert_int_equal(rename_call(root, "moved", root, "x", 4), -EINVAL);
	assert_int_equal(rename_call(root, "moved", root, "..", 0), -EINVAL);
	assert_int_equal(entry_call(UNIK_HC_FS_UNLINK, root, "moved", 0, NULL, 0), 0);
	assert_false(host_exists(share, "moved"));
	assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, root, "empty", 0755, NULL, 0), 0);
	int64_t d = ent.handle;
	assert_int_equal(entry_call(UNIK_HC_FS_LINK, root, "dirlink", 0, NULL, (uint32_t)d), -EPERM);
	assert_int_equal(entry_call(UNIK_HC_FS_UNLINK, root, "empty", 0, NULL, 0), -EISDIR);
	assert_int_equal(entry_call(UNIK_HC_FS_RMDIR, root, "empty", 0, NULL, 0), 0);
	assert_int_equal(entry_call(UNIK_HC_FS_RMDIR, root, "hello.txt", 0, NULL, 0), -ENOTDIR);
	/* The handle of a removed directory still works, and sees it is empty and gone. */
	assert_int_equal(handle_call(UNIK_HC_FS_GETATTR, d, 0), 0);
	assert_int_equal(hnd.attr.nlink, 0);
}

static void test_symlink_readlink(void **state)
{
	assert_int_equal(entry_call(UNIK_HC_FS_SYMLINK, root, "l", 0, NULL, 0), -ENOENT);  /* "" */
	assert_int_equal(entry_call(UNIK_HC_FS_SYMLINK, root, "l", 0, "/etc", 0), 0);
	assert_true(S_ISLNK(ent.attr.mode));
	int64_t l = ent.handle;
	char t[64] = { 0 }, p[256];
	snprintf(p, sizeof(p), "%s/l", share);
	assert_int_equal(readlink(p, t, sizeof(t)), 4);
	assert_string_equal(t, "/etc");
	assert_int_equal(io_call(UNIK_HC_FS_READLINK, l, BUF, 100, 0), 4);
	assert_memory_equal(guest + BUF, "/etc", 4);
	assert_int_equal(io_call(UNIK_HC_FS_READLINK, l, BUF, 2, 0), 2);    /* cut short */
	assert_int_equal(io_call(UNIK_HC_FS_READLINK, root, BUF, 100, 0), -EINVAL);
	assert_int_equal(io_call(UNIK_HC_FS_READLINK, l, MEM - 1, 100, 0), -EFAULT);
	/* Targets: NUL inside, too long, unreadable. */
	entry_call(UNIK_HC_FS_SYMLINK, root, "l2", 0, "ab", 0);
	assert_int_equal(ent.ret, 0);
	ent.target_len = 3;
	guest[NAME2 + 1] = 0;
	memcpy(guest + ARG, &(struct unik_hc_fs_entry){ .dir = (uint32_t)root, .name = NAME,
		.name_len = 2, .target = NAME2, .target_len = 3 }, sizeof(ent));
	memcpy(guest + NAME, "l3", 2);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_SYMLINK, ARG), HC_OK);
	memcpy(&ent, guest + ARG, sizeof(ent));
	assert_int_equal(ent.ret, -EINVAL);
	memcpy(guest + ARG, &(struct unik_hc_fs_entry){ .dir = (uint32_t)root, .name = NAME,
		.name_len = 2, .target = NAME2, .target_len = 4096 }, sizeof(ent));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_SYMLINK, ARG), HC_OK);
	memcpy(&ent, guest + ARG, sizeof(ent));
	assert_int_equal(ent.ret, -ENAMETOOLONG);
	memcpy(guest + ARG, &(struct unik_hc_fs_entry){ .dir = (uint32_t)root, .name = NAME,
		.name_len = 2, .target = MEM - 2, .target_len = 10 }, sizeof(ent));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_SYMLINK, ARG), HC_OK);
	memcpy(&ent, guest + ARG, sizeof(ent));
	assert_int_equal(ent.ret, -EFAULT);
	assert_false(host_exists(share, "l3"));
}

static void test_setattr(void **state)
{
	int64_t h = lookup(root, "hello.txt");
	sa.mode = 0600;
	assert_int_equal(setattr_call(h, UNIK_FS_SET_MODE), 0);
	struct stat st;
	char p[256];
	snprintf(p, sizeof(p), "%s/hello.txt", share);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	sa.size = 2;
	assert_int_equal(setattr_call(h, UNIK_FS_SET_SIZE), 0);
	assert_string_equal(host_read(share, "hello.txt"), "he");
	sa.mtime_sec = 1000000000;
	sa.mtime_nsec = 5;
	assert_int_equal(setattr_call(h, UNIK_FS_SET_MTIME), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	sa.atime_nsec = 1000000000;
	assert_int_equal(setattr_call(h, UNIK_FS_SET_ATIME), -EINVAL);
	assert_int_equal(setattr_call(h, 0x100), -EINVAL);
	sa.uid = getuid();
	sa.gid = getgid();
	assert_int_equal(setattr_call(h, UNIK_FS_SET_UID | UNIK_FS_SET_GID), 0);
	sa.size = UINT64_MAX;
	assert_int_equal(setattr_call(h, UNIK_FS_SET_SIZE), -EINVAL);
	sa.size = 0;
	assert_int_equal(setattr_call(root, UNIK_FS_SET_SIZE), -EISDIR);
	assert_int_equal(entry_call(UNIK_HC_FS_SYMLINK, root, "sl", 0, "hello.txt", 0), 0);
	sa.mode = 0777;
	assert_int_equal(setattr_call(ent.handle, UNIK_FS_SET_MODE), -EOPNOTSUPP);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);     /* not followed to the target */
}

static void test_statfs_fsync(void **state)
{
	struct unik_hc_fs_statfs s = { .handle = (uint32_t)root };
	memcpy(guest + ARG, &s, sizeof(s));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_STATFS, ARG), HC_OK);
	memcpy(&s, guest + ARG, sizeof(s));
	assert_int_equal(s.ret, 0);
	assert_true(s.namelen > 0 && s.bsize > 0);
	assert_false(s.flags & ST_RDONLY);
	s = (struct unik_hc_fs_statfs){ .handle = (uint32_t)roroot };
	memcpy(guest + ARG, &s, sizeof(s));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_STATFS, ARG), HC_OK);
	memcpy(&s, guest + ARG, sizeof(s));
	assert_true(s.flags & ST_RDONLY);
	int64_t h = lookup(root, "hello.txt");
	assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, h, 0), 0);
	assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, h, 1), 0);
	assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, root, 0), 0);
	assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, roroot, 0), 0);
}

static int64_t sync_range_call(uint32_t h, uint64_t off, uint64_t nbytes, uint32_t flags)
{
	struct unik_hc_fs_sync_range a = { .handle = h, .flags = flags, .offset = off,
					   .nbytes = nbytes, .ret = 1 };
	memcpy(guest + ARG, &a, sizeof(a));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_SYNC_RANGE, ARG), HC_OK);
	memcpy(&a, guest + ARG, sizeof(a));
	return a.ret;
}

/* sync_file_range of regular files only, with Linux's flags and a range within loff_t. */
static void test_sync_range(void **state)
{
	int64_t h = lookup(root, "hello.txt");
	assert_int_equal(sync_range_call(h, 0, 0, UNIK_FS_SYNC_WAIT_BEFORE | UNIK_FS_SYNC_WRITE |
				     UNIK_FS_SYNC_WAIT_AFTER), 0);
	assert_int_equal(sync_range_call(h, 4096, 1, UNIK_FS_SYNC_WRITE), 0);
	assert_int_equal(sync_range_call(h, 0, 0, 0), 0);
	assert_int_equal(sync_range_call(h, 0, 0, 8), -EINVAL);
	assert_int_equal(sync_range_call(h, (uint64_t)INT64_MAX + 1, 0, 2), -EINVAL);
	assert_int_equal(sync_range_call(h, INT64_MAX, 1, 2), -EINVAL);
	assert_int_equal(sync_range_call(root, 0, 0, 2), -EINVAL);     /* a directory */
	assert_int_equal(sync_range_call(0xdead, 0, 0, 2), -EBADF);
}

/* ---- hostile inputs ---- */

static void test_bad_names(void **state)
{
	static const char *bad[] = { "..", ".", "a/b", "/etc", "../outside", "/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lookup(root, bad[i]), -EINVAL);
		assert_int_equal(create(root, bad[i], S_IFREG | 0644), -EINVAL);
		assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, root, bad[i], 0755, NULL, 0), -EINVAL);
		assert_int_equal(entry_call(UNIK_HC_FS_UNLINK, root, bad[i], 0, NULL, 0), -EINVAL);
		assert_int_equal(entry_call(UNIK_HC_FS_RMDIR, root, bad[i], 0, NULL, 0), -EINVAL);
		assert_int_equal(rename_call(root, "hello.txt", root, bad[i], 0), -EINVAL);
	}
	assert_int_equal(lookup(root, ""), -EINVAL);
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = 0;
	assert_int_equal(lookup(root, longname), -ENAMETOOLONG);
	longname[255] = 0;
	assert_int_equal(lookup(root, longname), -ENOENT);      /* 255 is allowed */
	/* A NUL inside: "hello.txt\0x" must not become "hello.txt". */
	memcpy(guest + NAME, "hello.txt\0x", 11);
	struct unik_hc_fs_entry e = { .dir = (uint32_t)root, .name = NAME, .name_len = 11 };
	memcpy(guest + ARG, &e, sizeof(e));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_LOOKUP, ARG), HC_OK);
	memcpy(&e, guest + ARG, sizeof(e));
	assert_int_equal(e.ret, -EINVAL);
	/* Names running off the end of memory, or anywhere absurd. */
	static const struct { uint64_t gpa; uint32_t len; int64_t err; } where[] = {
		{ MEM - 2, 5, -EFAULT }, { MEM, 1, -EFAULT }, { UINT64_MAX, 1, -EFAULT },
		{ UINT64_MAX - 2, 8, -EFAULT }, { 0, UINT32_MAX, -ENAMETOOLONG },
		{ MEM - 1, 1, -EINVAL /* a NUL byte */ },
	};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		e = (struct unik_hc_fs_entry){ .dir = (uint32_t)root, .name = where[i].gpa,
					       .name_len = where[i].len };
		memcpy(guest + ARG, &e, sizeof(e));
		assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_LOOKUP, ARG), HC_OK);
		memcpy(&e, guest + ARG, sizeof(e));
		assert_int_equal(e.ret, where[i].err);
	}
}

static void test_bad_handles(void **state)
{
	static const uint32_t bad[] = { 0, 12345, UINT32_MAX, 65536 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t h = bad[i];
		assert_int_equal(lookup(h, "hello.txt"), -EBADF);
		assert_int_equal(create(h, "x", S_IFREG | 0644), -EBADF);
		assert_int_equal(entry_call(UNIK_HC_FS_LINK, root, "x", 0, NULL, h), -EBADF);
		assert_int_equal(rename_call(h, "hello.txt", root, "x", 0), -EBADF);
		assert_int_equal(rename_call(root, "hello.txt", h, "x", 0), -EBADF);
		assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 10, 0), -EBADF);
		assert_int_equal(io_call(UNIK_HC_FS_WRITE, h, BUF, 10, 0), -EBADF);
		assert_int_equal(io_call(UNIK_HC_FS_READDIR, h, BUF, 4096, 0), -EBADF);
		assert_int_equal(io_call(UNIK_HC_FS_READLINK, h, BUF, 10, 0), -EBADF);
		assert_int_equal(handle_call(UNIK_HC_FS_GETATTR, h, 0), -EBADF);
		assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, h, 0), -EBADF);
		assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, h, 0), -EBADF);
		assert_int_equal(setattr_call(h, UNIK_FS_SET_MODE), -EBADF);
	}
	/* A file handle where a directory is wanted. */
	int64_t f = lookup(root, "hello.txt");
	assert_int_equal(lookup((uint32_t)f, "x"), -ENOTDIR);
	assert_int_equal(rename_call((uint32_t)f, "a", root, "b", 0), -ENOTDIR);
	/* Close: once; never a volume root; unusable afterwards. */
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, root, 0), -EBUSY);
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, f, 0), 0);
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, f, 0), -EBADF);
	assert_int_equal(io_call(UNIK_HC_FS_READ, f, BUF, 10, 0), -EBADF);
	assert_true(lookup(root, "hello.txt") > 0);
	/* No volumes at all. */
	struct hc_file *hf = ctx.file;
	ctx.file = NULL;
	assert_int_equal(lookup(root, "hello.txt"), -EBADF);
	ctx.file = hf;
}

static void test_bad_ranges(void **state)
{
	int64_t h = lookup(root, "hello.txt");
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, MEM - 2, 5, 0), -EFAULT);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, MEM, 1, 0), -EFAULT);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, UINT64_MAX, 1, 0), -EFAULT);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, UINT64_MAX - 1, 16, 0), -EFAULT);  /* wraps */
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, h, MEM - 1, 2, 0), -EFAULT);
	assert_int_equal(io_call(UNIK_HC_FS_READDIR, root, MEM - 8, 4096, 0), -EFAULT);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, MEM, 0, 0), 0);            /* empty at the end */
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 10, INT64_MAX), -EINVAL);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 10, UINT64_MAX), -EINVAL);
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, BUF, 10, INT64_MAX - 10), 0);
	assert_int_equal(io_call(UNIK_HC_FS_READDIR, root, BUF, 4096, UINT64_MAX), -EINVAL);
	/* Lengths past the transfer bound are cut to it, not trusted: a 2 MiB file read with a
	   length of all of memory (and of UINT64_MAX) moves 1 MiB. */
	int64_t big = create(root, "big", S_IFREG | 0644);
	memset(guest + BUF, 'b', 2u << 20);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, big, BUF, 2u << 20, 0), UNIK_FS_IO_MAX);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, big, BUF, 2u << 20, 1u << 20), UNIK_FS_IO_MAX);
	assert_int_equal(io_call(UNIK_HC_FS_READ, big, 0, MEM, 0), UNIK_FS_IO_MAX);
	assert_int_equal(io_call(UNIK_HC_FS_READ, big, BUF, UINT64_MAX, 0), UNIK_FS_IO_MAX);
	/* Data landing on its own argument struct: allowed, harmless to the monitor. */
	assert_int_equal(io_call(UNIK_HC_FS_READ, h, ARG + 8, 64, 0), 5);
	/* The argument struct itself out of range: a malformed request. */
	for (unsigned nr = UNIK_HC_FS_LOOKUP; nr < UNIK_HC_MAX; nr++) {
		assert_int_equal(hc_dispatch(&ctx, nr, MEM - 8), HC_BAD);
		assert_int_equal(hc_dispatch(&ctx, nr, MEM), HC_BAD);
		assert_int_equal(hc_dispatch(&ctx, nr, UINT64_MAX), HC_BAD);
		assert_int_equal(hc_dispatch(&ctx, nr, UINT64_MAX - 4), HC_BAD);
	}
}

static void test_symlinks_pointing_out(void **state)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/up", share);
	assert_int_equal(symlink("../outside", p), 0);
	snprintf(p, sizeof(p), "%s/abs", share);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/slash", share);
	assert_int_equal(symlink("/", p), 0);
	snprintf(p, sizeof(p), "%s/dangling", share);
	assert_int_equal(symlink("../outside/made", p), 0);
	static const char *links[] = { "up", "abs", "slash", "dangling" };
	for (size_t i = 0; i < 4; i++) {
		int64_t l = lookup(root, links[i]);
		assert_true(l > 0);
		assert_true(S_ISLNK(ent.attr.mode));    /* the link itself, never its target */
		assert_int_equal(lookup((uint32_t)l, "secret"), -ENOTDIR);
		assert_int_equal(create((uint32_t)l, "made", S_IFREG | 0644), -ENOTDIR);
		assert_int_equal(io_call(UNIK_HC_FS_READDIR, l, BUF, 4096, 0), -ENOTDIR);
		assert_int_equal(io_call(UNIK_HC_FS_READ, l, BUF, 100, 0), -EINVAL);
		assert_int_equal(io_call(UNIK_HC_FS_WRITE, l, BUF, 10, 0), -EINVAL);
		assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, l, 0), -EINVAL);
		/* Made over the link's name: refused, not followed. */
		assert_int_equal(create(root, links[i], S_IFREG | 0644), -EEXIST);
		assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, root, links[i], 0755, NULL, 0),
				 -EEXIST);
		sa.size = 0;
		assert_int_equal(setattr_call((uint32_t)l, UNIK_FS_SET_SIZE), -EINVAL);
	}
	assert_false(host_exists(outside, "made"));
	assert_string_equal(host_read(outside, "secret"), "SECRET");
	/* Removing or renaming the link touches the link only. */
	assert_int_equal(rename_call(root, "up", root, "up2", 0), 0);
	assert_int_equal(entry_call(UNIK_HC_FS_UNLINK, root, "up2", 0, NULL, 0), 0);
	assert_true(host_exists(tmp, "outside/secret"));
}

static void test_symlink_swapped_in_after_lookup(void **state)
{
	/* A file: looked up, then its name replaced by a link to a file outside the share. */
	int64_t f = lookup(root, "hello.txt");
	char a[256], b[256], o[256];
	snprintf(a, sizeof(a), "%s/hello.txt", share);
	snprintf(b, sizeof(b), "%s/hello.old", share);
	snprintf(o, sizeof(o), "%s/secret", outside);
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(symlink(o, a), 0);
	assert_int_equal(io_call(UNIK_HC_FS_READ, f, BUF, 100, 0), 5);
	assert_memory_equal(guest + BUF, "hello", 5);           /* the file, not the secret */
	memcpy(guest + BUF, "HELLO", 5);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, f, BUF, 5, 0), 5);
	assert_string_equal(host_read(share, "hello.old"), "HELLO");
	assert_string_equal(host_read(outside, "secret"), "SECRET");
	sa.size = 1;
	assert_int_equal(setattr_call((uint32_t)f, UNIK_FS_SET_SIZE), 0);
	assert_string_equal(host_read(outside, "secret"), "SECRET");
	/* A directory: looked up, then swapped for a link to the outside directory. */
	assert_int_equal(mkdir(a, 0755) == 0 || errno == EEXIST, 1);
	char d[256], d2[256];
	snprintf(d, sizeof(d), "%s/dir", share);
	snprintf(d2, sizeof(d2), "%s/dir.old", share);
	assert_int_equal(mkdir(d, 0755), 0);
	int64_t dh = lookup(root, "dir");
	assert_int_equal(rename(d, d2), 0);
	assert_int_equal(symlink(outside, d), 0);
	assert_true(create((uint32_t)dh, "planted", S_IFREG | 0644) > 0);
	assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, (uint32_t)dh, "pdir", 0755, NULL, 0), 0);
	assert_int_equal(lookup((uint32_t)dh, "secret"), -ENOENT);
	assert_true(host_exists(share, "dir.old/planted"));
	assert_false(host_exists(outside, "planted") || host_exists(outside, "pdir"));
	/* Looking the name up again yields the link, which the guest resolves itself. */
	assert_true(lookup(root, "dir") > 0);
	assert_true(S_ISLNK(ent.attr.mode));
}

static void test_read_only_volume(void **state)
{
	uint32_t r = (uint32_t)roroot;
	int64_t k = lookup(r, "keep");
	assert_true(k > 0);
	assert_int_equal(io_call(UNIK_HC_FS_READ, k, BUF, 100, 0), 4);
	assert_true(io_call(UNIK_HC_FS_READDIR, r, BUF, 4096, 0) > 0);
	assert_int_equal(create(r, "new", S_IFREG | 0644), -EROFS);
	assert_int_equal(entry_call(UNIK_HC_FS_MKDIR, r, "d", 0755, NULL, 0), -EROFS);
	assert_int_equal(entry_call(UNIK_HC_FS_SYMLINK, r, "l", 0, "keep", 0), -EROFS);
	assert_int_equal(entry_call(UNIK_HC_FS_LINK, r, "k2", 0, NULL, (uint32_t)k), -EROFS);
	assert_int_equal(entry_call(UNIK_HC_FS_UNLINK, r, "keep", 0, NULL, 0), -EROFS);
	assert_int_equal(entry_call(UNIK_HC_FS_RMDIR, r, "keep", 0, NULL, 0), -EROFS);
	assert_int_equal(rename_call(r, "keep", r, "moved", 0), -EROFS);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, k, BUF, 4, 0), -EROFS);
	static const uint32_t sets[] = { UNIK_FS_SET_MODE, UNIK_FS_SET_UID, UNIK_FS_SET_GID,
					 UNIK_FS_SET_SIZE, UNIK_FS_SET_ATIME, UNIK_FS_SET_MTIME };
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(setattr_call((uint32_t)k, sets[i]), -EROFS);
	assert_int_equal(setattr_call((uint32_t)k, 0), 0);      /* no change: allowed */
	assert_string_equal(host_read(rodir, "keep"), "keep");
	assert_false(host_exists(rodir, "new") || host_exists(rodir, "d") ||
		     host_exists(rodir, "l") || host_exists(rodir, "k2"));
	/* Across volumes: no link or rename from the read-only one into the writable one. */
	assert_int_equal(entry_call(UNIK_HC_FS_LINK, root, "stolen", 0, NULL, (uint32_t)k), -EXDEV);
	assert_int_equal(rename_call(r, "keep", root, "stolen", 0), -EXDEV);
	assert_int_equal(rename_call(root, "hello.txt", r, "x", 0), -EXDEV);
	assert_false(host_exists(share, "stolen"));
}

static void test_handle_limit(void **state)
{
	hc_file_free(ctx.file);
	ctx.file = hc_file_new(8);
	assert_non_null(ctx.file);
	root = hc_file_add_volume(ctx.file, open(share, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
	int64_t hs[8];
	int n = 0;
	for (; n < 8; n++) {
		hs[n] = lookup((uint32_t)root, "hello.txt");
		if (hs[n] < 0)
			break;
	}
	assert_int_equal(n, 7);                 /* the root is one of the 8 */
	assert_int_equal(hs[7], -ENFILE);
	assert_int_equal(create((uint32_t)root, "more", S_IFREG | 0644), -ENFILE);
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, hs[3], 0), 0);
	assert_true(lookup((uint32_t)root, "hello.txt") > 0);
	assert_int_equal(lookup((uint32_t)root, "hello.txt"), -ENFILE);
}

static void test_io_fd_reuse(void **state)
{
	/* More files in use than the monitor keeps open for I/O: each still reads its own. */
	int64_t h[100];
	char name[32], want[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		h[i] = create((uint32_t)root, name, S_IFREG | 0644);
		assert_true(h[i] > 0);
		int n = snprintf((char *)guest + BUF, 32, "content %d", i);
		assert_int_equal(io_call(UNIK_HC_FS_WRITE, h[i], BUF, n, 0), n);
		assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, h[i], 0), 0);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "f%d", i);
			if (round == 0)
				h[i] = lookup((uint32_t)root, name);
			int n = snprintf(want, sizeof(want), "content %d", i);
			assert_int_equal(io_call(UNIK_HC_FS_READ, h[i], BUF, 32, 0), n);
			assert_memory_equal(guest + BUF, want, n);
		}
	/* Reading and then writing the same file upgrades its I/O fd. */
	memcpy(guest + BUF, "X", 1);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, h[5], BUF, 1, 0), 1);
	assert_string_equal(host_read(share, "f5"), "Xontent 5");
}

static void test_fifo_never_opened(void **state)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/fifo", share);
	assert_int_equal(mkfifo(p, 0644), 0);
	int64_t f = lookup(root, "fifo");
	assert_true(f > 0);
	assert_true(S_ISFIFO(ent.attr.mode));
	/* Would block the monitor if it were opened: it is not. */
	assert_int_equal(io_call(UNIK_HC_FS_READ, f, BUF, 10, 0), -EINVAL);
	assert_int_equal(io_call(UNIK_HC_FS_WRITE, f, BUF, 10, 0), -EINVAL);
	assert_int_equal(handle_call(UNIK_HC_FS_FSYNC, f, 0), -EINVAL);
	sa.size = 0;
	assert_int_equal(setattr_call((uint32_t)f, UNIK_FS_SET_SIZE), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_stat_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_write_mkdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_rename_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_readlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statfs_fsync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_pointing_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_swapped_in_after_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_fd_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_never_opened, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
