/* In-memory root filesystem tree built from layers, before it is serialised as imgfs. */
#ifndef IMAGE_TREE_H
#define IMAGE_TREE_H

#include <stddef.h>
#include <stdint.h>

struct txattr {
	char *name;
	uint8_t *value;
	uint32_t len;
};

struct tdir;

/* A POSIX ACL a layer gave in tar's text form, kept until tacl_finish stores it as the xattr
   (image/tacl.h). Tags and permissions are Linux's; a named entry given by name alone has its
   name here until then. */
struct tacl_ent {
	uint32_t tag, perm, id;
	char *name;
};

struct tacl {
	uint32_t n;
	struct tacl_ent e[];
};

/* An inode: shared by every name of a hard link. Directories have exactly one name. */
struct tinode {
	uint32_t mode, uid, gid, mtime_nsec;
	int64_t mtime;
	uint32_t nlink;             /* names referring to this inode */
	uint8_t *data;              /* regular file content (owned) */
	uint64_t size;              /* regular: bytes */
	char *target;               /* symlink target (owned) */
	struct txattr *xattrs;      /* sorted by name at serialisation */
	uint32_t nxattr;
	struct tacl *acl[2];        /* SCHILY.acl.access/.default, until tacl_finish (tacl.h) */
	struct tdir *dir;           /* directories only */
	uint32_t no;                /* inode number, assigned by the imgfs writer */
	uint32_t gen;               /* layer that created it */
};

struct tdirent {
	char *name;
	uint32_t hash;
	uint32_t gen;               /* layer that created this name */
	struct tinode *ino;
	struct tdirent *next;
};

struct tdir {
	struct tdirent **buckets;
	uint32_t nbuckets, count;
	struct tinode *parent;
};

struct tree {
	struct tinode *root;
	uint32_t gen;               /* current layer number (starts at 1) */
};

struct tree *tree_new(void);
void tree_free(struct tree *t);

/* A fresh inode with the given full mode (type bits included), nlink 0. Directories get a table. */
struct tinode *tinode_new(uint32_t mode, uint32_t gen);
/* Drops one name reference; frees the inode (and a directory's subtree) at zero. */
void tinode_unref(struct tinode *ino);
/* Replaces ino's xattrs by a copy of xs[0..n). */
void tinode_set_xattrs(struct tinode *ino, const struct txattr *xs, uint32_t n);
/* Frees and clears the ACLs ino keeps for tacl_finish. */
void tinode_drop_acls(struct tinode *ino);
/* Adds the xattr name (absent from ino) with a copy of value[0..len). */
void tinode_add_xattr(struct tinode *ino, const char *name, const uint8_t *value, uint32_t len);

struct tdirent *tdir_lookup(struct tinode *dir, const char *name);
/* Adds name -> ino (name must be absent); takes one reference on ino. */
struct tdirent *tdir_insert(struct tinode *dir, const char *name, struct tinode *ino, uint32_t gen);
/* Removes the entry and drops its reference. */
void tdir_remove(struct tinode *dir, struct tdirent *de);
/* The entries of dir sorted by name bytes (memcmp order); caller frees the array. */
struct tdirent **tdir_sorted(struct tinode *dir, uint32_t *n);

/*
 * Splits an archive path into cleaned components ("." and empty dropped, ".." popped, a leading
 * "/" or "./" ignored). Returns NULL on success with *comps and *n set (free with path_free), or a
 * static reason: escapes the root, name too long, too deep, empty.
 */
const char *path_split(const char *path, uint32_t max_depth, char ***comps, size_t *n);
void path_free(char **comps, size_t n);

/*
 * Walks comps[0..n) from the root without following symlinks. mkdirs: create missing
 * directories (0755, root, mtime 0) in generation gen. Returns the final directory inode, or NULL
 * with *why set: "not found", "parent is a symlink (not followed)", "parent is not a directory".
 * *where gets the number of components walked successfully.
 */
struct tinode *tree_walk_dir(struct tree *t, char **comps, size_t n, int mkdirs, uint32_t gen,
			     const char **why, size_t *where);

/*
 * Whiteout of entry de in dir for the current generation gen: removes what lower layers put
 * there but keeps anything the current layer created (a directory keeps current-layer content).
 */
void tree_whiteout(struct tinode *dir, struct tdirent *de, uint32_t gen);
/* Opaque marker on dir: whiteout of every child. */
void tree_opaque(struct tinode *dir, uint32_t gen);

#endif
