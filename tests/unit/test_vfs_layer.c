/* tmpfs as the writable layer over an imgfs image (vfs/tmpfs.c, vfs/tmpfs_dir.c): image content
   is read in place, changes copy up or hide, and the image bytes never change. The image
   (vfs_image.h) is built with image/'s writer and placed in kstub's fake physical memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "unik/imgfs.h"
#include "vfs/vfs.h"
#include "vfs/tmpfs.h"
#include "vfs/acl.h"
#include "kstub.h"
#include "kstub_vfs.h"
#include "vfs_image.h"

#define F LOOKUP_FOLLOW
#define O_WRONLY 01
#define O_TRUNC 01000
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

static uint8_t *pristine;       /* the image as built */
static size_t img_len;
static uint64_t img_pa;         /* where the test's copy sits in "physical memory" */
static struct fs_context fs;

static int group_setup(void **state)
{
	pristine = vfs_test_image(&img_len);
	return pristine ? 0 : -1;
}

static int group_teardown(void **state)
{
	free(pristine);
	return 0;
}

static struct unik_boot_info test_boot_info = { .mem_size = 1ull << 30 };

static int setup(void **state)
{
	const char *why = "unset";
	boot_info = &test_boot_info;
	test_boot_info.mem_size = 1ull << 30;
	kstub_vfs_init(4096);
	img_pa = kstub_alloc_contig(img_len / PAGE_SIZE);
	assert_true(img_pa != 0);
	memcpy(phys_to_virt(img_pa), pristine, img_len);
	struct inode *root = tmpfs_new(1, phys_to_virt(img_pa), img_len, img_pa, &why);
	assert_non_null(root);
	assert_null(why);
	assert_non_null(kstub_vfs_root(&fs, root));
	return 0;
}

static void assert_image_unchanged(void)
{
	assert_memory_equal(phys_to_virt(img_pa), pristine, img_len);
}

static struct inode *ino_at(const char *path)
{
	struct inode *ino = kstub_ino(&fs, path, F);
	if (!ino)
		fail_msg("%s not found", path);
	return ino;
}

static void expect_content(struct inode *ino, const char *want, size_t n)
{
	char buf[64];
	assert_true(n < sizeof(buf));
	assert_int_equal(ino->size, n);
	assert_int_equal(ino->ops->read(ino, buf, sizeof(buf), 0), (int64_t)n);
	assert_memory_equal(buf, want, n);
}

static void expect_passwd(struct inode *ino, size_t from, size_t to)
{
	static char buf[VFS_IMG_PASSWD_LEN];
	assert_int_equal(ino->ops->read(ino, buf, sizeof(buf), 0), VFS_IMG_PASSWD_LEN);
	for (size_t i = from; i < to; i++)
		if (buf[i] != vfs_img_passwd_byte(i))
			fail_msg("passwd byte %zu is %d", i, buf[i]);
}

static void test_lookup_and_zero_copy_reads(void **state)
{
	const struct imgfs_header *h = (const void *)pristine;
	struct inode *pw = ino_at("/etc/passwd");
	assert_int_equal(pw->mode, S_IFREG | 0644);
	assert_int_equal(pw->uid, 1000);
	assert_int_equal(pw->gid, 100);
	assert_int_equal(pw->mtime.sec, 1600000000);
	assert_int_equal(pw->nlink, 1);
	assert_int_equal(pw->size, VFS_IMG_PASSWD_LEN);
	/* the content is the image's own bytes */
	assert_true(pw->contig_pa >= img_pa + h->data_off && pw->contig_pa < img_pa + img_len);
	assert_int_equal(pw->contig_pa % PAGE_SIZE, 0);
	for (size_t i = 0; i < VFS_IMG_PASSWD_LEN; i++)
		assert_int_equal(((char *)phys_to_virt(pw->contig_pa))[i], vfs_img_passwd_byte(i));
	expect_passwd(pw, 0, VFS_IMG_PASSWD_LEN);
	char buf[100];
	assert_int_equal(pw->ops->read(pw, buf, 100, 4090), 100);
	assert_int_equal(buf[99], vfs_img_passwd_byte(4189));
	assert_int_equal(pw->ops->read(pw, buf, 10, 4999), 1);
	assert_int_equal(pw->ops->read(pw, buf, 10, 5000), 0);
	/* mmap pages are the image pages; a read sees a change made in image memory (no copy) */
	assert_int_equal(pw->ops->page(pw, 0, false), pw->contig_pa);
	assert_int_equal(pw->ops->page(pw, 1, false), pw->contig_pa + PAGE_SIZE);
	assert_int_equal(pw->ops->page(pw, 2, false), 0);
	char *byte = (char *)phys_to_virt(pw->contig_pa) + 7;
	char saved = *byte;
	*byte = '#';
	assert_int_equal(pw->ops->read(pw, buf, 8, 0), 8);
	assert_int_equal(buf[7], '#');
	*byte = saved;
	expect_content(ino_at("/bin/sh"), VFS_IMG_SH, strlen(VFS_IMG_SH));
	struct inode *empty = ino_at("/empty-file");
	assert_int_equal(empty->size, 0);
	assert_int_equal(empty->contig_pa, 0);
	assert_int_equal(empty->ops->read(empty, buf, 10, 0), 0);
	struct inode *var = ino_at("/var");
	assert_int_equal(var->mode & S_IFMT, S_IFDIR);
	assert_int_equal(var->nlink, 4);                /* ., .., log, empty */
	assert_ptr_equal(ino_at("/etc/shell"), ino_at("/bin/sh"));
	assert_null(kstub_ino(&fs, "/etc/nope", F));
	assert_ptr_equal(ino_at("/var/log/../../bin/../etc/passwd"), pw);
	assert_image_unchanged();
}

/* Executable mappings of an image file: the image page the first time, then one copy in guest
   memory that every later mapping shares (and the rewriter may patch), at most an eighth of
   guest memory; mappings that do not execute share an unpatched copy of their own; reads and
   page() keep the image's bytes; after a write no shared page is handed out. */
static void test_shared_text_pages(void **state)
{
	struct inode *pw = ino_at("/etc/passwd");
	uint64_t copies = text_pages_total;
	/* A peek records no use: the first TEXT_MAP still maps the image. */
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_PEEK), 0);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_PEEK), 0);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_MAP), 0);         /* first use: the image */
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_PEEK), 0);
	uint64_t t0 = pw->ops->text_page(pw, 0, TEXT_MAP);
	assert_true(t0 && t0 != pw->contig_pa);
	assert_memory_equal(phys_to_virt(t0), phys_to_virt(pw->contig_pa), PAGE_SIZE);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_MAP), t0);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_PEEK), t0);
	assert_true(pw->ops->is_text_page(pw, 0, t0));
	assert_false(pw->ops->is_text_page(pw, 0, pw->contig_pa));
	assert_false(pw->ops->is_text_page(pw, 1, t0));
	assert_int_equal(text_pages_total, copies + 1);
	assert_int_equal(pw->ops->text_page(pw, 2, TEXT_MAP), 0);         /* past the end */
	/* Patching the shared page leaves the file's bytes alone. */
	((char *)phys_to_virt(t0))[5] = '#';
	expect_passwd(pw, 0, VFS_IMG_PASSWD_LEN);
	assert_int_equal(pw->ops->page(pw, 0, false), pw->contig_pa);
	/* The bound. */
	assert_int_equal(pw->ops->text_page(pw, 1, TEXT_MAP), 0);
	test_boot_info.mem_size = (copies + 1) * 8 * PAGE_SIZE;
	assert_int_equal(pw->ops->text_page(pw, 1, TEXT_MAP), 0);
	test_boot_info.mem_size = 1ull << 30;
	uint64_t t1 = pw->ops->text_page(pw, 1, TEXT_MAP);
	assert_true(t1 && t1 != t0);
	/* Mappings that do not execute: copies of their own, made at the second use too, which
	   keep the file's bytes where the executable one was patched. */
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_READ), 0);        /* first use: the image */
	uint64_t r0 = pw->ops->text_page(pw, 0, TEXT_READ);
	assert_true(r0 && r0 != t0 && r0 != pw->contig_pa);
	assert_memory_equal(phys_to_virt(r0), phys_to_virt(pw->contig_pa), PAGE_SIZE);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_READ), r0);
	assert_false(pw->ops->is_text_page(pw, 0, r0));         /* never the rewriter's */
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_PEEK), t0);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_MAP), t0);
	assert_int_equal(text_pages_total, copies + 3);
	/* TEXT_PATCH: at the first use too (the rewriter is about to patch the page) */
	struct inode *sh = ino_at("/bin/sh");
	uint64_t ts = sh->ops->text_page(sh, 0, TEXT_PATCH);
	assert_true(ts && ts != sh->contig_pa && sh->ops->is_text_page(sh, 0, ts));
	assert_int_equal(sh->ops->text_page(sh, 0, TEXT_MAP), ts);
	/* Written: new mappings get the file's own pages; the shared ones stay valid. */
	assert_int_equal(pw->ops->write(pw, "X", 1, 3), 1);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_MAP), 0);
	assert_int_equal(pw->ops->text_page(pw, 0, TEXT_READ), 0);
	assert_true(pw->ops->is_text_page(pw, 0, t0));
	expect_passwd(pw, 4, VFS_IMG_PASSWD_LEN);
	assert_image_unchanged();
}

static void test_hard_links_share_one_inode(void **state)
{
	struct inode *a = ino_at("/bin/tool"), *b = ino_at("/etc/tool-link");
	assert_ptr_equal(a, b);
	assert_int_equal(a->nlink, 2);
	expect_content(b, VFS_IMG_TOOL, strlen(VFS_IMG_TOOL));
	assert_int_equal(b->ops->write(b, "TOOL", 4, 0), 4);
	expect_content(a, "TOOL v1\n", 8);
	assert_int_equal(kstub_remove(&fs, "/etc/tool-link", false), 0);
	assert_int_equal(a->nlink, 1);
	assert_ptr_equal(ino_at("/bin/tool"), a);
	expect_content(a, "TOOL v1\n", 8);
	assert_image_unchanged();
}

static void test_write_copies_up(void **state)
{
	struct inode *pw = ino_at("/etc/passwd");
	uint64_t image_pa = pw->contig_pa;
	kstub_time_ns = 1800000000000000005ll;
	assert_int_equal(pw->ops->write(pw, "XY", 2, 4095), 2);    /* across the page boundary */
	assert_int_equal(pw->contig_pa, 0);
	assert_int_equal(kstub_truncate_calls, 1);      /* mappings of the image pages are cut */
	assert_int_equal(kstub_truncate_from, 0);
	assert_int_equal(pw->size, VFS_IMG_PASSWD_LEN);
	assert_int_equal(pw->mtime.sec, 1800000000);
	assert_int_equal(pw->mtime.nsec, 5);
	expect_passwd(pw, 0, 4095);
	expect_passwd(pw, 4097, VFS_IMG_PASSWD_LEN);
	char buf[2];
	assert_int_equal(pw->ops->read(pw, buf, 2, 4095), 2);
	assert_memory_equal(buf, "XY", 2);
	uint64_t p0 = pw->ops->page(pw, 0, false);
	assert_true(p0 != 0 && p0 != image_pa);
	assert_int_equal(((char *)phys_to_virt(image_pa))[4095], vfs_img_passwd_byte(4095));
	/* growing leaves a hole of zeros */
	assert_int_equal(pw->ops->write(pw, "Z", 1, 9000), 1);
	assert_int_equal(pw->size, 9001);
	char z[4] = "...";
	assert_int_equal(pw->ops->read(pw, z, 3, 6000), 3);
	assert_memory_equal(z, "\0\0\0", 3);
	/* a writable mmap page copies up as well */
	struct inode *sh = ino_at("/bin/sh");
	uint64_t pg = sh->ops->page(sh, 0, true);
	assert_true(pg != 0);
	assert_int_equal(sh->contig_pa, 0);
	assert_memory_equal(phys_to_virt(pg), VFS_IMG_SH, strlen(VFS_IMG_SH));
	((char *)phys_to_virt(pg))[0] = '@';
	expect_content(sh, "@!/bin/sh image shell\n", strlen(VFS_IMG_SH));
	assert_image_unchanged();
}

static void test_truncate(void **state)
{
	struct inode *sh = ino_at("/bin/sh"), *pw = ino_at("/etc/passwd");
	struct iattr a = { .valid = ATTR_SIZE, .size = 3 };
	assert_int_equal(sh->ops->setattr(sh, &a), 0);
	assert_int_equal(sh->contig_pa, 0);
	expect_content(sh, "#!/", 3);
	/* mappings are cut first: at the copy-up from 0, then past the new end */
	assert_int_equal(kstub_truncate_calls, 2);
	assert_int_equal(kstub_truncate_from, 1);
	a.size = 10;
	assert_int_equal(sh->ops->setattr(sh, &a), 0);
	expect_content(sh, "#!/\0\0\0\0\0\0\0", 10);      /* no stale bytes come back */
	assert_int_equal(kstub_truncate_calls, 2);      /* growing unmaps nothing */
	a.size = 4096;
	assert_int_equal(pw->ops->setattr(pw, &a), 0);
	assert_int_equal(pw->size, 4096);
	assert_int_equal(kstub_truncate_from, 1);
	/* O_TRUNC through vfs_open */
	struct file *f;
	assert_int_equal(vfs_open(&fs, &fs.cwd, "/bin/tool", O_WRONLY | O_TRUNC, 0, &f), 0);
	assert_int_equal(ino_at("/etc/tool-link")->size, 0);
	file_put(f);
	assert_image_unchanged();
}

static void test_unlink_hides_image_files(void **state)
{
	struct inode *root = fs.root.d->inode;
	assert_int_equal(kstub_remove(&fs, "/etc/passwd", false), 0);
	assert_null(kstub_ino(&fs, "/etc/passwd", F));
	struct inode *etc = ino_at("/etc"), *x;
	assert_int_equal(etc->ops->lookup(etc, "passwd", 6, &x), -ENOENT);
	assert_int_equal(kstub_remove(&fs, "/etc/passwd", false), -ENOENT);
	assert_int_equal(kstub_remove(&fs, "/empty-file", false), 0);
	assert_null(kstub_ino(&fs, "/empty-file", F));
	assert_int_equal(root->size, 3);                /* bin, etc, var */
	assert_image_unchanged();
	/* the image still has them: a second view of it sees them */
	const char *why;
	struct inode *root2 = tmpfs_new(9, phys_to_virt(img_pa), img_len, img_pa, &why);
	struct inode *etc2, *pw2;
	assert_non_null(root2);
	assert_int_equal(root2->ops->lookup(root2, "etc", 3, &etc2), 0);
	assert_int_equal(etc2->ops->lookup(etc2, "passwd", 6, &pw2), 0);
	assert_int_equal(pw2->size, VFS_IMG_PASSWD_LEN);
	inode_put(pw2);
	inode_put(etc2);
	/* a new file of the same name is a new, empty one */
	assert_int_equal(kstub_mkfile(&fs, "/etc/passwd", "new"), 0);
	x = ino_at("/etc/passwd");
	expect_content(x, "new", 3);
	assert_int_equal(x->contig_pa, 0);
	/* removing a file made at run time frees it and its pages */
	ino_at("/var/log/syslog");                      /* the walk's own dentries and inodes */
	uint64_t live = kstub_kmalloc_live(), pages = kstub_pages_in_use();
	assert_int_equal(kstub_mkfile(&fs, "/var/log/tmp", "scratch"), 0);
	assert_true(kstub_pages_in_use() > pages);
	assert_int_equal(kstub_remove(&fs, "/var/log/tmp", false), 0);
	assert_int_equal(kstub_kmalloc_live(), live);
	assert_int_equal(kstub_pages_in_use(), pages);
}

static void test_new_files_in_image_dirs(void **state)
{
	const struct imgfs_header *h = (const void *)pristine;
	struct inode *etc = ino_at("/etc"), *ino;
	/* names of the image count before the directory was ever listed */
	assert_int_equal(etc->ops->create(etc, "passwd", 6, S_IFREG | 0644, 0, &ino), -EEXIST);
	assert_int_equal(kstub_mkfile(&fs, "/etc/hosts", "127.0.0.1\n"), 0);
	struct inode *hosts = ino_at("/etc/hosts");
	expect_content(hosts, "127.0.0.1\n", 10);
	assert_true(hosts->ino > h->inode_count);       /* never an image inode's number */
	assert_int_equal(hosts->uid, 0);
	assert_int_equal(etc->size, 4);                 /* passwd, shell, tool-link, hosts */
	struct inode *log = ino_at("/var/log");
	assert_int_equal(log->nlink, 2);
	assert_int_equal(kstub_mk(&fs, "/var/log/sub", S_IFDIR | 0755), 0);
	assert_int_equal(log->nlink, 3);
	assert_int_equal(kstub_mkfile(&fs, "/var/log/sub/f", "deep"), 0);
	expect_content(ino_at("/var/log/sub/../sub/f"), "deep", 4);
	assert_image_unchanged();
}

static void test_rename_within_and_across_image_dirs(void **state)
{
	struct inode *pw = ino_at("/etc/passwd");
	uint64_t pa = pw->contig_pa;
	assert_int_equal(kstub_rename(&fs, "/etc/passwd", "/etc/passwd-"), 0);
	assert_null(kstub_ino(&fs, "/etc/passwd", F));
	assert_ptr_equal(ino_at("/etc/passwd-"), pw);
	assert_int_equal(pw->contig_pa, pa);            /* still read in place */
	struct inode *sh = ino_at("/bin/sh");
	assert_int_equal(kstub_rename(&fs, "/bin/sh", "/etc/sh"), 0);
	assert_ptr_equal(ino_at("/etc/sh"), sh);
	assert_null(kstub_ino(&fs, "/bin/sh", F));
	assert_null(kstub_ino(&fs, "/etc/shell", F));   /* ../bin/sh now dangles */
	/* a directory: link counts move, ".." follows */
	struct inode *var = ino_at("/var"), *etc = ino_at("/etc"), *log = ino_at("/var/log");
	uint32_t etc_links = etc->nlink;
	assert_int_equal(kstub_rename(&fs, "/var/log", "/etc/log"), 0);
	assert_int_equal(var->nlink, 3);
	assert_int_equal(etc->nlink, etc_links + 1);
	assert_ptr_equal(ino_at("/etc/log"), log);
	expect_content(ino_at("/etc/log/syslog"), "log line\n", 9);
	assert_ptr_equal(ino_at("/etc/log/.."), etc);
	/* over an existing image file */
	struct inode *tool = ino_at("/bin/tool"), *ping = ino_at("/bin/ping");
	assert_int_equal(kstub_rename(&fs, "/bin/tool", "/bin/ping"), 0);
	assert_ptr_equal(ino_at("/bin/ping"), tool);
	assert_int_equal(ping->nlink, 0);
	assert_int_equal(tool->nlink, 2);
	assert_null(kstub_ino(&fs, "/bin/tool", F));
	assert_image_unchanged();
}

static void test_rmdir_of_image_dirs(void **state)
{
	struct inode *var = ino_at("/var");
	assert_int_equal(kstub_remove(&fs, "/var/log", true), -ENOTEMPTY);
	assert_int_equal(kstub_remove(&fs, "/var", true), -ENOTEMPTY);
	assert_int_equal(kstub_remove(&fs, "/var/empty", true), 0);
	assert_null(kstub_ino(&fs, "/var/empty", F));
	assert_int_equal(var->nlink, 3);
	assert_int_equal(kstub_remove(&fs, "/var/log/syslog", false), 0);
	assert_int_equal(kstub_remove(&fs, "/var/log", true), 0);
	assert_int_equal(kstub_remove(&fs, "/var", true), 0);
	assert_null(kstub_ino(&fs, "/var", F));
	assert_int_equal(fs.root.d->inode->nlink, 4);   /* ., .., bin, etc */
	assert_image_unchanged();
}

struct listing {
	char text[512];
	int n, stop_after;
	uint64_t ino[16];
	unsigned type[16];
};

static int emit(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type)
{
	struct listing *l = ctx;
	if (l->stop_after && l->n == l->stop_after)
		return 1;
	size_t at = strlen(l->text);
	snprintf(l->text + at, sizeof(l->text) - at, "%s%.*s", at ? " " : "", (int)len, name);
	if (l->n < 16) {
		l->ino[l->n] = ino;
		l->type[l->n] = type;
	}
	l->n++;
	return 0;
}

static void expect_listing(const char *path, const char *want)
{
	struct inode *dir = ino_at(path);
	struct listing l = { "", 0, 0, { 0 }, { 0 } };
	uint64_t pos = 0;
	assert_int_equal(dir->ops->iterate(dir, &pos, emit, &l), 0);
	assert_string_equal(l.text, want);
}

static void test_iterate_lists_image_and_new_names(void **state)
{
	struct inode *root = fs.root.d->inode, *etc = ino_at("/etc");
	struct listing l = { "", 0, 0, { 0 }, { 0 } };
	uint64_t pos = 0;
	assert_int_equal(etc->ops->iterate(etc, &pos, emit, &l), 0);
	assert_string_equal(l.text, ". .. passwd shell tool-link");
	assert_int_equal(l.type[0], DT_DIR);
	assert_int_equal(l.type[2], DT_REG);
	assert_int_equal(l.type[3], DT_LNK);
	assert_int_equal(l.ino[0], etc->ino);
	assert_int_equal(l.ino[1], root->ino);
	assert_int_equal(l.ino[4], ino_at("/bin/tool")->ino);      /* one number for a hard link */
	expect_listing("/", ". .. bin empty-file etc var");
	assert_int_equal(kstub_mkfile(&fs, "/new", ""), 0);
	assert_int_equal(kstub_remove(&fs, "/empty-file", false), 0);
	assert_int_equal(kstub_mk(&fs, "/etc/d", S_IFDIR | 0700), 0);
	assert_int_equal(kstub_remove(&fs, "/etc/shell", false), 0);
	expect_listing("/", ". .. bin etc var new");
	expect_listing("/etc", ". .. passwd tool-link d");
	expect_listing("/etc/d", ". ..");
	/* a listing resumes where it stopped (getdents with a small buffer) */
	struct listing part = { "", 0, 3, { 0 }, { 0 } };
	pos = 0;
	assert_int_equal(root->ops->iterate(root, &pos, emit, &part), 0);
	assert_string_equal(part.text, ". .. bin");
	part.stop_after = 0;
	assert_int_equal(root->ops->iterate(root, &pos, emit, &part), 0);
	assert_string_equal(part.text, ". .. bin etc var new");
	assert_image_unchanged();
}

/* rm -r reads a batch of names, removes them and reads on: entries not removed must all come. */
static void test_iterate_survives_removal_between_batches(void **state)
{
	struct inode *bin = ino_at("/bin");
	struct listing l = { "", 0, 3, { 0 }, { 0 } };
	uint64_t pos = 0;
	assert_int_equal(bin->ops->iterate(bin, &pos, emit, &l), 0);
	assert_string_equal(l.text, ". .. ping");
	assert_int_equal(kstub_remove(&fs, "/bin/ping", false), 0);
	l.stop_after = 4;
	assert_int_equal(bin->ops->iterate(bin, &pos, emit, &l), 0);
	assert_string_equal(l.text, ". .. ping sh");
	assert_int_equal(kstub_remove(&fs, "/bin/sh", false), 0);
	l.stop_after = 0;
	assert_int_equal(bin->ops->iterate(bin, &pos, emit, &l), 0);
	assert_string_equal(l.text, ". .. ping sh tool");
}

static void test_readlink_and_xattrs(void **state)
{
	struct inode *lnk = kstub_ino(&fs, "/etc/shell", 0), *ping = ino_at("/bin/ping");
	char buf[64];
	assert_int_equal(lnk->mode & S_IFMT, S_IFLNK);
	assert_int_equal(lnk->ops->readlink(lnk, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "../bin/sh", 9);
	assert_int_equal(lnk->ops->readlink(lnk, buf, 4), 4);
	assert_memory_equal(buf, "../b", 4);
	size_t vl = strlen(VFS_IMG_XATTR_VALUE);
	assert_int_equal(ping->mode, S_IFREG | 04755);
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, NULL, 0), vl);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, buf, sizeof(buf)), vl);
	assert_string_equal(buf, VFS_IMG_XATTR_VALUE);
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, buf, vl - 1), -ERANGE);
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, buf, vl), vl);
	assert_int_equal(ping->ops->getxattr(ping, "user.other", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(ping->ops->getxattr(ping, "security.capabilit", buf, 64), -ENODATA);
	struct inode *sh = ino_at("/bin/sh");
	assert_int_equal(sh->ops->getxattr(sh, VFS_IMG_XATTR_NAME, buf, sizeof(buf)), -ENODATA);
	assert_int_equal(ping->ops->listxattr(ping, NULL, 0), strlen(VFS_IMG_XATTR_NAME) + 1);
	assert_int_equal(ping->ops->listxattr(ping, buf, sizeof(buf)),
			 strlen(VFS_IMG_XATTR_NAME) + 1);
	assert_memory_equal(buf, VFS_IMG_XATTR_NAME, sizeof(VFS_IMG_XATTR_NAME));
	/* kept through a copy-up */
	assert_int_equal(ping->ops->write(ping, "P", 1, 0), 1);
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, NULL, 0), vl);
	/* a change at run time: the image's attribute is copied up beside the new one, and
	   removing it hides it while the image stays as it was */
	assert_int_equal(ping->ops->setxattr(ping, "user.new", "v", 1, 1), 0);
	assert_int_equal(ping->ops->setxattr(ping, "user.new", "w", 1, 1), -EEXIST);
	assert_int_equal(ping->ops->setxattr(ping, "user.none", "w", 1, 2), -ENODATA);
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, buf, sizeof(buf)), vl);
	assert_int_equal(ping->ops->listxattr(ping, NULL, 0),
			 strlen(VFS_IMG_XATTR_NAME) + 1 + strlen("user.new") + 1);
	assert_int_equal(ping->ops->removexattr(ping, VFS_IMG_XATTR_NAME), 0);
	assert_int_equal(ping->ops->getxattr(ping, VFS_IMG_XATTR_NAME, NULL, 0), -ENODATA);
	assert_int_equal(ping->ops->removexattr(ping, VFS_IMG_XATTR_NAME), -ENODATA);
	assert_int_equal(ping->ops->getxattr(ping, "user.new", buf, sizeof(buf)), 1);
	/* values past a page live in pages of their own, read back whole; past 64 KiB: no */
	static char big[(64 << 10) + 1], back[sizeof(big)];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13 + 5);
	assert_int_equal(ping->ops->setxattr(ping, "user.big", big, PAGE_SIZE + 1, 0), 0);
	assert_int_equal(ping->ops->getxattr(ping, "user.big", back, sizeof(back)), PAGE_SIZE + 1);
	assert_memory_equal(back, big, PAGE_SIZE + 1);
	assert_int_equal(ping->ops->setxattr(ping, "user.big", big, 64 << 10, 2), 0);
	assert_int_equal(ping->ops->getxattr(ping, "user.big", back, sizeof(back)), 64 << 10);
	assert_memory_equal(back, big, 64 << 10);
	assert_int_equal(ping->ops->setxattr(ping, "user.big", big, sizeof(big), 0), -ENOSPC);
	assert_int_equal(ping->ops->removexattr(ping, "user.big"), 0);
	assert_image_unchanged();
}

/* More than the old 64 attributes, and the filesystem's space bound (an eighth of memory). */
static void test_many_xattrs_and_their_bound(void **state)
{
	struct inode *f = ino_at("/empty-file");
	char name[32];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "user.n%d", i);
		assert_int_equal(f->ops->setxattr(f, name, name, strlen(name), 1), 0);
	}
	char buf[32];
	assert_int_equal(f->ops->getxattr(f, "user.n299", buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "user.n299", 9);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "user.n%d", i);
		assert_int_equal(f->ops->removexattr(f, name), 0);
	}
	assert_int_equal(f->ops->listxattr(f, NULL, 0), 0);
	static char big[64 << 10];
	test_boot_info.mem_size = 8 * 100000;                           /* 100000 bytes for them */
	assert_int_equal(f->ops->setxattr(f, "user.a", big, sizeof(big), 0), 0);
	assert_int_equal(f->ops->setxattr(f, "user.b", big, sizeof(big), 0), -ENOSPC);
	assert_int_equal(f->ops->setxattr(f, "user.a", big, sizeof(big), 1), -ENOSPC);
	assert_int_equal(f->ops->setxattr(f, "user.b", big, 1000, 0), 0);
	assert_int_equal(f->ops->removexattr(f, "user.a"), 0);
	assert_int_equal(f->ops->setxattr(f, "user.c", big, sizeof(big), 0), 0);
	test_boot_info.mem_size = 1ull << 30;
}

/* The image's ACL xattrs are the inodes' ACLs: they grant, are listed and passed on; one of
   another version is no ACL; tmpfs's own attributes never hold them, before or after a change
   copies the image's up. */
static void test_image_acls(void **state)
{
	struct inode *syslog = ino_at("/var/log/syslog"), *pw = ino_at("/etc/passwd");
	assert_non_null(syslog->acl[ACL_TYPE_ACCESS]);
	assert_non_null(ino_at("/var/log")->acl[ACL_TYPE_DEFAULT]);
	assert_null(pw->acl[ACL_TYPE_ACCESS]);
	kstub_vfs_cred(1001, 1001);                     /* the named user: r-- */
	assert_int_equal(vfs_permission(syslog, 4), 0);
	assert_int_equal(vfs_permission(syslog, 2), -EACCES);
	kstub_vfs_cred(1002, 1002);                     /* other: --- */
	assert_int_equal(vfs_permission(syslog, 4), -EACCES);
	kstub_vfs_cred(0, 0);
	char buf[128];
	assert_int_equal(vfs_acl_get(syslog, ACL_TYPE_ACCESS, NULL, 0), 4 + 5 * 8);
	assert_int_equal(vfs_acl_list(syslog, buf, sizeof(buf)), 24);
	assert_int_equal(syslog->ops->listxattr(syslog, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "user.note");
	assert_int_equal(syslog->ops->getxattr(syslog, "system.posix_acl_access", buf, 64),
			 -EOPNOTSUPP);
	assert_int_equal(syslog->ops->setxattr(syslog, "user.more", "m", 1, 0), 0);
	assert_int_equal(syslog->ops->listxattr(syslog, NULL, 0), 20);
	assert_int_equal(vfs_acl_get(syslog, ACL_TYPE_ACCESS, NULL, 0), 4 + 5 * 8);
	assert_int_equal(pw->ops->listxattr(pw, NULL, 0), 0);
	assert_int_equal(vfs_acl_get(pw, ACL_TYPE_ACCESS, NULL, 0), -ENODATA);
	/* what is made in /var/log gets the default ACL, masked by its mode */
	assert_int_equal(kstub_mk(&fs, "/var/log/new", S_IFREG | 0666), 0);
	struct inode *n = ino_at("/var/log/new");
	assert_int_equal(n->mode, S_IFREG | 0660);
	assert_non_null(n->acl[ACL_TYPE_ACCESS]);
	assert_image_unchanged();
}

/* tmpfs_new on a copy of the image with one header field changed by edit. */
static void expect_refused(void (*edit)(struct imgfs_header *h, size_t *len), const char *why_part)
{
	size_t len = img_len;
	uint64_t pa = kstub_alloc_contig(img_len / PAGE_SIZE);
	assert_true(pa != 0);
	uint8_t *copy = phys_to_virt(pa);
	memcpy(copy, pristine, img_len);
	edit((struct imgfs_header *)copy, &len);
	const char *why = NULL;
	assert_null(tmpfs_new(5, copy, len, pa, &why));
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("reason '%s' lacks '%s'", why, why_part);
}

static void bad_magic(struct imgfs_header *h, size_t *len) { h->magic[0] ^= 0x20; }
static void bad_version(struct imgfs_header *h, size_t *len) { h->version = 2; }
static void short_image(struct imgfs_header *h, size_t *len) { *len = 100; }
static void size_beyond(struct imgfs_header *h, size_t *len) { h->image_size = *len + 4096; }
static void bad_root(struct imgfs_header *h, size_t *len) { h->root_ino = 2; }
static void no_inodes(struct imgfs_header *h, size_t *len) { h->inode_count = 0; }
static void many_inodes(struct imgfs_header *h, size_t *len) { h->inode_count = 1u << 27; }
static void inodes_beyond(struct imgfs_header *h, size_t *len) { h->inode_off = *len - 64; }
static void dirents_beyond(struct imgfs_header *h, size_t *len) { h->dirent_count = *len; }
static void strtab_beyond(struct imgfs_header *h, size_t *len) { h->strtab_off = *len + 1; }
static void strtab_long(struct imgfs_header *h, size_t *len) { h->strtab_size = *len; }

static void test_corrupt_header_is_refused(void **state)
{
	expect_refused(bad_magic, "not an imgfs image");
	expect_refused(short_image, "not an imgfs image");
	expect_refused(bad_version, "version");
	expect_refused(size_beyond, "outside the image");
	expect_refused(bad_root, "outside the image");
	expect_refused(no_inodes, "outside the image");
	expect_refused(many_inodes, "outside the image");
	expect_refused(inodes_beyond, "outside the image");
	expect_refused(dirents_beyond, "outside the image");
	expect_refused(strtab_beyond, "outside the image");
	expect_refused(strtab_long, "outside the image");
}

/* Inodes and entries that point outside the image read as missing (EIO/ENOENT), never as reads
   out of bounds (ASan watches). */
static void test_damaged_entries_are_left_out(void **state)
{
	uint8_t *img = phys_to_virt(img_pa);
	const struct imgfs_header *h = (const void *)img;
	struct imgfs_inode *ii = (struct imgfs_inode *)(img + h->inode_off);
	for (uint32_t i = 0; i < h->inode_count; i++) {
		uint32_t t = ii[i].mode & IMGFS_S_IFMT;
		if (t == IMGFS_S_IFREG || t == IMGFS_S_IFLNK)
			ii[i].data = 0xfffffffffffff000ull;
	}
	struct imgfs_dirent *de = (struct imgfs_dirent *)(img + h->dirent_off);
	de[h->dirent_count - 1].name_off = 0xffffffffffull;     /* one name out of the image */
	const char *why = NULL;
	struct inode *root = tmpfs_new(2, img, img_len, img_pa, &why);
	assert_non_null(root);
	struct fs_context fs2;
	assert_non_null(kstub_vfs_root(&fs2, root));
	struct path p;
	assert_int_equal(vfs_lookup(&fs2, &fs2.root, "/etc", LOOKUP_FOLLOW, &p), 0);
	path_put(&p);
	int err = vfs_lookup(&fs2, &fs2.root, "/etc/passwd", LOOKUP_FOLLOW, &p);
	assert_true(err == -EIO || err == -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lookup_and_zero_copy_reads, setup),
		cmocka_unit_test_setup(test_shared_text_pages, setup),
		cmocka_unit_test_setup(test_hard_links_share_one_inode, setup),
		cmocka_unit_test_setup(test_write_copies_up, setup),
		cmocka_unit_test_setup(test_truncate, setup),
		cmocka_unit_test_setup(test_unlink_hides_image_files, setup),
		cmocka_unit_test_setup(test_new_files_in_image_dirs, setup),
		cmocka_unit_test_setup(test_rename_within_and_across_image_dirs, setup),
		cmocka_unit_test_setup(test_rmdir_of_image_dirs, setup),
		cmocka_unit_test_setup(test_iterate_lists_image_and_new_names, setup),
		cmocka_unit_test_setup(test_iterate_survives_removal_between_batches, setup),
		cmocka_unit_test_setup(test_readlink_and_xattrs, setup),
		cmocka_unit_test_setup(test_many_xattrs_and_their_bound, setup),
		cmocka_unit_test_setup(test_image_acls, setup),
		cmocka_unit_test_setup(test_corrupt_header_is_refused, setup),
		cmocka_unit_test_setup(test_damaged_entries_are_left_out, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
