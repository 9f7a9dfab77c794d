/* Path walk against Linux's rules (vfs/namei.c over vfs/dcache.c and tmpfs): absolute and
   relative names, "." and "..", trailing slashes, symlinks and their limit, mounts, getcwd
   strings, the openat2 restrictions, and where a held name is after a rename or unlink (and so
   where fsnotify sends an open file's events). The tree is built through inode_ops:
     /a/b/f ("hello")  /a/file  /a/l_up -> ../a/b/f  /l_rel -> a/b  /l_abs -> /a/b/f
     /l_dir_abs -> /a  /l_l -> l_rel  /dangling -> /nope  /empty_link -> ""  /loop1 <-> /loop2
     /self -> self  /chain/s0 (file), /chain/sK -> sK-1 (K = 1..41)  /lchain -> chain
     /mnt (a second tmpfs on it; the parent's /mnt/under is hidden) with /mnt/inner/g,
     /mnt/inner/abs -> /a, /mnt/inner/rel -> ../../a   /l_mnt -> /mnt/inner */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "vfs/vfs.h"
#include "vfs/file.h"
#include "vfs/fsnotify.h"
#include "kstub.h"
#include "kstub_vfs.h"

#define F LOOKUP_FOLLOW
#define O_WRONLY 01
#define O_CREAT 0100

static struct fs_context fs;
static struct mount *rootm, *mntm;

static int setup(void **state)
{
	const char *why = NULL;
	kstub_vfs_init(2048);
	rootm = kstub_vfs_root(&fs, tmpfs_new(1, NULL, 0, 0, &why));
	assert_non_null(rootm);
	assert_int_equal(kstub_mk(&fs, "/a", S_IFDIR | 0755), 0);
	assert_int_equal(kstub_mk(&fs, "/a/b", S_IFDIR | 0755), 0);
	assert_int_equal(kstub_mkfile(&fs, "/a/b/f", "hello"), 0);
	assert_int_equal(kstub_mkfile(&fs, "/a/file", "x"), 0);
	assert_int_equal(kstub_mklink(&fs, "/a/l_up", "../a/b/f"), 0);
	assert_int_equal(kstub_mklink(&fs, "/l_rel", "a/b"), 0);
	assert_int_equal(kstub_mklink(&fs, "/l_abs", "/a/b/f"), 0);
	assert_int_equal(kstub_mklink(&fs, "/l_dir_abs", "/a"), 0);
	assert_int_equal(kstub_mklink(&fs, "/l_l", "l_rel"), 0);
	assert_int_equal(kstub_mklink(&fs, "/dangling", "/nope"), 0);
	assert_int_equal(kstub_mklink(&fs, "/empty_link", ""), 0);
	assert_int_equal(kstub_mklink(&fs, "/loop1", "loop2"), 0);
	assert_int_equal(kstub_mklink(&fs, "/loop2", "loop1"), 0);
	assert_int_equal(kstub_mklink(&fs, "/self", "self"), 0);
	assert_int_equal(kstub_mk(&fs, "/chain", S_IFDIR | 0755), 0);
	assert_int_equal(kstub_mkfile(&fs, "/chain/s0", "end"), 0);
	for (int k = 1; k <= 41; k++) {
		char name[32], target[32];
		snprintf(name, sizeof(name), "/chain/s%d", k);
		snprintf(target, sizeof(target), "s%d", k - 1);
		assert_int_equal(kstub_mklink(&fs, name, target), 0);
	}
	assert_int_equal(kstub_mklink(&fs, "/lchain", "chain"), 0);
	assert_int_equal(kstub_mk(&fs, "/mnt", S_IFDIR | 0755), 0);
	assert_int_equal(kstub_mkfile(&fs, "/mnt/under", "covered"), 0);
	mntm = kstub_vfs_mount(&fs, "/mnt", tmpfs_new(7, NULL, 0, 0, &why));
	assert_non_null(mntm);
	assert_int_equal(kstub_mk(&fs, "/mnt/inner", S_IFDIR | 0755), 0);
	assert_int_equal(kstub_mkfile(&fs, "/mnt/inner/g", "in the mount"), 0);
	assert_int_equal(kstub_mklink(&fs, "/mnt/inner/abs", "/a"), 0);
	assert_int_equal(kstub_mklink(&fs, "/mnt/inner/rel", "../../a"), 0);
	assert_int_equal(kstub_mklink(&fs, "/l_mnt", "/mnt/inner"), 0);
	return 0;
}

/* A referenced path for an absolute name that must exist. */
static struct path at(const char *name)
{
	struct path p;
	int err = vfs_lookup(&fs, &fs.root, name, F, &p);
	if (err)
		fail_msg("%s: %d", name, err);
	return p;
}

/* name from start resolves to the place whose getcwd string is want. */
static void expect_at(const struct path *start, const char *name, unsigned flags, const char *want)
{
	struct path p;
	char buf[256];
	int err = vfs_lookup(&fs, start, name, flags, &p);
	if (err)
		fail_msg("%s: error %d, want %s", name, err, want);
	int64_t n = vfs_path_name(&fs, &p, buf, sizeof(buf));
	path_put(&p);
	assert_int_equal(n, (int64_t)strlen(want));
	if (strcmp(buf, want))
		fail_msg("%s resolved to %s, want %s", name, buf, want);
}

static void expect_err(const struct path *start, const char *name, unsigned flags, int want)
{
	struct path p;
	int err = vfs_lookup(&fs, start, name, flags, &p);
	if (!err)
		path_put(&p);
	if (err != want)
		fail_msg("%s: error %d, want %d", name, err, want);
}

static void test_absolute_relative_dot_dotdot(void **state)
{
	expect_at(&fs.cwd, "/a/b/f", F, "/a/b/f");
	expect_at(&fs.cwd, "a/b/f", F, "/a/b/f");
	expect_at(&fs.cwd, "//a///b//f", F, "/a/b/f");
	expect_at(&fs.cwd, "./a/./b/.", F, "/a/b");
	expect_at(&fs.cwd, "a/b/..", F, "/a");
	expect_at(&fs.cwd, "a/b/../../a/file", F, "/a/file");
	/* ".." at the root stays there */
	expect_at(&fs.cwd, "..", F, "/");
	expect_at(&fs.cwd, "/../../a", F, "/a");
	expect_at(&fs.cwd, "a/../../../a/b", F, "/a/b");
	struct path ab = at("/a/b");
	expect_at(&ab, "f", F, "/a/b/f");
	expect_at(&ab, "../file", F, "/a/file");
	expect_at(&ab, "../../../..", F, "/");
	expect_at(&ab, "/a", F, "/a");          /* absolute ignores the start */
	expect_err(&ab, "", F, -ENOENT);
	expect_at(&ab, "", F | LOOKUP_EMPTY, "/a/b");
	/* never above the process root (chroot to /a) */
	struct path old = fs.root;
	fs.root = at("/a");
	expect_at(&ab, "../../..", F, "/");
	struct path p;
	assert_int_equal(vfs_lookup(&fs, &ab, "/../b/f", F, &p), 0);
	assert_int_equal(p.d->inode->size, 5);
	path_put(&p);
	expect_err(&ab, "/a", F, -ENOENT);
	path_put(&fs.root);
	fs.root = old;
	path_put(&ab);
}

static void test_trailing_slash_and_notdir(void **state)
{
	expect_at(&fs.cwd, "a/b/", 0, "/a/b");
	expect_at(&fs.cwd, "a/b//", 0, "/a/b");
	expect_err(&fs.cwd, "a/b/f/", F, -ENOTDIR);
	expect_err(&fs.cwd, "a/b/f/.", F, -ENOTDIR);
	expect_err(&fs.cwd, "a/b/f/..", F, -ENOTDIR);
	expect_err(&fs.cwd, "a/file/x", F, -ENOTDIR);
	expect_err(&fs.cwd, "a/file", F | LOOKUP_DIRECTORY, -ENOTDIR);
	expect_at(&fs.cwd, "a/b", F | LOOKUP_DIRECTORY, "/a/b");
	/* a trailing slash follows a final symlink even without LOOKUP_FOLLOW */
	expect_at(&fs.cwd, "l_rel/", 0, "/a/b");
	expect_at(&fs.cwd, "l_rel", 0, "/l_rel");
	expect_err(&fs.cwd, "l_abs/", 0, -ENOTDIR);
	struct path f = at("/a/b/f");
	expect_err(&f, "x", F, -ENOTDIR);       /* relative to a file */
	path_put(&f);
}

static void test_enoent_and_enametoolong(void **state)
{
	char name[300];
	expect_err(&fs.cwd, "nope", F, -ENOENT);
	expect_err(&fs.cwd, "a/nope", F, -ENOENT);
	expect_err(&fs.cwd, "a/nope/f", F, -ENOENT);
	expect_err(&fs.cwd, "/nope/..", F, -ENOENT);
	strcpy(name, "a/");
	memset(name + 2, 'x', 256);
	name[258] = 0;
	expect_err(&fs.cwd, name, F, -ENAMETOOLONG);
	strcpy(name + 258, "/f");
	expect_err(&fs.cwd, name, F, -ENAMETOOLONG);
	name[257] = 0;                          /* 255 bytes: an ordinary missing name */
	expect_err(&fs.cwd, name, F, -ENOENT);
	assert_int_equal(kstub_mkfile(&fs, name, "long"), 0);
	assert_non_null(kstub_ino(&fs, name, F));
	struct path parent;
	const char *last;
	size_t len;
	bool slash;
	name[257] = 'x';
	name[258] = 0;
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, name, &parent, &last, &len, &slash),
			 -ENAMETOOLONG);
}

static void test_symlinks(void **state)
{
	expect_at(&fs.cwd, "l_rel/f", 0, "/a/b/f");             /* to a directory, mid-path */
	expect_at(&fs.cwd, "l_l/f", 0, "/a/b/f");               /* a link to a link */
	expect_at(&fs.cwd, "l_dir_abs/b/../file", 0, "/a/file");
	expect_at(&fs.cwd, "a/l_up", F, "/a/b/f");              /* relative to the link's dir */
	expect_at(&fs.cwd, "a/l_up", 0, "/a/l_up");
	expect_at(&fs.cwd, "l_abs", F, "/a/b/f");
	expect_at(&fs.cwd, "l_abs", 0, "/l_abs");
	struct inode *link = kstub_ino(&fs, "l_abs", 0), *file = kstub_ino(&fs, "l_abs", F);
	assert_int_equal(link->mode & S_IFMT, S_IFLNK);
	assert_int_equal(file->mode & S_IFMT, S_IFREG);
	assert_ptr_equal(file, kstub_ino(&fs, "/a/b/f", 0));
	char buf[16];
	assert_int_equal(file->ops->read(file, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	/* dangling and empty links: ENOENT when followed, the link itself when not */
	expect_err(&fs.cwd, "dangling", F, -ENOENT);
	expect_err(&fs.cwd, "dangling/x", 0, -ENOENT);
	expect_at(&fs.cwd, "dangling", 0, "/dangling");
	expect_err(&fs.cwd, "empty_link", F, -ENOENT);
	expect_err(&fs.cwd, "empty_link/", 0, -ENOENT);
	/* the start of a relative link is its directory, not the walk's start */
	struct path a = at("/a");
	expect_at(&a, "l_up", F, "/a/b/f");
	path_put(&a);
}

static void test_symlink_loops_and_the_limit_of_40(void **state)
{
	expect_err(&fs.cwd, "loop1", F, -ELOOP);
	expect_err(&fs.cwd, "loop1/x", 0, -ELOOP);
	expect_err(&fs.cwd, "self", F, -ELOOP);
	expect_at(&fs.cwd, "loop1", 0, "/loop1");
	/* Linux follows at most 40 links per walk: 40 succeed, the 41st is ELOOP */
	expect_at(&fs.cwd, "chain/s40", F, "/chain/s0");
	expect_err(&fs.cwd, "chain/s41", F, -ELOOP);
	expect_at(&fs.cwd, "chain/s41", 0, "/chain/s41");
	/* the count is for the whole walk: one more link earlier in the path */
	expect_at(&fs.cwd, "lchain/s39", F, "/chain/s0");
	expect_err(&fs.cwd, "lchain/s40", F, -ELOOP);
	expect_err(&fs.cwd, "chain/s41/", 0, -ELOOP);
}

static void test_lookup_parent(void **state)
{
	struct path parent;
	const char *last;
	size_t len;
	bool slash;
	char buf[64];
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "a/b/f", &parent, &last, &len, &slash), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(last, "f", 1);
	assert_false(slash);
	assert_int_equal(vfs_path_name(&fs, &parent, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "/a/b");
	path_put(&parent);
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "/a/b//", &parent, &last, &len, &slash),
			 0);
	assert_true(slash);
	assert_int_equal(len, 1);
	assert_memory_equal(last, "b", 1);
	assert_ptr_equal(parent.d->inode, kstub_ino(&fs, "/a", 0));
	path_put(&parent);
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "l_rel/new", &parent, &last, &len, &slash),
			 0);
	assert_ptr_equal(parent.d->inode, kstub_ino(&fs, "/a/b", 0));
	assert_int_equal(len, 3);
	path_put(&parent);
	struct path b = at("/a/b");
	assert_int_equal(vfs_lookup_parent(&fs, &b, "name", &parent, &last, &len, &slash), 0);
	assert_ptr_equal(parent.d, b.d);
	path_put(&parent);
	path_put(&b);
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "a/b/f/x", &parent, &last, &len, &slash),
			 -ENOTDIR);
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "nope/x", &parent, &last, &len, &slash),
			 -ENOENT);
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "", &parent, &last, &len, &slash),
			 -ENOENT);
	assert_int_equal(vfs_lookup_parent(&fs, &fs.cwd, "loop1/x", &parent, &last, &len, &slash),
			 -ELOOP);
}

static void test_mounts(void **state)
{
	struct path p;
	assert_int_equal(vfs_lookup(&fs, &fs.cwd, "/mnt", F, &p), 0);
	assert_ptr_equal(p.mnt, mntm);
	assert_ptr_equal(p.d, mntm->root);
	path_put(&p);
	assert_int_equal(vfs_lookup(&fs, &fs.cwd, "/mnt/inner/g", F, &p), 0);
	assert_ptr_equal(p.mnt, mntm);
	assert_ptr_equal(p.d->inode->sb, mntm->sb);
	assert_ptr_not_equal(p.d->inode->sb, rootm->sb);
	path_put(&p);
	expect_err(&fs.cwd, "/mnt/under", F, -ENOENT);         /* covered by the mount */
	/* ".." from the mounted root comes back to the parent filesystem */
	assert_int_equal(vfs_lookup(&fs, &fs.cwd, "/mnt/..", F, &p), 0);
	assert_ptr_equal(p.mnt, rootm);
	assert_ptr_equal(p.d, rootm->root);
	path_put(&p);
	expect_at(&fs.cwd, "/mnt/inner/../../a/b", F, "/a/b");
	struct path inner = at("/mnt/inner");
	expect_at(&inner, "..", F, "/mnt");
	expect_at(&inner, "../../l_rel/f", F, "/a/b/f");
	expect_at(&inner, "rel", F, "/a");                      /* a link leaving the mount */
	expect_at(&inner, "abs/b", F, "/a/b");
	path_put(&inner);
	expect_at(&fs.cwd, "l_mnt/g", F, "/mnt/inner/g");       /* a link into the mount */
	assert_int_equal(vfs_lookup(&fs, &fs.cwd, "l_mnt/..", F, &p), 0);
	assert_ptr_equal(p.mnt, mntm);
	assert_ptr_equal(p.d, mntm->root);
	path_put(&p);
}

static void expect_name(const char *path, size_t size, int64_t want_n, const char *want)
{
	struct path p = at(path);
	char buf[256];
	int64_t n = vfs_path_name(&fs, &p, buf, size);
	path_put(&p);
	assert_int_equal(n, want_n);
	if (want)
		assert_string_equal(buf, want);
}

static void test_path_name(void **state)
{
	expect_name("/", 256, 1, "/");
	expect_name("/a/b", 256, 4, "/a/b");
	expect_name("/a/b/f", 256, 6, "/a/b/f");
	expect_name("/mnt", 256, 4, "/mnt");
	expect_name("/mnt/inner", 256, 10, "/mnt/inner");
	expect_name("/l_rel", 256, 4, "/a/b");                  /* at() follows */
	expect_name("/a/b", 5, 4, "/a/b");                      /* exactly fits with the NUL */
	expect_name("/a/b", 4, -ERANGE, NULL);
	expect_name("/", 1, -ERANGE, NULL);
	/* relative to the process root */
	struct path old = fs.root, a = at("/a"), mnt = at("/mnt");
	fs.root = a;
	expect_name("/b", 256, 2, "/b");
	expect_name("/", 256, 1, "/");
	fs.root = mnt;
	expect_name("/inner/g", 256, 8, "/inner/g");
	expect_name("/", 256, 1, "/");
	fs.root = old;
	path_put(&a);
	path_put(&mnt);
}

/* A mark that keeps the last event it heard. */
struct heard {
	struct fsnotify_mark mark;
	int events;
	char name[32];
};

static void heard_event(struct fsnotify_mark *m, uint32_t mask, const char *name, size_t len,
			uint32_t cookie)
{
	struct heard *h = (struct heard *)m;
	h->events++;
	snprintf(h->name, sizeof(h->name), "%.*s", (int)len, name ? name : "");
}

static void heard_gone(struct fsnotify_mark *m)
{
}

static const struct fsnotify_mark_ops heard_ops = { .event = heard_event, .gone = heard_gone };

static void expect_held(const struct path *p, const char *want, bool unlinked)
{
	char buf[256];
	assert_int_equal(vfs_path_name(&fs, p, buf, sizeof(buf)), (int64_t)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(p->d->unlinked, unlinked);
}

/* Linux's d_move and d_unlinked: an open file's name follows a rename, within a directory and
   across; once removed it stays where it was, marked unlinked, and its events still reach that
   directory's marks, but for IN_EXCL_UNLINK ones and an open file's own events. */
static void test_held_names_after_rename_and_unlink(void **state)
{
	struct file *f;
	assert_int_equal(vfs_open(&fs, &fs.cwd, "/a/b/f", O_WRONLY, 0, &f), 0);
	struct path a = at("/a"), b = at("/a/b");
	struct heard ha = { .mark = { .mask = FS_MODIFY, .ops = &heard_ops } };
	fsnotify_mark_add(&ha.mark, a.d->inode);
	assert_int_equal(kstub_rename(&fs, "/a/b/f", "/a/b/g"), 0);
	expect_held(&f->path, "/a/b/g", false);
	assert_int_equal(kstub_rename(&fs, "/a/b/g", "/a/h"), 0);
	expect_held(&f->path, "/a/h", false);
	struct path h = at("/a/h");
	assert_ptr_equal(h.d, f->path.d);       /* the new name is the held dentry */
	path_put(&h);
	expect_err(&fs.cwd, "/a/b/g", F, -ENOENT);
	fsnotify_file(f, FS_MODIFY);
	assert_int_equal(ha.events, 1);
	assert_string_equal(ha.name, "h");

	assert_int_equal(kstub_remove(&fs, "/a/h", false), 0);
	expect_held(&f->path, "/a/h", true);
	expect_err(&fs.cwd, "/a/h", F, -ENOENT);
	fsnotify_file(f, FS_MODIFY);
	assert_int_equal(ha.events, 2);
	ha.mark.mask |= FS_EXCL_UNLINK;
	fsnotify_file(f, FS_MODIFY);            /* an open file's event: dropped */
	assert_int_equal(ha.events, 2);
	fsnotify_dentry(f->path.d, FS_MODIFY);  /* a change of attributes: heard */
	assert_int_equal(ha.events, 3);
	fsnotify_mark_remove(&ha.mark);
	file_put(f);

	/* a name replaced by a rename stays where it was; a moved directory takes its subtree */
	struct path file = at("/a/file");
	assert_int_equal(kstub_mkfile(&fs, "/a/new", "n"), 0);
	assert_int_equal(kstub_rename(&fs, "/a/new", "/a/file"), 0);
	expect_held(&file, "/a/file", true);
	struct path repl = at("/a/file");
	assert_ptr_not_equal(repl.d, file.d);
	expect_held(&repl, "/a/file", false);
	path_put(&repl);
	path_put(&file);
	assert_int_equal(kstub_rename(&fs, "/a/b", "/mnt_b"), 0);
	expect_held(&b, "/mnt_b", false);
	expect_at(&b, "..", F, "/");
	assert_int_equal(kstub_rename(&fs, "/mnt_b", "/a/b"), 0);
	path_put(&b);
	path_put(&a);
}

/* The dentries of an inode as dcache.c counts them, and the cached entries of a directory
   found from its inode (hostfs does so for changes the host reports): a rename keeps the dentry,
   a removed name's dentry counts until its last put. */
static void test_dentries_of_an_inode(void **state)
{
	struct path b = at("/a/b"), f = at("/a/b/f");
	struct inode *ino = f.d->inode;
	assert_int_equal(ino->dentries, 1);
	assert_ptr_equal(ino->alias, f.d);
	assert_ptr_equal(b.d->inode->alias, b.d);
	assert_ptr_equal(vfs_cached_child(b.d->inode, "f", 1), f.d);
	assert_null(vfs_cached_child(b.d->inode, "g", 1));
	assert_null(vfs_cached_child(ino, "x", 1));     /* a file has no entries cached */
	assert_int_equal(kstub_rename(&fs, "/a/b/f", "/a/b/g"), 0);
	assert_ptr_equal(vfs_cached_child(b.d->inode, "g", 1), f.d);
	assert_null(vfs_cached_child(b.d->inode, "f", 1));
	assert_ptr_equal(ino->alias, f.d);
	inode_get(ino);
	assert_int_equal(kstub_remove(&fs, "/a/b/g", false), 0);
	assert_null(vfs_cached_child(b.d->inode, "g", 1));
	assert_int_equal(ino->dentries, 1);             /* held: unlinked, not freed */
	path_put(&f);
	assert_int_equal(ino->dentries, 0);
	assert_null(ino->alias);
	inode_put(ino);
	path_put(&b);
}

static void test_openat2_no_symlinks(void **state)
{
	unsigned ns = LOOKUP_NO_SYMLINKS;
	expect_at(&fs.cwd, "a/b/f", F | ns, "/a/b/f");
	expect_err(&fs.cwd, "l_rel/f", ns, -ELOOP);
	expect_err(&fs.cwd, "l_abs", F | ns, -ELOOP);
	expect_at(&fs.cwd, "l_abs", ns, "/l_abs");              /* O_PATH|O_NOFOLLOW: the link */
	expect_err(&fs.cwd, "l_rel/", ns, -ELOOP);
	struct path parent;
	const char *last;
	size_t len;
	bool slash;
	assert_int_equal(vfs_lookup_parent_ex(&fs, &fs.cwd, "l_rel/f", ns, &parent, &last, &len,
					      &slash), -ELOOP);
	struct file *f;
	assert_int_equal(vfs_open_ex(&fs, &fs.cwd, "dangling", O_CREAT | O_WRONLY, 0644, ns, &f),
			 -ELOOP);
	expect_err(&fs.cwd, "/nope", 0, -ENOENT);               /* nothing was created */
	assert_int_equal(vfs_open_ex(&fs, &fs.cwd, "dangling", O_CREAT | O_WRONLY, 0644, 0, &f), 0);
	file_put(f);
	expect_at(&fs.cwd, "/nope", 0, "/nope");                /* O_CREAT made the target */
}

static void test_openat2_beneath(void **state)
{
	unsigned bn = LOOKUP_BENEATH | F;
	struct path a = at("/a");
	expect_at(&a, "b/f", bn, "/a/b/f");
	expect_at(&a, "b/../file", bn, "/a/file");
	expect_at(&a, ".", bn, "/a");
	expect_err(&a, "..", bn, -EXDEV);
	expect_err(&a, "b/../../a", bn, -EXDEV);
	expect_err(&a, "/a/b", bn, -EXDEV);
	expect_err(&a, "l_up", bn, -EXDEV);                     /* ../a/b/f leaves /a */
	assert_int_equal(kstub_mklink(&fs, "/a/abs", "/a/b"), 0);
	expect_err(&a, "abs", bn, -EXDEV);
	assert_int_equal(kstub_mklink(&fs, "/a/b/down", "../file"), 0);
	expect_at(&a, "b/down", bn, "/a/file");                 /* stays beneath */
	path_put(&a);
}

static void test_openat2_no_xdev(void **state)
{
	unsigned nx = LOOKUP_NO_XDEV | F;
	expect_at(&fs.cwd, "a/b", nx, "/a/b");
	expect_err(&fs.cwd, "mnt/inner", nx, -EXDEV);
	expect_err(&fs.cwd, "mnt", nx, -EXDEV);
	expect_err(&fs.cwd, "l_mnt", nx, -EXDEV);
	struct path inner = at("/mnt/inner");
	expect_at(&inner, "g", nx, "/mnt/inner/g");
	expect_at(&inner, "..", nx, "/mnt");
	expect_err(&inner, "../..", nx, -EXDEV);
	expect_err(&inner, "rel", nx, -EXDEV);
	/* an absolute name argument may start anywhere; an absolute link is a mount crossing */
	expect_at(&inner, "/a", nx, "/a");
	expect_err(&inner, "abs", nx, -EXDEV);
	expect_err(&inner, "abs/b", nx, -EXDEV);
	/* O_CREAT through a dangling absolute link (open.c follows it itself) */
	struct file *f;
	assert_int_equal(kstub_mklink(&fs, "/mnt/inner/newabs", "/created"), 0);
	assert_int_equal(vfs_open_ex(&fs, &inner, "newabs", O_CREAT | O_WRONLY, 0644,
				     LOOKUP_NO_XDEV, &f), -EXDEV);
	expect_err(&fs.cwd, "/created", 0, -ENOENT);
	path_put(&inner);
	expect_at(&fs.cwd, "l_abs", nx, "/a/b/f");              /* absolute, same mount */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_absolute_relative_dot_dotdot, setup),
		cmocka_unit_test_setup(test_trailing_slash_and_notdir, setup),
		cmocka_unit_test_setup(test_enoent_and_enametoolong, setup),
		cmocka_unit_test_setup(test_symlinks, setup),
		cmocka_unit_test_setup(test_symlink_loops_and_the_limit_of_40, setup),
		cmocka_unit_test_setup(test_lookup_parent, setup),
		cmocka_unit_test_setup(test_mounts, setup),
		cmocka_unit_test_setup(test_path_name, setup),
		cmocka_unit_test_setup(test_held_names_after_rename_and_unlink, setup),
		cmocka_unit_test_setup(test_dentries_of_an_inode, setup),
		cmocka_unit_test_setup(test_openat2_no_symlinks, setup),
		cmocka_unit_test_setup(test_openat2_beneath, setup),
		cmocka_unit_test_setup(test_openat2_no_xdev, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
