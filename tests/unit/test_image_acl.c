/* Unit tests: POSIX ACLs a layer carries in tar's text form (SCHILY.acl.*) become the xattrs and
   mode Linux keeps. The expected values are what GNU tar 1.34 --acls extracted onto ext4 here
   (getfattr -n system.posix_acl_* --only-values | xxd -p, stat -c %a) for the same records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/artifact.h"
#include "image/imgfs.h"
#include "image/tacl.h"
#include "tests/unit/test_image_util.h"

#define ACCESS "SCHILY.acl.access"
#define DEFAULT "SCHILY.acl.default"
#define XACCESS "system.posix_acl_access"
#define XDEFAULT "system.posix_acl_default"

/* user::rwx user:5000:--x user:5001:r-x group::r-- group:6000:rw- mask::rwx other::--- */
static const char f_hex[] = "0200000001000700ffffffff020001008813000002000500891300000400"
			    "0400ffffffff080006007017000010000700ffffffff20000000ffffffff";
/* user::rwx user:5000:r-- group::r-x mask::r-x other::--- */
static const char m_hex[] = "0200000001000700ffffffff020004008813000004000500ffffffff1000"
			    "0500ffffffff20000000ffffffff";
/* user::rw- user:5000:rw- group::--- mask::rw- other::r-- */
static const char w_hex[] = "0200000001000600ffffffff020006008813000004000000ffffffff1000"
			    "0600ffffffff20000400ffffffff";
/* user::rwx user:33:rw- group::r-x mask::rwx other::r-x */
static const char d_hex[] = "0200000001000700ffffffff020006002100000004000500ffffffff1000"
			    "0700ffffffff20000500ffffffff";
/* default: user::rwx user:5000:rwx group::r-x mask::rwx other::r-x */
static const char dd_hex[] = "0200000001000700ffffffff020007008813000004000500ffffffff1000"
			     "0700ffffffff20000500ffffffff";

/* Applies the raw tar in b as the next layer. */
static int apply(struct tu_fx *f, struct buf *b)
{
	size_t n;
	uint8_t *tar = tu_raw_finish(b, &n);
	return tu_fx_apply(f, tar, n);
}

/* Applies b, then stores the ACLs as conversion does once every layer is in. */
static int apply_finish(struct tu_fx *f, struct buf *b)
{
	int r = apply(f, b);
	return r < 0 ? r : tacl_finish(&f->c, f->t);
}

static void file(struct buf *b, const char *path, unsigned mode, const char *key, const char *text)
{
	const struct tu_pax pax[] = { { key, text, 0 }, { NULL, NULL, 0 } };
	tu_raw_entry(b, path, '0', mode, "hi", pax);
}

static const struct txattr *xattr(const struct tinode *ino, const char *name)
{
	for (uint32_t i = 0; i < ino->nxattr; i++)
		if (strcmp(ino->xattrs[i].name, name) == 0)
			return &ino->xattrs[i];
	return NULL;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
	char got[1024] = "";
	assert_true(2 * n < sizeof(got));
	for (size_t i = 0; i < n; i++)
		snprintf(got + 2 * i, 3, "%02x", p[i]);
	assert_string_equal(got, hex);
}

static void assert_acl(const struct tinode *ino, const char *name, const char *hex)
{
	assert_non_null(ino);
	const struct txattr *x = xattr(ino, name);
	assert_non_null(x);
	assert_hex(x->value, x->len, hex);
}

static void test_access_named_and_mask(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	/* GNU tar's form (a line an entry), the users out of order; the header's group bits are the mask */
	file(&b, "f", 0770, ACCESS, "user::rwx\nuser:5001:r-x\nuser:5000:--x\ngroup::r--\n"
	     "group:6000:rw-\nmask::rwx\nother::---\n");
	/* bsdtar's form (commas); the header's group bits are not the mask: the mask sets them */
	file(&b, "m", 0700, ACCESS, "user::rwx,user:5000:r--,group::r-x,mask::r-x,other::---");
	file(&b, "w", 0604, ACCESS, "user::rw-,user:5000:rw-,group::---,mask::rw-,other::r--");
	assert_int_equal(apply_finish(f, &b), 0);
	struct tinode *fi = tu_lookup(f->t, "f"), *m = tu_lookup(f->t, "m"), *w = tu_lookup(f->t, "w");
	assert_acl(fi, XACCESS, f_hex);
	assert_int_equal(fi->mode, S_IFREG | 0770);
	assert_int_equal(fi->nxattr, 1);
	assert_acl(m, XACCESS, m_hex);
	assert_int_equal(m->mode, S_IFREG | 0750);
	assert_acl(w, XACCESS, w_hex);
	assert_int_equal(w->mode, S_IFREG | 0664);
}

static void test_default_on_directory_names_from_later_layer(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	const struct tu_pax pax[] = {
		{ ACCESS, "user::rwx\nuser:www-data:rw-\ngroup::r-x\nmask::rwx\nother::r-x\n", 0 },
		{ DEFAULT, "user::rwx\nuser:5000:rwx\ngroup::r-x\nmask::rwx\nother::r-x\n", 0 },
		{ NULL, NULL, 0 } };
	tu_raw_entry(&b, "d", '5', 0775, "", pax);
	assert_int_equal(apply(f, &b), 0);
	assert_null(xattr(tu_lookup(f->t, "d"), XACCESS)); /* a name waits for the image's users */
	memset(&b, 0, sizeof(b));
	tu_raw_entry(&b, "etc/passwd", '0', 0644, "root:x:0:0::/root:/bin/sh\n"
		     "www-data:x:33:33::/var/www:/usr/sbin/nologin\nwww-data:x:99:99::/:/bin/sh\n", NULL);
	assert_int_equal(apply_finish(f, &b), 0);
	struct tinode *d = tu_lookup(f->t, "d");
	assert_acl(d, XACCESS, d_hex);  /* the first www-data line, as getpwnam finds it */
	assert_acl(d, XDEFAULT, dd_hex);
	assert_int_equal(d->mode, S_IFDIR | 0775);
	assert_null(d->acl[TACL_ACCESS]);
	assert_int_equal(tacl_finish(&f->c, f->t), 0); /* nothing left to do */
	assert_int_equal(d->nxattr, 2);
}

static void test_group_names_and_root(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	const struct tu_pax pax[] = {
		{ DEFAULT, "user::rwx,group::r-x,group:staff:rwx,mask::rwx,other::---", 0 },
		{ NULL, NULL, 0 } };
	tu_raw_entry(&b, "./", '5', 0755, "", pax);
	tu_raw_entry(&b, "etc/group", '0', 0644, "root:x:0:\nstaff:x:50:app\n", NULL);
	assert_int_equal(apply_finish(f, &b), 0);
	/* user::rwx group::r-x group:50:rwx mask::rwx other::--- */
	assert_acl(f->t->root, XDEFAULT, "0200000001000700ffffffff04000500ffffffff0800070032000000"
		   "10000700ffffffff20000000ffffffff");
}

static void test_base_entries_only(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	file(&b, "b", 0640, ACCESS, "user::rw-\ngroup::rwx\nother::---\n");
	const struct tu_pax pax[] = { { DEFAULT, "user::rwx,group::r-x,other::---", 0 },
				      { NULL, NULL, 0 } };
	tu_raw_entry(&b, "d", '5', 0755, "", pax);
	assert_int_equal(apply_finish(f, &b), 0);
	struct tinode *bi = tu_lookup(f->t, "b"), *d = tu_lookup(f->t, "d");
	assert_int_equal(bi->mode, S_IFREG | 0670); /* the mode says it all: no xattr, as Linux */
	assert_int_equal(bi->nxattr, 0);
	/* a default ACL of the three is kept (Linux's posix_acl_equiv_mode is for access ACLs) */
	assert_acl(d, XDEFAULT, "0200000001000700ffffffff04000500ffffffff20000000ffffffff");
	assert_int_equal(d->nxattr, 1);
}

static void test_explicit_xattr_wins(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	uint8_t v[60];
	for (size_t i = 0; i < sizeof(m_hex) / 2; i++)
		sscanf(m_hex + 2 * i, "%2hhx", &v[i]);
	const struct tu_pax pax[] = {
		{ ACCESS, "user::rwx,user:nobody-here:r--,group::r--,mask::r--,other::---", 0 },
		{ "SCHILY.xattr." XACCESS, v, sizeof(m_hex) / 2 },
		{ NULL, NULL, 0 } };
	tu_raw_entry(&b, "x", '0', 0740, "hi", pax);
	assert_int_equal(apply_finish(f, &b), 0); /* the name is never looked up */
	struct tinode *x = tu_lookup(f->t, "x");
	assert_int_equal(x->nxattr, 1);
	assert_acl(x, XACCESS, m_hex);
}

static void test_dir_over_dir_replaces_acl(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	const struct tu_pax pax[] = { { ACCESS, "u::rwx,u:5000:rwx,g::r-x,m::rwx,o::r-x", 0 },
				      { NULL, NULL, 0 } };
	tu_raw_entry(&b, "d", '5', 0775, "", pax);
	assert_int_equal(apply(f, &b), 0);
	memset(&b, 0, sizeof(b));
	tu_raw_entry(&b, "d", '5', 0700, "", NULL);
	assert_int_equal(apply_finish(f, &b), 0);
	struct tinode *d = tu_lookup(f->t, "d");
	assert_int_equal(d->nxattr, 0);
	assert_int_equal(d->mode, S_IFDIR | 0700);
}

static void test_nfs4_dropped(void **state)
{
	struct tu_fx *f = *state;
	struct buf b = {0};
	file(&b, "n", 0644, "SCHILY.acl.ace", "owner@:rw-p--aARWcCos:-------:allow:0,"
	     "everyone@:r-----a-R-c--s:-------:allow:0");
	assert_int_equal(apply_finish(f, &b), 0);
	assert_int_equal(tu_lookup(f->t, "n")->nxattr, 0);
}

/* A layer of one entry with the given record, and the error conversion reports. */
static void expect_error(char type, const char *path, const char *key, const char *text,
			 const char *passwd, const char *msg)
{
	struct tu_fx *f;
	struct buf b = {0};
	tu_fx_setup((void **)&f);
	const struct tu_pax pax[] = { { key, text, 0 }, { NULL, NULL, 0 } };
	if (passwd)
		tu_raw_entry(&b, "etc/passwd", '0', 0644, passwd, NULL);
	tu_raw_entry(&b, path, type, 0750, type == '2' ? "target" : "", pax);
	assert_true(apply_finish(f, &b) < 0);
	if (!strstr(f->c.err, msg))
		fail_msg("error \"%s\" lacks \"%s\"", f->c.err, msg);
	tu_fx_teardown((void **)&f);
}

/* An ACL text of n entries (GNU tar's form: a line each). */
static void acl_text(struct buf *t, int n)
{
	const char *head = "user::rw-\ngroup::r--\nmask::r--\nother::---\n";
	buf_put(t, head, strlen(head));
	for (int i = 1; i <= n - 4; i++) {
		char e[32];
		snprintf(e, sizeof(e), "user:%d:r--\n", i);
		buf_put(t, e, strlen(e));
	}
	buf_put(t, "", 1);
}

/* libarchive's ACL parser takes time in the square of an ACL's entries (100,000 entries: about
   30 s): such records are refused before it sees them (tacl_prescan), with tacl_read's reason,
   and so is a layer whose large ACLs add up past the budget. */
static void test_huge_acls_refused_before_parsing(void **state)
{
	(void)state;
	struct buf big = {0}, raw = {0};
	acl_text(&big, 100000);
	/* tacl_prescan itself refuses it, from the tar's bytes */
	const struct tu_pax pax[] = { { ACCESS, big.p, 0 }, { NULL, NULL, 0 } };
	tu_raw_entry(&raw, "dir/big", '0', 0640, "hi", pax);
	size_t n;
	uint8_t *tar = tu_raw_finish(&raw, &n);
	struct img_ctx c;
	img_ctx_init(&c);
	assert_int_equal(tacl_prescan(&c, "layer", tar, n), -EINVAL);
	assert_string_equal(c.err, "layer: dir/big: SCHILY.acl.access: more than the 8191 entries "
			    "an ACL xattr holds");
	/* a tar cut short in the record is left to libarchive */
	img_ctx_init(&c);
	assert_int_equal(tacl_prescan(&c, "layer", tar, 512 + 4096), 0);
	free(tar);
	expect_error('0', "big", ACCESS, (const char *)big.p, NULL,
		     "big: SCHILY.acl.access: more than the 8191 entries an ACL xattr holds");
	buf_free(&big);
	/* Five ACLs of 8,000 entries: 5 * 64e6 passes 2^28. */
	acl_text(&big, 8000);
	struct tu_fx *f;
	struct buf b = {0};
	tu_fx_setup((void **)&f);
	for (int i = 0; i < 5; i++) {
		char path[16];
		snprintf(path, sizeof(path), "f%d", i);
		file(&b, path, 0640, ACCESS, (const char *)big.p);
	}
	assert_true(apply(f, &b) < 0);
	if (!strstr(f->c.err, "f4: SCHILY.acl.access: too many large ACLs to read"))
		fail_msg("error \"%s\"", f->c.err);
	tu_fx_teardown((void **)&f);
	buf_free(&big);
}

static void test_malformed(void **state)
{
	(void)state;
	struct buf big = {0};
	const char *head = "user::rw-,group::r--,mask::r--,other::---";
	buf_put(&big, head, strlen(head));
	for (int i = 1; i <= 8188; i++) { /* 8192 entries with the three base ones and the mask */
		char e[24];
		snprintf(e, sizeof(e), ",u:%d:r", i);
		buf_put(&big, e, strlen(e));
	}
	buf_put(&big, "", 1);
	expect_error('0', "f", ACCESS, (const char *)big.p, NULL,
		     "f: SCHILY.acl.access: more than the 8191 entries an ACL xattr holds");
	big.len -= strlen(",u:8188:r") + 1; /* 8191: the most Linux stores */
	buf_put(&big, "", 1);
	struct tu_fx *f;
	struct buf b = {0};
	tu_fx_setup((void **)&f);
	file(&b, "f", 0640, ACCESS, (const char *)big.p);
	assert_int_equal(apply_finish(f, &b), 0);
	assert_int_equal(xattr(tu_lookup(f->t, "f"), XACCESS)->len, 4 + 8 * 8191);
	tu_fx_teardown((void **)&f);
	buf_free(&big);
	expect_error('0', "f", ACCESS, "user::rw-,user:5000:r--,group::r--,other::---", NULL,
		     "f: SCHILY.acl.access: named entries without a mask:: entry (Linux requires one)");
	expect_error('0', "f", DEFAULT, "user::rwx,group::r-x,other::r-x", NULL,
		     "f: SCHILY.acl.default: on a non-directory");
	expect_error('5', "d", DEFAULT, "user:5000:rwx,mask::rwx", NULL,
		     "d: SCHILY.acl.default: no user::, group:: or other:: entry");
	expect_error('5', "d", DEFAULT, "user::rwx,group:7:rwx,group::r-x,other::---", NULL,
		     "named entries without a mask");
	expect_error('0', "f", ACCESS, "user::rw-,user:5000:rqx,group::r--,mask::r--,other::---",
		     NULL, "f: SCHILY.acl.access: an entry that does not parse");
	expect_error('2', "l", ACCESS, "user::rwx,user:5:r--,group::r--,mask::r--,other::---", NULL,
		     "l: SCHILY.acl.access: on a symlink");
	expect_error('0', "f", ACCESS, "user::rw-,user:4294967294:r--,group::r--,mask::r--,other::-",
		     NULL, "an id of 2147483647 or more");
	expect_error('0', "srv/f", ACCESS, "user::rw-,user:ghost:r--,group::r--,mask::r--,other::-",
		     "root:x:0:0::/:/bin/sh\n", "/srv/f: SCHILY.acl.access names user ghost, whom the "
		     "image's /etc/passwd does not list");
	expect_error('0', "f", ACCESS, "user::rw-,group::r--,group:nogroup:r--,mask::r--,other::-",
		     NULL, "names group nogroup, whom the image's /etc/group does not list");
	expect_error('0', "f", ACCESS, "user::rw-,user:app:r--,user:5000:rw-,group::r--,mask::rw-,"
		     "other::-", "app:x:5000:5000::/:/bin/sh\n",
		     "/f: SCHILY.acl.access has two entries for user 5000");
}

/* The xattr name of the inode at path in the artifact's imgfs, as value bytes in hex. */
static void assert_imgfs_acl(const struct artifact *art, const char *path, const char *name,
			     const char *hex)
{
	struct imgfs fs;
	const char *why;
	assert_int_equal(imgfs_open(&fs, art->imgfs, art->imgfs_len, &why), 0);
	int64_t no = imgfs_resolve(&fs, path, 0);
	assert_true(no > 0);
	const struct imgfs_inode *ino = imgfs_inode(&fs, (uint32_t)no);
	const struct imgfs_xattr *xt = (const void *)(fs.base + fs.h->xattr_off);
	for (uint32_t i = ino->xattr_first; i < ino->xattr_first + ino->xattr_count; i++) {
		const char *n = imgfs_str(&fs, xt[i].name_off, xt[i].name_len);
		if (xt[i].name_len == strlen(name) && !memcmp(n, name, xt[i].name_len)) {
			assert_hex((const uint8_t *)imgfs_str(&fs, xt[i].value_off, xt[i].value_len),
				   xt[i].value_len, hex);
			return;
		}
	}
	fail_msg("%s has no %s", path, name);
}

static void test_conversion(void **state)
{
	(void)state;
	struct buf b = {0};
	uint8_t *l[2];
	size_t n[2];
	struct tu_archive a = {0};
	struct img_ctx c;
	struct artifact art;
	char *ap = NULL, err[256];
	const struct tu_pax pax[] = {
		{ ACCESS, "user::rwx\nuser:www-data:rw-\ngroup::r-x\nmask::rwx\nother::r-x\n", 0 },
		{ DEFAULT, "user::rwx\nuser:5000:rwx\ngroup::r-x\nmask::rwx\nother::r-x\n", 0 },
		{ NULL, NULL, 0 } };
	tu_raw_entry(&b, "srv/d/", '5', 0775, "", pax);
	l[0] = tu_raw_finish(&b, &n[0]);
	memset(&b, 0, sizeof(b));
	tu_raw_entry(&b, "etc/passwd", '0', 0644, "www-data:x:33:33::/:/bin/sh\n", NULL);
	l[1] = tu_raw_finish(&b, &n[1]);
	tu_docker_archive(&a, l, n, 2, "{\"Cmd\":[\"/x\"]}", "[\"acl:1\"]");
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_int_equal(tu_convert(&c, p, NULL, &ap), 0);
	if (artifact_open(ap, &art, err, sizeof(err)) < 0)
		fail_msg("artifact_open: %s", err);
	assert_imgfs_acl(&art, "/srv/d", XACCESS, d_hex);
	assert_imgfs_acl(&art, "/srv/d", XDEFAULT, dd_hex);
	artifact_close(&art);
	unlink(ap);
	unlink(p);
	free(ap);
	free(p);
	free(l[0]);
	free(l[1]);
	tu_archive_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_FX_TEST(test_access_named_and_mask),
		TU_FX_TEST(test_default_on_directory_names_from_later_layer),
		TU_FX_TEST(test_group_names_and_root),
		TU_FX_TEST(test_base_entries_only),
		TU_FX_TEST(test_explicit_xattr_wins),
		TU_FX_TEST(test_dir_over_dir_replaces_acl),
		TU_FX_TEST(test_nfs4_dropped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_acls_refused_before_parsing),
		cmocka_unit_test(test_conversion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
