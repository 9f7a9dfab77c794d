/* The volume xattr hypercalls against a byte array standing in for guest memory and a temporary
   directory standing in for the shared host directory: Linux's semantics for user.*, and the
   hostile requests (names and values too long or outside memory, namespaces other than user.*
   that the root monitor must never pass to the host, :ro, symlinks, FIFOs, unknown handles). */
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
#include <sys/stat.h>
#include <sys/xattr.h>
#include "monitor/hc.h"
#include "tests/unit/hc_fixture.h"

#define MEM (4u << 20)
#define ARG 0x100ull            /* the argument struct */
#define NAME 0x1000ull          /* the name */
#define BUF 0x10000ull          /* values and lists */

static uint8_t *guest;
static struct hc_ctx ctx;
static char tmp[64], share[128], rodir[128];
static int64_t root, roroot;
static bool host_xattrs;        /* the host directory's filesystem keeps user.* */

/* Tests of what the host keeps are skipped where it keeps nothing (saying so). */
#define NEED_HOST_XATTRS()                                                                 \
	do {                                                                               \
		if (!host_xattrs) {                                                        \
			fprintf(stderr, "skipped: /tmp keeps no user xattrs\n");           \
			skip();                                                            \
		}                                                                          \
	} while (0)

static void host_path(char p[256], const char *dir, const char *name)
{
	snprintf(p, 256, "%s/%s", dir, name);
}

static void put_file(const char *dir, const char *name)
{
	char p[256];
	host_path(p, dir, name);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static int setup(void **state)
{
	strcpy(tmp, "/tmp/unik-hcxattr.XXXXXX");
	guest = hc_fixture_start(&ctx, MEM, tmp);
	snprintf(share, sizeof(share), "%s/share", tmp);
	snprintf(rodir, sizeof(rodir), "%s/ro", tmp);
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(rodir, 0755), 0);
	put_file(share, "f");
	put_file(rodir, "keep");
	char p[256];
	host_path(p, share, "f");
	host_xattrs = setxattr(p, "user.probe", "1", 1, 0) == 0 && removexattr(p, "user.probe") == 0;
	ctx.file = hc_file_new(0);
	assert_non_null(ctx.file);
	root = hc_file_add_volume(ctx.file, open(share, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
	roroot = hc_file_add_volume(ctx.file, open(rodir, O_PATH | O_DIRECTORY | O_CLOEXEC), 1);
	assert_true(root > 0 && roroot > 0);
	return 0;
}

static int teardown(void **state)
{
	hc_fixture_end(&ctx, guest, tmp);
	return 0;
}

/* LOOKUP of a name under dir: the handle. */
static uint32_t lookup(int64_t dir, const char *name)
{
	struct unik_hc_fs_entry e = { .dir = (uint32_t)dir, .name = NAME,
				      .name_len = (uint32_t)strlen(name) };
	memcpy(guest + NAME, name, e.name_len);
	memcpy(guest + ARG, &e, sizeof(e));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_LOOKUP, ARG), HC_OK);
	memcpy(&e, guest + ARG, sizeof(e));
	assert_int_equal(e.ret, 0);
	return e.handle;
}

/* One xattr call with the struct as given (name and buf are guest addresses). */
static int64_t raw(unsigned nr, struct unik_hc_fs_xattr x)
{
	memcpy(guest + ARG, &x, sizeof(x));
	assert_int_equal(hc_dispatch(&ctx, nr, ARG), HC_OK);
	memcpy(&x, guest + ARG, sizeof(x));
	return x.ret;
}

/* One xattr call with name put at NAME (NULL: none) and len bytes at BUF. */
static int64_t call(unsigned nr, uint32_t h, const char *name, uint64_t len, uint32_t flags)
{
	size_t nl = name ? strlen(name) : 0;
	memcpy(guest + NAME, name ? name : "", nl);
	return raw(nr, (struct unik_hc_fs_xattr){ .handle = h, .flags = flags, .name = NAME,
						  .name_len = (uint32_t)nl, .buf = BUF, .len = len });
}

static int64_t set(uint32_t h, const char *name, const char *value, uint32_t flags)
{
	memcpy(guest + BUF, value, strlen(value));
	return call(UNIK_HC_FS_SETXATTR, h, name, strlen(value), flags);
}

static int64_t host_get(const char *dir, const char *file, const char *name, char *v, size_t n)
{
	char p[256];
	host_path(p, dir, file);
	ssize_t r = lgetxattr(p, name, v, n);
	return r < 0 ? -errno : r;
}

/* ---- Linux's semantics ---- */

static void test_set_get_list_remove(void **state)
{
	NEED_HOST_XATTRS();
	uint32_t f = lookup(root, "f");
	char v[64];
	assert_int_equal(set(f, "user.a", "hello", 0), 0);
	assert_int_equal(host_get(share, "f", "user.a", v, sizeof(v)), 5);
	assert_memory_equal(v, "hello", 5);
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.a", 0, 0), 5);    /* the length */
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.a", 4, 0), -ERANGE);
	memset(guest + BUF, 0, 16);
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.a", 64, 0), 5);
	assert_memory_equal(guest + BUF, "hello", 5);
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.nope", 64, 0), -ENODATA);
	/* Flags. */
	assert_int_equal(set(f, "user.a", "x", UNIK_FS_XATTR_CREATE), -EEXIST);
	assert_int_equal(set(f, "user.b", "x", UNIK_FS_XATTR_REPLACE), -ENODATA);
	assert_int_equal(set(f, "user.a", "again", UNIK_FS_XATTR_REPLACE), 0);
	assert_int_equal(set(f, "user.b", "", UNIK_FS_XATTR_CREATE), 0);       /* empty value */
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.b", 64, 0), 0);
	assert_int_equal(set(f, "user.a", "x", 4), -EINVAL);
	/* Set on the host, seen through the handle; the list holds both. */
	char p[256];
	host_path(p, share, "f");
	assert_int_equal(setxattr(p, "user.host", "h", 1, 0), 0);
	assert_int_equal(call(UNIK_HC_FS_LISTXATTR, f, NULL, 0, 0), 24);       /* 7 + 7 + 10 */
	assert_int_equal(call(UNIK_HC_FS_LISTXATTR, f, NULL, 23, 0), -ERANGE);
	assert_int_equal(call(UNIK_HC_FS_LISTXATTR, f, NULL, 4096, 0), 24);
	assert_non_null(memmem(guest + BUF, 24, "user.host", 10));
	assert_non_null(memmem(guest + BUF, 24, "user.a", 7));
	/* Remove. */
	assert_int_equal(call(UNIK_HC_FS_REMOVEXATTR, f, "user.a", 0, 0), 0);
	assert_int_equal(host_get(share, "f", "user.a", v, sizeof(v)), -ENODATA);
	assert_int_equal(call(UNIK_HC_FS_REMOVEXATTR, f, "user.a", 0, 0), -ENODATA);
	/* Directories keep user.* too. */
	assert_int_equal(set((uint32_t)root, "user.d", "dir", 0), 0);
	assert_int_equal(host_get(tmp, "share", "user.d", v, sizeof(v)), 3);
}

static void test_largest_value(void **state)
{
	NEED_HOST_XATTRS();
	/* As large as Linux allows, in a volume on tmpfs (which takes it; ext4 without ea_inode
	   does not) when there is one, else the share: the host's own answer either way. */
	char dir[64] = "/dev/shm/unik-hcxattr.XXXXXX", p[256];
	int64_t vol = root;
	if (mkdtemp(dir)) {
		vol = hc_file_add_volume(ctx.file, open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
		put_file(dir, "f");
	} else {
		strcpy(dir, share);
	}
	uint32_t f = lookup(vol, "f");
	host_path(p, dir, "f");
	static char big[UNIK_FS_XATTR_MAX];
	memset(big, 'v', sizeof(big));
	int native = setxattr(p, "user.native", big, sizeof(big), 0) ? -errno : 0;
	memcpy(guest + BUF, big, sizeof(big));
	assert_int_equal(call(UNIK_HC_FS_SETXATTR, f, "user.big", sizeof(big), 0), native);
	if (!native) {
		memset(guest + BUF, 0, sizeof(big));
		assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.big", UINT64_MAX, 0),
				 sizeof(big));
		assert_memory_equal(guest + BUF, big, sizeof(big));
		assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "user.big", sizeof(big) - 1, 0),
				 -ERANGE);
	}
	if (strcmp(dir, share)) {
		unlink(p);
		rmdir(dir);
	}
}

/* ---- hostile requests ---- */

static void test_bad_names_and_sizes(void **state)
{
	uint32_t f = lookup(root, "f");
	char longname[300] = "user.";
	memset(longname + 5, 'n', 251);
	longname[256] = 0;                                      /* 256 bytes */
	static const unsigned nrs[] = { UNIK_HC_FS_GETXATTR, UNIK_HC_FS_SETXATTR,
					UNIK_HC_FS_REMOVEXATTR };
	for (size_t i = 0; i < 3; i++) {
		unsigned nr = nrs[i];
		assert_int_equal(call(nr, f, longname, 4, 0), -ERANGE);
		assert_int_equal(call(nr, f, "", 4, 0), -ERANGE);
		struct unik_hc_fs_xattr x = { .handle = f, .name = NAME, .name_len = UINT32_MAX,
					      .buf = BUF, .len = 4 };
		assert_int_equal(raw(nr, x), -ERANGE);
		x.name_len = 5;
		static const uint64_t where[] = { MEM - 2, MEM, UINT64_MAX, UINT64_MAX - 2 };
		for (size_t w = 0; w < 4; w++) {
			x.name = where[w];
			assert_int_equal(raw(nr, x), -EFAULT);
		}
		/* A NUL inside: "user.a\0trusted.x" must not become "user.a". */
		memcpy(guest + NAME, "user.a\0trusted.x", 16);
		x = (struct unik_hc_fs_xattr){ .handle = f, .name = NAME, .name_len = 16,
					       .buf = BUF, .len = 4 };
		assert_int_equal(raw(nr, x), -EINVAL);
		assert_int_equal(call(nr, 0, "user.a", 4, 0), -EBADF);
		assert_int_equal(call(nr, 54321, "user.a", 4, 0), -EBADF);
	}
	assert_int_equal(call(UNIK_HC_FS_LISTXATTR, UINT32_MAX, NULL, 4, 0), -EBADF);
	longname[255] = 0;                                      /* 255 is allowed */
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, longname, 4, 0),
			 host_xattrs ? -ENODATA : -EOPNOTSUPP);
	/* Values: above 64 KiB refused, never read; buffers outside guest memory. */
	assert_int_equal(call(UNIK_HC_FS_SETXATTR, f, "user.v", UNIK_FS_XATTR_MAX + 1, 0), -E2BIG);
	assert_int_equal(call(UNIK_HC_FS_SETXATTR, f, "user.v", UINT64_MAX, 0), -E2BIG);
	static const struct { uint64_t buf, len; } bad[] = {
		{ MEM - 1, 2 }, { MEM, 1 }, { UINT64_MAX, 1 }, { UINT64_MAX - 2, 16 }, { MEM - 4, 8 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct unik_hc_fs_xattr x = { .handle = f, .name = NAME, .name_len = 6,
					      .buf = bad[i].buf, .len = bad[i].len };
		memcpy(guest + NAME, "user.v", 6);
		assert_int_equal(raw(UNIK_HC_FS_SETXATTR, x), -EFAULT);
		assert_int_equal(raw(UNIK_HC_FS_GETXATTR, x), -EFAULT);
		assert_int_equal(raw(UNIK_HC_FS_LISTXATTR, x), -EFAULT);
	}
	/* The largest buffer reaching past the end of memory: refused, even when cut to 64 KiB. */
	struct unik_hc_fs_xattr x = { .handle = f, .buf = MEM - 100, .len = UINT64_MAX };
	assert_int_equal(raw(UNIK_HC_FS_LISTXATTR, x), -EFAULT);
	char v[8];
	assert_int_equal(host_get(share, "f", "user.v", v, sizeof(v)),
			 host_xattrs ? -ENODATA : -EOPNOTSUPP);
}

static void test_other_namespaces_never_reach_the_host(void **state)
{
	uint32_t f = lookup(root, "f");
	static const char *names[] = { "trusted.x", "security.capability", "security.selinux",
				       "system.posix_acl_access", "other.x", "user" };
	char v[64];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(set(f, names[i], "\x01\x00\x00\x02", 0), -EOPNOTSUPP);
		assert_int_equal(set((uint32_t)root, names[i], "x", 0), -EOPNOTSUPP);
		assert_int_equal(call(UNIK_HC_FS_REMOVEXATTR, f, names[i], 0, 0), -EOPNOTSUPP);
		assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, names[i], 64, 0), -ENODATA);
		assert_true(host_get(share, "f", names[i], v, sizeof(v)) < 0);
	}
	/* What the host keeps outside user.* stays hidden (root may set trusted.* on most
	   filesystems; where it may not, there is nothing to hide). */
	char p[256];
	host_path(p, share, "f");
	if (setxattr(p, "trusted.secret", "s", 1, 0) == 0) {
		assert_int_equal(call(UNIK_HC_FS_GETXATTR, f, "trusted.secret", 64, 0), -ENODATA);
		assert_int_equal(call(UNIK_HC_FS_LISTXATTR, f, NULL, 4096, 0), 0);
		assert_int_equal(call(UNIK_HC_FS_REMOVEXATTR, f, "trusted.secret", 0, 0), -EOPNOTSUPP);
		assert_int_equal(host_get(share, "f", "trusted.secret", v, sizeof(v)), 1);
	}
}

static void test_read_only_volume(void **state)
{
	uint32_t k = lookup(roroot, "keep");
	char p[256], v[8];
	host_path(p, rodir, "keep");
	if (host_xattrs)
		assert_int_equal(setxattr(p, "user.old", "o", 1, 0), 0);
	assert_int_equal(set(k, "user.new", "n", 0), -EROFS);
	assert_int_equal(set(k, "trusted.x", "n", 0), -EROFS);         /* EROFS first, as Linux */
	assert_int_equal(set((uint32_t)roroot, "user.new", "n", 0), -EROFS);
	assert_int_equal(call(UNIK_HC_FS_REMOVEXATTR, k, "user.old", 0, 0), -EROFS);
	assert_int_equal(host_get(rodir, "keep", "user.new", v, sizeof(v)),
			 host_xattrs ? -ENODATA : -EOPNOTSUPP);
	if (!host_xattrs)
		return;
	assert_int_equal(host_get(rodir, "keep", "user.old", v, sizeof(v)), 1);
	assert_int_equal(call(UNIK_HC_FS_GETXATTR, k, "user.old", 64, 0), 1);    /* reads work */
	assert_int_equal(call(UNIK_HC_FS_LISTXATTR, k, NULL, 64, 0), 9);
}

static void test_symlinks_and_fifos(void **state)
{
	/* user.* lives on regular files and directories only (Linux: EPERM to set, absent to get);
	   the host is never asked about the link or its target. */
	char p[256], v[8];
	host_path(p, share, "link");
	assert_int_equal(symlink("f", p), 0);
	host_path(p, share, "fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	static const char *names[] = { "link", "fifo" };
	for (size_t i = 0; i < 2; i++) {
		uint32_t h = lookup(root, names[i]);
		assert_int_equal(set(h, "user.x", "x", 0), -EPERM);
		assert_int_equal(call(UNIK_HC_FS_REMOVEXATTR, h, "user.x", 0, 0), -EPERM);
		assert_int_equal(call(UNIK_HC_FS_GETXATTR, h, "user.x", 64, 0), -ENODATA);
		assert_int_equal(call(UNIK_HC_FS_LISTXATTR, h, NULL, 64, 0), 0);
	}
	assert_true(host_get(share, "f", "user.x", v, sizeof(v)) < 0);        /* not followed */
}

static void test_handle_follows_the_inode(void **state)
{
	NEED_HOST_XATTRS();
	/* The name swapped for a symlink to a file outside the share after the lookup: the
	   handle's file gets the attribute, the outside file nothing. */
	uint32_t f = lookup(root, "f");
	char a[256], b[256], o[256], v[8];
	host_path(a, share, "f");
	host_path(b, share, "f.old");
	host_path(o, tmp, "outside");
	put_file(tmp, "outside");
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(symlink(o, a), 0);
	assert_int_equal(set(f, "user.where", "in", 0), 0);
	assert_int_equal(host_get(share, "f.old", "user.where", v, sizeof(v)), 2);
	assert_int_equal(host_get(tmp, "outside", "user.where", v, sizeof(v)), -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_get_list_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_largest_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names_and_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_namespaces_never_reach_the_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_and_fifos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_follows_the_inode, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
