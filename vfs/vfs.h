/* The virtual file system: inodes, dentries (the name cache that also carries mounts, `..` and
   getcwd), superblocks, path walk and opening files. Filesystems plug in through inode_ops and
   file_ops; everything here takes kernel pointers and returns negative errno values. */
#ifndef VFS_VFS_H
#define VFS_VFS_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "vfs/file.h"
#include "vfs/stat.h"

#define NAME_MAX 255
#define PATH_MAX 4096
#define MAXSYMLINKS 40

struct inode;
struct dentry;
struct superblock;
struct vfs_acl;
struct fsnotify_mark;

struct timespec64 {
	int64_t sec;
	int64_t nsec;
};

/* What statfs reports (struct statfs without the padding). */
struct vfs_statfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};

/* Attribute changes for inode_ops.setattr. */
#define ATTR_MODE 0x1
#define ATTR_UID 0x2
#define ATTR_GID 0x4
#define ATTR_SIZE 0x8
#define ATTR_ATIME 0x10
#define ATTR_MTIME 0x20
#define ATTR_CTIME 0x40
struct iattr {
	unsigned valid;
	uint32_t mode, uid, gid;
	uint64_t size;
	struct timespec64 atime, mtime;
};

struct inode_ops {
	/* Finds name in dir: 0 and a referenced inode, or -ENOENT. */
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* Creates a regular file, directory, device or FIFO (mode carries the type). */
	int (*create)(struct inode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		      struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, size_t len, const char *target,
		       struct inode **out);
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *target);
	/* Removes name (a non-directory for unlink, an empty directory for rmdir). */
	int (*unlink)(struct inode *dir, const char *name, size_t len, struct inode *victim);
	int (*rmdir)(struct inode *dir, const char *name, size_t len, struct inode *victim);
	/* Moves olddir/oldname to newdir/newname; the VFS has done Linux's type checks. */
	int (*rename)(struct inode *olddir, const char *oldname, size_t oldlen, struct inode *newdir,
		      const char *newname, size_t newlen, unsigned flags);
	/* Copies the target into buf (no NUL); returns its length or -errno. */
	int64_t (*readlink)(struct inode *ino, char *buf, size_t len);
	/* "Magic" links (/proc/<pid>/fd/N, cwd, root): where the link leads, as a referenced path,
	   instead of its text. */
	int (*get_link)(struct inode *ino, struct path *out);
	int (*setattr)(struct inode *ino, const struct iattr *a);
	/* Directory listing: calls emit for each entry from *pos on; stops when emit returns
	   nonzero. *pos is an opaque cookie. */
	int (*iterate)(struct inode *dir, uint64_t *pos,
		       int (*emit)(void *ctx, const char *name, size_t len, uint64_t ino,
				   unsigned type), void *ctx);
	/* Byte I/O on regular files at an offset. */
	int64_t (*read)(struct inode *ino, void *buf, size_t len, uint64_t off);
	int64_t (*write)(struct inode *ino, const void *buf, size_t len, uint64_t off);
	/* The guest-physical page holding page index pgoff, for mmap (0: beyond the file; for
	   write, the page is the file's own and may be shared writable). */
	uint64_t (*page)(struct inode *ino, uint64_t pgoff, bool write);
	/* For private executable mappings: the page all of them share for pgoff, which the
	   system-call rewriter may patch in place (kernel/arch/fast.c), or 0 to map page()'s
	   (enum text_use says what the caller is doing).
	   is_text_page: is pa that shared page? NULL ops: page() for every mapping. */
	uint64_t (*text_page)(struct inode *ino, uint64_t pgoff, int use);
	/* Writes pages changed through shared writable mappings back to where the file lives
	   (hostfs: the host); NULL when mapped pages are the file's own. 0 or -errno. */
	int (*writeback)(struct inode *ino);
	/* The last open file that could write ino is closed (writecount reached 0). */
	void (*writers_gone)(struct inode *ino);
	bool (*is_text_page)(struct inode *ino, uint64_t pgoff, uint64_t pa);
	/* Extended attributes: the value's length (copied when size allows, else -ERANGE; size 0
	   asks for the length), -ENODATA when absent. listxattr: NUL-separated names. */
	int64_t (*getxattr)(struct inode *ino, const char *name, void *buf, size_t size);
	int64_t (*listxattr)(struct inode *ino, char *buf, size_t size);
	/* Sets name (flags: XATTR_CREATE 1 -> -EEXIST when present, XATTR_REPLACE 2 -> -ENODATA
	   when absent), -ENOSPC when it does not fit; removes name (-ENODATA when absent). The
	   caller has checked the name, the size and the permission. NULL: -EOPNOTSUPP. */
	int (*setxattr)(struct inode *ino, const char *name, const void *value, size_t size,
			int flags);
	int (*removexattr)(struct inode *ino, const char *name);
	/* st_blocks (512-byte units) of a regular file; NULL: inode->blocks. */
	uint64_t (*blocks)(struct inode *ino);
	/* fallocate: mode 0 or FALLOC_FL_KEEP_SIZE (allocate), KEEP_SIZE|PUNCH_HOLE, ZERO_RANGE. */
	int (*fallocate)(struct inode *ino, int mode, uint64_t off, uint64_t len);
	/* SEEK_DATA / SEEK_HOLE from off (off < size): the offset, or -ENXIO. NULL: no holes. */
	int64_t (*seek_data)(struct inode *ino, uint64_t off, int whence);
	/* Opens a device or special file: may replace f->ops. */
	int (*open)(struct inode *ino, struct file *f);
	void (*release)(struct inode *ino);     /* last reference dropped */
	/* Filesystems whose files can change behind the guest's back (hostfs): NULL for others. */
	/* Refreshes the inode's attributes from the backing store; called before they are reported
	   (stat) or relied on (O_APPEND, SEEK_END). 0 or -errno. */
	int (*getattr)(struct inode *ino);
	/* May the file be mapped (shared_write: MAP_SHARED with write access)? 0 or -errno. */
	int (*mmap)(struct inode *ino, bool shared_write);
	int (*fsync)(struct inode *ino, bool datasync);
	/* sync_file_range of [off, off+nbytes) (nbytes 0: to the end), Linux's flags (not 0).
	   NULL: nothing to write (the file is in guest memory). */
	int (*sync_range)(struct inode *ino, uint64_t off, uint64_t nbytes, unsigned flags);
	int (*statfs)(struct inode *ino, struct vfs_statfs *st);
	/* Is the cached name dir/name still the inode ino? 0: yes; nonzero: look it up again. */
	int (*revalidate)(struct inode *dir, const char *name, size_t len, struct inode *ino);
	/* The marks on ino (vfs/fsnotify.h) now want the FS_* events in mask (0: none any more):
	   the filesystem reports the changes made behind the guest's back through
	   fsnotify_host_event. 0, or -errno (-ENOSPC: no room for one more watch). */
	int (*watch)(struct inode *ino, uint32_t mask);
};

struct superblock {
	uint64_t dev;
	const char *type;
	unsigned flags;         /* SB_RDONLY, SB_POSIXACL */
	void *priv;
};
#define SB_RDONLY 1
#define SB_POSIXACL 2           /* inodes may carry POSIX ACLs (vfs/acl.h) */

#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#define F_SEAL_FUTURE_WRITE 16

struct inode {
	uint64_t ino;
	uint32_t mode, uid, gid, nlink;
	uint64_t size, rdev, blocks;
	struct timespec64 atime, mtime, ctime;
	const struct inode_ops *ops;
	struct superblock *sb;
	int refs;
	void *priv;
	uint64_t contig_pa;     /* nonzero: the whole content is contiguous guest memory here */
	void *pipe;             /* a FIFO's pipe while it is open */
	uint32_t seals;         /* F_SEAL_* (memfd) */
	int writecount;         /* regular file: open descriptions that may write (execve: ETXTBSY) */
	struct vfs_acl *acl[2]; /* access and default ACL (vfs/acl.h), owned; NULL: none */
	struct fsnotify_mark *marks;    /* inotify watches, dnotify (vfs/fsnotify.h) */
	/* The dentries naming it (cached or unlinked) and the last one made, kept by dcache.c
	   (alias NULL once that one is freed): hostfs finds what it has cached of a directory the
	   host changed through them. */
	struct dentry *alias;
	uint32_t dentries;
};

struct mount;

struct dentry {
	struct dentry *parent;  /* itself for a filesystem root; kept (referenced) once unlinked */
	struct dentry *child, *sibling;
	struct dentry *hnext;   /* the name hash chain (parent, name) */
	struct inode *inode;
	struct mount *mounted;  /* a filesystem mounted on this dentry */
	int refs;
	uint8_t len;
	/* Its name was removed (unlink, rmdir, renamed over): out of the cache, yet parent and name
	   stay what they were, as Linux's d_unlinked dentry: events of an open file still go to that
	   directory, and /proc names it "PATH (deleted)". */
	bool unlinked;
	char name[NAME_MAX + 1];
};

struct mount {
	struct superblock *sb;
	struct dentry *root;            /* the mounted filesystem's root */
	struct dentry *mountpoint;      /* where it sits in the parent mount */
	struct mount *parent;           /* NULL for the root mount */
	char fstype[16];
	char where[64];                 /* for /proc/mounts */
	struct mount *next;             /* list of all mounts */
};

/* Root and working directory of the process (shared by threads later). */
struct fs_context {
	struct path root, cwd;
	uint32_t umask;
	int users;              /* processes sharing it (CLONE_FS); 0 counts as one */
};

/* Lookup flags. */
#define LOOKUP_FOLLOW 0x1       /* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 0x2    /* the last component must be a directory */
#define LOOKUP_EMPTY 0x4        /* "" names the starting directory (AT_EMPTY_PATH) */
#define LOOKUP_NO_SYMLINKS 0x10 /* openat2 RESOLVE_NO_SYMLINKS: any symlink is ELOOP */
#define LOOKUP_BENEATH 0x20     /* openat2 RESOLVE_BENEATH: never leave the start (EXDEV) */
#define LOOKUP_NO_XDEV 0x40     /* openat2 RESOLVE_NO_XDEV: never cross a mount (EXDEV) */

/* Inodes and dentries. */
struct inode *inode_new(struct superblock *sb, uint32_t mode, const struct inode_ops *ops);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino);
struct dentry *dentry_new_root(struct inode *ino);
void dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);
void path_get(const struct path *p);
void path_put(struct path *p);

/* Mounts: attaches sb's root inode at the directory p (or as the root mount when p is NULL). */
struct mount *vfs_mount(struct superblock *sb, struct inode *root, const struct path *p,
			const char *fstype, const char *where);
extern struct mount *vfs_mounts;

/* Path walk. start: the directory relative paths begin at. Returns 0 and a referenced path. */
int vfs_lookup(const struct fs_context *fs, const struct path *start, const char *name,
	       unsigned flags, struct path *out);
/* Walks to the parent of the last component, which last and len then name (it may be "." or
   ".."; callers decide). Trailing slashes are reported through trailing_slash. */
int vfs_lookup_parent(const struct fs_context *fs, const struct path *start, const char *name,
		      struct path *parent, const char **last, size_t *len, bool *trailing_slash);
/* Moves p onto whatever is mounted on it (the path of a mount point is the mounted root). */
void vfs_follow_mounts(struct path *p);
/* vfs_lookup_parent with LOOKUP_NO_SYMLINKS/BENEATH/NO_XDEV restrictions for the walk. */
int vfs_lookup_parent_ex(const struct fs_context *fs, const struct path *start, const char *name,
			 unsigned lflags, struct path *parent, const char **last, size_t *len,
			 bool *trailing_slash);
/* Finds a child dentry of dir by name (cached or via the filesystem). */
int vfs_child(struct dentry *dir, const char *name, size_t len, struct dentry **out);
/* The name (dir, name) was removed (unlink, rmdir, or changed behind the cache's back): its
   dentry leaves the cache and is marked unlinked; it is freed at its last put. */
void vfs_forget(struct dentry *dir, const char *name, size_t len);
/* The cached dentry of name in the directory inode dir (reached through its alias), or NULL;
   no reference is taken. */
struct dentry *vfs_cached_child(struct inode *dir, const char *name, size_t len);
/* rename moved (odir, oname) to (ndir, nname), as Linux's d_move: the cached dentry of the old
   name takes the new one (open files follow it) and the one it replaced is forgotten; exchange
   (RENAME_EXCHANGE) swaps the two instead. Names not cached are left to the next lookup. */
void vfs_move(struct dentry *odir, const char *oname, size_t olen, struct dentry *ndir,
	      const char *nname, size_t nlen, bool exchange);
/* The absolute path of p as seen from root, into buf. Returns its length or -ERANGE. */
int64_t vfs_path_name(const struct fs_context *fs, const struct path *p, char *buf, size_t size);

/* Opens a file (flags are Linux's O_*); mode for O_CREAT. Returns a referenced struct file. */
int vfs_open(const struct fs_context *fs, const struct path *start, const char *name, int flags,
	     uint32_t mode, struct file **out);
/* vfs_open with walk restrictions (LOOKUP_NO_SYMLINKS/BENEATH/NO_XDEV), for openat2. */
int vfs_open_ex(const struct fs_context *fs, const struct path *start, const char *name, int flags,
		uint32_t mode, unsigned lflags, struct file **out);
/* A struct file for an inode that is already resolved. */
int vfs_open_path(const struct path *p, int flags, struct file **out);
/* Fills st from an inode. */
void vfs_stat_inode(const struct inode *ino, struct stat *st);
/* Permission check for the current credentials: mask of 4 (r), 2 (w), 1 (x). */
int vfs_permission(const struct inode *ino, int mask);
/* Before a write or a truncate of a regular file (Linux's file_remove_privs): its set-user-ID
   bit goes, and set-group-ID when group-executable or the writer is outside the group, unless
   the writer has CAP_FSETID; its file capabilities (security.capability) go whoever writes.
   0 or -errno. */
int vfs_remove_privs(struct inode *ino);
/* The time stamp file systems put on changes. */
struct timespec64 vfs_now(void);
/* Applies a's mode, owner and times to an in-memory inode (not the size) and sets its ctime. */
void vfs_setattr_basic(struct inode *ino, const struct iattr *a);

/* Filesystems. */
struct inode *tmpfs_new(uint64_t dev, const void *image, uint64_t image_len, uint64_t image_gpa,
			const char **why);
/* An unnamed regular file whose content is size bytes of contiguous guest memory at pa. */
struct inode *tmpfs_contig_inode(struct superblock *sb, uint64_t pa, uint64_t size, uint32_t mode);

/* File operations for regular files and directories opened through the VFS. */
extern const struct file_ops vfs_file_ops;
struct file *file_inode_new(const struct path *p, int flags);
static inline struct inode *file_inode(const struct file *f) { return f->path.d ? f->path.d->inode : NULL; }
/* Writes back every file's pages changed through shared mappings (the VM is about to end). */
void vfs_writeback_all(void);
#endif
