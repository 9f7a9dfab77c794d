/* Unit tests: OCI layer rules applied to the in-memory tree, and the imgfs serialisation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/imgfs.h"
#include "tests/unit/test_image_util.h"

/* Finishes w and applies it as the next layer; returns the result. */
static int apply(struct tu_fx *f, struct tw *w)
{
	size_t n;
	uint8_t *tar = tw_finish(w, &n);
	return tu_fx_apply(f, tar, n);
}

static void test_basic_metadata(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_dir(w, "etc/", 0755);
	tw_file_meta(w, "etc/x", 04755, "hello", 1000, 2000, 1234567, "security.capability", "cap");
	tw_symlink(w, "etc/l", "../x/y");
	assert_int_equal(apply(f, w), 0);
	struct tinode *x = tu_lookup(f->t, "etc/x");
	assert_non_null(x);
	assert_int_equal(x->mode, S_IFREG | 04755);
	assert_int_equal(x->uid, 1000);
	assert_int_equal(x->gid, 2000);
	assert_int_equal(x->mtime, 1234567);
	assert_int_equal(x->size, 5);
	assert_memory_equal(x->data, "hello", 5);
	assert_int_equal(x->nxattr, 1);
	assert_string_equal(x->xattrs[0].name, "security.capability");
	struct tinode *l = tu_lookup(f->t, "etc/l");
	assert_int_equal(l->mode & S_IFMT, S_IFLNK);
	assert_string_equal(l->target, "../x/y");
}

static void test_implicit_parents(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "a/b/c/file", 0644, "x");
	assert_int_equal(apply(f, w), 0);
	struct tinode *b = tu_lookup(f->t, "a/b");
	assert_non_null(b);
	assert_int_equal(b->mode, S_IFDIR | 0755);
	assert_int_equal(b->mtime, 0);
}

static void test_whiteout_lower(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "d/gone", 0644, "x");
	tw_file(w, "d/sub/deep", 0644, "x");
	tw_file(w, "d/stay", 0644, "x");
	assert_int_equal(apply(f, w), 0);
	w = tw_new();
	tw_file(w, "d/.wh.gone", 0644, "");
	tw_file(w, "d/.wh.sub", 0644, "");
	assert_int_equal(apply(f, w), 0);
	assert_null(tu_lookup(f->t, "d/gone"));
	assert_null(tu_lookup(f->t, "d/sub"));
	assert_non_null(tu_lookup(f->t, "d/stay"));
	assert_null(tu_lookup(f->t, "d/.wh.gone"));
}

static void test_whiteout_same_layer_file_stays(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "a", 0644, "old");
	tw_file(w, "b", 0644, "old");
	assert_int_equal(apply(f, w), 0);
	w = tw_new();
	tw_file(w, ".wh.a", 0644, "");  /* whiteout before the new file */
	tw_file(w, "a", 0644, "new");
	tw_file(w, "b", 0644, "new");   /* whiteout after the new file */
	tw_file(w, ".wh.b", 0644, "");
	assert_int_equal(apply(f, w), 0);
	assert_memory_equal(tu_lookup(f->t, "a")->data, "new", 3);
	assert_memory_equal(tu_lookup(f->t, "b")->data, "new", 3);
}

static void test_opaque_any_position(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "o1/lower", 0644, "x");
	tw_file(w, "o2/lower", 0644, "x");
	tw_file(w, "o2/sub/lower", 0644, "x");
	assert_int_equal(apply(f, w), 0);
	w = tw_new();
	tw_file(w, "o1/.wh..wh..opq", 0644, "");
	tw_file(w, "o1/upper", 0644, "x");
	tw_file(w, "o2/upper", 0644, "x");
	tw_file(w, "o2/.wh..wh..opq", 0644, "");  /* marker after a sibling */
	assert_int_equal(apply(f, w), 0);
	assert_null(tu_lookup(f->t, "o1/lower"));
	assert_non_null(tu_lookup(f->t, "o1/upper"));
	assert_null(tu_lookup(f->t, "o2/lower"));
	assert_null(tu_lookup(f->t, "o2/sub"));
	assert_non_null(tu_lookup(f->t, "o2/upper"));
	assert_null(tu_lookup(f->t, "o2/.wh..wh..opq"));
}

static void test_aufs_metadata_ignored(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, ".wh..wh.plnk/x", 0644, "");
	tw_file(w, ".wh..wh.aufs", 0644, "");
	assert_int_equal(apply(f, w), 0);
	assert_null(tu_lookup(f->t, ".wh..wh.aufs"));
}

static void test_hardlinks(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "lower", 0644, "data");
	tw_symlink(w, "sym", "lower");
	assert_int_equal(apply(f, w), 0);
	w = tw_new();
	tw_hardlink(w, "h1", "lower");      /* to a file of a lower layer */
	tw_file(w, "f", 0644, "same");
	tw_hardlink(w, "h2", "f");          /* to a file of this layer */
	tw_hardlink(w, "hs", "sym");        /* to a symlink: the link itself */
	assert_int_equal(apply(f, w), 0);
	assert_ptr_equal(tu_lookup(f->t, "h1"), tu_lookup(f->t, "lower"));
	assert_int_equal(tu_lookup(f->t, "lower")->nlink, 2);
	assert_ptr_equal(tu_lookup(f->t, "h2"), tu_lookup(f->t, "f"));
	assert_int_equal(tu_lookup(f->t, "hs")->mode & S_IFMT, S_IFLNK);
}

static void test_hardlink_errors(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_hardlink(w, "h", "not-yet-seen");
	tw_file(w, "not-yet-seen", 0644, "x");
	assert_true(apply(f, w) < 0);
	assert_non_null(strstr(f->c.err, "hard link target not-yet-seen not found"));
	tu_ctx(&f->c);
	w = tw_new();
	tw_dir(w, "dir", 0755);
	tw_hardlink(w, "h", "dir");
	assert_true(apply(f, w) < 0);
	assert_non_null(strstr(f->c.err, "hard link to a directory"));
	tu_ctx(&f->c);
	w = tw_new();
	tw_hardlink(w, "h", "../outside");
	assert_true(apply(f, w) < 0);
	assert_non_null(strstr(f->c.err, "escapes the root"));
}

static void test_type_replacement(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "p/child", 0644, "x");
	assert_int_equal(apply(f, w), 0);
	w = tw_new();
	tw_symlink(w, "p", "/etc");
	assert_int_equal(apply(f, w), 0);
	assert_int_equal(tu_lookup(f->t, "p")->mode & S_IFMT, S_IFLNK);
	w = tw_new();
	tw_file(w, "p", 0600, "file");
	assert_int_equal(apply(f, w), 0);
	assert_int_equal(tu_lookup(f->t, "p")->mode, S_IFREG | 0600);
	w = tw_new();
	tw_dir(w, "p", 0700);
	assert_int_equal(apply(f, w), 0);
	assert_int_equal(tu_lookup(f->t, "p")->mode, S_IFDIR | 0700);
}

static void test_dir_over_dir_keeps_children(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_dir(w, "d", 0755);
	tw_file(w, "d/x", 0644, "x");
	assert_int_equal(apply(f, w), 0);
	w = tw_new();
	tw_dir(w, "d", 0700);
	assert_int_equal(apply(f, w), 0);
	assert_int_equal(tu_lookup(f->t, "d")->mode, S_IFDIR | 0700);
	assert_non_null(tu_lookup(f->t, "d/x"));
}

static void test_special_files_dropped(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_special(w, "dev/null", AE_IFCHR);
	tw_special(w, "dev/sda", AE_IFBLK);
	tw_special(w, "run/fifo", AE_IFIFO);
	assert_int_equal(apply(f, w), 0);
	assert_int_equal(f->c.dropped, 3); /* tar cannot hold sockets: the writer skips them */
	assert_null(tu_lookup(f->t, "dev/null"));
	assert_null(tu_lookup(f->t, "run/fifo"));
}

static void test_symlink_parent_not_followed(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_symlink(w, "lib", "/");
	tw_file(w, "lib/etc/passwd", 0644, "root::0:0::/:/bin/sh\n");
	assert_true(apply(f, w) < 0);
	assert_non_null(strstr(f->c.err, "lib/etc/passwd: parent is a symlink (not followed)"));
	assert_null(tu_lookup(f->t, "etc"));
}

static void test_imgfs_roundtrip(void **state)
{
	struct tu_fx *f = *state;
	struct tw *w = tw_new();
	tw_file(w, "b/file", 0644, "content");
	tw_hardlink(w, "a/link", "b/file");
	tw_symlink(w, "c", "b/file");
	tw_file(w, "zz", 0600, "");
	tw_file_meta(w, "x", 0644, "y", 0, 0, 5, "user.k", "v");
	assert_int_equal(apply(f, w), 0);
	uint8_t *img;
	size_t len;
	struct imgfs_stats st;
	struct imgfs fs;
	const char *why;
	assert_int_equal(imgfs_build(&f->c, f->t, &img, &len, &st), 0);
	assert_int_equal(len % IMGFS_PAGE_SIZE, 0);
	assert_int_equal(imgfs_open(&fs, img, len, &why), 0);
	int64_t a = imgfs_resolve(&fs, "/a/link", 0), b = imgfs_resolve(&fs, "/b/file", 0);
	assert_true(a > 0);
	assert_int_equal(a, b);
	const struct imgfs_inode *fi = imgfs_inode(&fs, (uint32_t)b);
	assert_int_equal(fi->nlink, 2);
	assert_int_equal(fi->data % IMGFS_PAGE_SIZE, 0);
	assert_memory_equal(imgfs_data(&fs, fi), "content", 7);
	assert_int_equal(imgfs_resolve(&fs, "/c", 1), b);
	const struct imgfs_inode *ci = imgfs_inode(&fs, (uint32_t)imgfs_resolve(&fs, "/c", 0));
	assert_int_equal(ci->mode & IMGFS_S_IFMT, IMGFS_S_IFLNK);
	assert_int_equal(imgfs_inode(&fs, (uint32_t)imgfs_resolve(&fs, "/x", 0))->xattr_count, 1);
	assert_int_equal(imgfs_resolve(&fs, "/nope", 0), -2);
	const struct imgfs_inode *root = imgfs_inode(&fs, IMGFS_ROOT_INO);
	assert_int_equal(root->size, 5); /* a b c x zz: sorted */
	for (uint64_t i = 1; i < root->size; i++) {
		const struct imgfs_dirent *p = imgfs_dirent(&fs, root, i - 1), *q = imgfs_dirent(&fs, root, i);
		assert_true(memcmp(imgfs_str(&fs, p->name_off, p->name_len),
				   imgfs_str(&fs, q->name_off, q->name_len), 1) < 0);
	}
	assert_int_equal(st.files, 3);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_FX_TEST(test_basic_metadata),
		TU_FX_TEST(test_implicit_parents),
		TU_FX_TEST(test_whiteout_lower),
		TU_FX_TEST(test_whiteout_same_layer_file_stays),
		TU_FX_TEST(test_opaque_any_position),
		TU_FX_TEST(test_aufs_metadata_ignored),
		TU_FX_TEST(test_hardlinks),
		TU_FX_TEST(test_hardlink_errors),
		TU_FX_TEST(test_type_replacement),
		TU_FX_TEST(test_dir_over_dir_keeps_children),
		TU_FX_TEST(test_special_files_dropped),
		TU_FX_TEST(test_symlink_parent_not_followed),
		TU_FX_TEST(test_imgfs_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
