/* POSIX ACLs on tmpfs (vfs/acl.c) against Linux's fs/posix_acl.c: the xattr format and its
   errors, the mode following an access ACL, permission checks by named users and groups and
   the mask, chmod, inheritance of a default ACL at creation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/proc.h"
#include "vfs/vfs.h"
#include "vfs/acl.h"
#include "kstub.h"
#include "kstub_vfs.h"

#define NOID ACL_UNDEFINED_ID
#define A ACL_TYPE_ACCESS
#define D ACL_TYPE_DEFAULT

static struct fs_context fs;

static int setup(void **state)
{
	const char *why = NULL;
	kstub_vfs_init(4096);
	assert_non_null(kstub_vfs_root(&fs, tmpfs_new(1, NULL, 0, 0, &why)));
	assert_int_equal(kstub_mk(&fs, "/f", S_IFREG | 0640), 0);
	assert_int_equal(kstub_mk(&fs, "/d", S_IFDIR | 0755), 0);
	return 0;
}

/* An ACL's xattr value: version 2, then the entries; the first with tag 0 ends them. */
struct value {
	uint32_t version;
	struct acl_entry e[16];
};
#define ACL(...) ((struct value){ 2, { __VA_ARGS__ } })
#define UO(p) { ACL_USER_OBJ, p, NOID }
#define U(p, id) { ACL_USER, p, id }
#define GO(p) { ACL_GROUP_OBJ, p, NOID }
#define G(p, id) { ACL_GROUP, p, id }
#define M(p) { ACL_MASK, p, NOID }
#define O(p) { ACL_OTHER, p, NOID }

static int count(const struct value *v)
{
	int n = 0;
	while (n < 16 && v->e[n].tag)
		n++;
	return n;
}

static size_t size_of(int n) { return 4 + (size_t)n * sizeof(struct acl_entry); }

static int set(const char *path, int type, struct value v)
{
	return vfs_acl_set(kstub_ino(&fs, path, 0), type, &v, size_of(count(&v)));
}

/* The permission the current ids get to path for mask, as root again afterwards. */
static int perm_as(const char *path, uint32_t uid, uint32_t gid, uint32_t extra, int mask)
{
	kstub_vfs_cred(uid, gid);
	current->ngroups = extra ? 1 : 0;
	current->groups[0] = extra;
	int r = vfs_permission(kstub_ino(&fs, path, 0), mask);
	kstub_vfs_cred(0, 0);
	current->ngroups = 0;
	return r;
}

static void test_format_errors(void **state)
{
	struct value v = ACL(UO(6), GO(4), O(4));
	struct inode *f = kstub_ino(&fs, "/f", 0);
	v.version = 1;
	assert_int_equal(set("/f", A, v), -EOPNOTSUPP);
	v.version = 2;
	assert_int_equal(vfs_acl_set(f, A, &v, 2), -EINVAL);
	assert_int_equal(vfs_acl_set(f, A, &v, size_of(3) - 1), -EINVAL);
	struct value bad = ACL(UO(8), GO(4), O(4));
	assert_int_equal(set("/f", A, bad), -EINVAL);                   /* perm beyond rwx */
	bad = ACL(UO(6), { 0x40, 4, NOID }, O(4));
	assert_int_equal(set("/f", A, bad), -EINVAL);                   /* unknown tag */
	bad = ACL(UO(6), U(4, 7), GO(4), O(0));
	assert_int_equal(set("/f", A, bad), -EINVAL);                   /* no mask */
	bad = ACL(UO(6), U(4, NOID), GO(4), M(4), O(0));
	assert_int_equal(set("/f", A, bad), -EINVAL);                   /* a user without an id */
	bad = ACL(GO(4), UO(6), O(4));
	assert_int_equal(set("/f", A, bad), -EINVAL);                   /* out of order */
	bad = ACL(UO(6), GO(4));
	assert_int_equal(set("/f", A, bad), -EINVAL);                   /* no other */
	assert_int_equal(set("/f", D, v), -EACCES);                     /* default: directories */
	assert_int_equal(vfs_acl_set(f, D, NULL, 0), 0);                /* ... removing succeeds */
	assert_int_equal(vfs_acl_get(f, A, NULL, 0), -ENODATA);
	assert_int_equal(vfs_acl_set(f, A, NULL, 0), 0);                /* none to remove: fine */
	kstub_vfs_cred(1000, 1000);
	assert_int_equal(set("/f", A, v), -EPERM);                      /* the owner's */
	kstub_vfs_cred(0, 0);
	assert_int_equal(kstub_mklink(&fs, "/l", "f"), 0);
	assert_int_equal(vfs_acl_get(kstub_ino(&fs, "/l", 0), A, NULL, 0), -EOPNOTSUPP);
	assert_int_equal(set("/l", A, v), -EOPNOTSUPP);
}

static void test_access_acl_and_the_mode(void **state)
{
	struct inode *f = kstub_ino(&fs, "/f", 0);
	/* ids on user_obj and group_obj are not kept */
	struct value v = ACL({ ACL_USER_OBJ, 7, 5 }, U(5, 1000), { ACL_GROUP_OBJ, 4, 9 },
			     G(6, 3000), M(7), O(1));
	assert_int_equal(set("/f", A, v), 0);
	assert_int_equal(f->mode, S_IFREG | 0771);                      /* user_obj, mask, other */
	struct value back;
	assert_int_equal(vfs_acl_get(f, A, NULL, 0), size_of(6));
	assert_int_equal(vfs_acl_get(f, A, &back, size_of(6) - 1), -ERANGE);
	assert_int_equal(vfs_acl_get(f, A, &back, sizeof(back)), size_of(6));
	v.e[0].id = v.e[2].id = NOID;                                   /* named entries' only */
	assert_memory_equal(&back, &v, size_of(6));
	char names[64];
	assert_int_equal(vfs_acl_list(f, names, sizeof(names)), 24);
	assert_string_equal(names, "system.posix_acl_access");
	assert_int_equal(vfs_acl_list(f, names, 10), -ERANGE);
	/* what the mode can say is not kept */
	v = ACL(UO(6), GO(0), O(4));
	assert_int_equal(set("/f", A, v), 0);
	assert_int_equal(f->mode, S_IFREG | 0604);
	assert_null(f->acl[A]);
	/* S_ISGID goes for an owner outside the group */
	f->uid = 1000;
	f->gid = 3000;
	f->mode = S_IFREG | 02660;
	kstub_vfs_cred(1000, 1000);
	v = ACL(UO(6), U(6, 1001), GO(6), M(6), O(6));
	assert_int_equal(set("/f", A, v), 0);
	assert_int_equal(f->mode, S_IFREG | 0666);
	kstub_vfs_cred(0, 0);
}

static void test_permission_by_the_acl(void **state)
{
	struct inode *f = kstub_ino(&fs, "/f", 0);
	f->uid = 2000;
	struct value v = ACL(UO(4), U(6, 1000), U(0, 1002), GO(4), G(6, 3000), G(0, 3001), M(6),
			     O(0));
	assert_int_equal(set("/f", A, v), 0);
	assert_int_equal(perm_as("/f", 1000, 1000, 0, 6), 0);           /* named user */
	assert_int_equal(perm_as("/f", 1002, 1002, 0, 4), -EACCES);     /* named user --- */
	assert_int_equal(perm_as("/f", 1001, 1001, 0, 4), -EACCES);     /* other --- */
	assert_int_equal(perm_as("/f", 1003, 3000, 0, 6), 0);           /* named group */
	assert_int_equal(perm_as("/f", 1004, 1004, 3000, 6), 0);        /* ... supplementary */
	assert_int_equal(perm_as("/f", 1005, 0, 0, 4), 0);              /* owning group */
	assert_int_equal(perm_as("/f", 1005, 0, 0, 2), -EACCES);
	assert_int_equal(perm_as("/f", 1006, 0, 3001, 4), 0);           /* any group granting */
	assert_int_equal(perm_as("/f", 2000, 9, 0, 2), -EACCES);        /* the owner: the mode */
	/* chmod rewrites user_obj, the mask and other */
	struct iattr a = { .valid = ATTR_MODE, .mode = 0444 };
	assert_int_equal(f->ops->setattr(f, &a), 0);
	struct value back;
	assert_int_equal(vfs_acl_get(f, A, &back, sizeof(back)), size_of(8));
	assert_int_equal(back.e[0].perm, 4);
	assert_int_equal(back.e[6].perm, 4);
	assert_int_equal(back.e[7].perm, 4);
	assert_int_equal(back.e[1].perm, 6);                            /* named entries stay */
	assert_int_equal(perm_as("/f", 1000, 1000, 0, 2), -EACCES);     /* masked */
	assert_int_equal(perm_as("/f", 1001, 1001, 0, 4), 0);           /* other r-- */
	/* a mask of --- in the mode: Linux looks at the mode bits alone */
	a.mode = 0406;
	assert_int_equal(f->ops->setattr(f, &a), 0);
	assert_int_equal(perm_as("/f", 1002, 1002, 0, 6), 0);
	assert_int_equal(perm_as("/f", 1005, 0, 0, 4), -EACCES);
	/* a matching group without the permission denies, whatever other grants */
	v = ACL(UO(6), GO(4), G(4, 3000), M(6), O(6));
	assert_int_equal(set("/f", A, v), 0);
	assert_int_equal(perm_as("/f", 1003, 3000, 0, 2), -EACCES);
	assert_int_equal(perm_as("/f", 1001, 1001, 0, 2), 0);
	/* capabilities still override */
	kstub_vfs_cred(0, 0);
	assert_int_equal(vfs_permission(f, 6), 0);
}

static void test_inheritance(void **state)
{
	struct inode *d = kstub_ino(&fs, "/d", 0);
	struct value v = ACL(UO(7), U(5, 1000), GO(5), G(7, 3000), M(7), O(1));
	assert_int_equal(vfs_acl_umask(d, 077), 077);
	assert_int_equal(set("/d", D, v), 0);
	assert_int_equal(d->mode, S_IFDIR | 0755);                      /* the mode stays */
	assert_int_equal(vfs_acl_umask(d, 077), 0);
	assert_int_equal(kstub_mk(&fs, "/d/f", S_IFREG | 0664), 0);
	struct inode *f = kstub_ino(&fs, "/d/f", 0);
	assert_int_equal(f->mode, S_IFREG | 0660);
	struct value back;
	assert_int_equal(vfs_acl_get(f, A, &back, sizeof(back)), size_of(6));
	assert_int_equal(back.e[0].perm, 6);                            /* user_obj & rw- */
	assert_int_equal(back.e[4].perm, 6);                            /* the mask & rw- */
	assert_int_equal(back.e[5].perm, 0);                            /* other & --- */
	assert_int_equal(back.e[3].perm, 7);                            /* named: as they were */
	assert_int_equal(vfs_acl_get(f, D, NULL, 0), -ENODATA);
	assert_int_equal(kstub_mk(&fs, "/d/s", S_IFDIR | 0750), 0);
	struct inode *s = kstub_ino(&fs, "/d/s", 0);
	assert_int_equal(s->mode, S_IFDIR | 0750);
	assert_int_equal(vfs_acl_get(s, D, &back, sizeof(back)), size_of(6));
	assert_memory_equal(&back, &v, size_of(6));
	assert_int_equal(kstub_mklink(&fs, "/d/l", "f"), 0);
	assert_null(kstub_ino(&fs, "/d/l", 0)->acl[A]);
	/* a default ACL without named entries or mask gives a plain mode */
	v = ACL(UO(7), GO(5), O(5));
	assert_int_equal(set("/d", D, v), 0);
	assert_int_equal(kstub_mk(&fs, "/d/g", S_IFREG | 0666), 0);
	assert_int_equal(kstub_ino(&fs, "/d/g", 0)->mode, S_IFREG | 0644);
	assert_null(kstub_ino(&fs, "/d/g", 0)->acl[A]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_format_errors, setup),
		cmocka_unit_test_setup(test_access_acl_and_the_mode, setup),
		cmocka_unit_test_setup(test_permission_by_the_acl, setup),
		cmocka_unit_test_setup(test_inheritance, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
