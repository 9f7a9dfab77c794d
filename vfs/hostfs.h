/* hostfs: a host directory (a volume, or the --rootfs root) reached through the monitor's file
   hypercalls. Each inode holds one monitor handle; names and attributes come from the host on
   every lookup and stat, data on every read and write (no data cache but the pages mapped into
   programs). hostfs.c: the filesystem and directories; hostfs_file.c: file contents;
   hostfs_notify.c: changes the host makes to watched files, as fsnotify events. */
#ifndef VFS_HOSTFS_H
#define VFS_HOSTFS_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "vfs/textpage.h"

struct inode;
struct superblock;
struct vfs_statfs;
struct unik_hc_fs_attr;

/* The root of a new hostfs over the monitor's directory handle (sb_flags: SB_RDONLY for a
   read-only volume). NULL with *why set. */
struct inode *hostfs_new(uint64_t dev, uint32_t handle, unsigned sb_flags, const char **why);

/* ---- internals shared by hostfs.c and hostfs_file.c ---- */

struct hostfs_node {
	uint32_t handle;                /* the monitor's handle of the file */
	/* The monitor may hold the host file open for writing (a create, a write, a truncate
	   since the last hostfs_writers_idle): only then is there anything for it to drop. */
	bool host_writable;
	uint64_t checked_ns;            /* when its name was last found to lead to it */
	/* Pages read for mappings (program segments, mmap): a two-level table of guest-physical
	   addresses (NULL: none). Kept until the inode goes, updated by the guest's own writes. */
	uint64_t *pages;
	/* Pages given to shared writable mappings (slot bit HOSTFS_DIRTY): written back to the host
	   at msync, fsync, a read, the mapping's end and the VM's end. */
	uint64_t ndirty;
	struct inode *dirty_next;       /* the list of inodes with such pages */
	struct text_pages text;         /* shared text pages, copied from the cached ones */
	/* Host changes (hostfs_notify.c): the monitor's watch number while the host file is
	   watched (0: not), what the monitor was asked for, the next inode of its hash chain. */
	int32_t wd;
	uint32_t watch_mask;
	struct inode *wd_next;
	bool stale;                     /* the host changed the contents: pages are read again */
};

struct hostfs_sb {
	bool chown_refused;             /* the monitor may not give files away: stop trying */
};

/* Takes the changes the host reported for watched files (boot_info->fs_events says some wait)
   and turns them into fsnotify events, making stale what the guest cached of them. */
void hostfs_events_take(void);

/* Takes the host's attributes into the inode. */
void hostfs_attr_apply(struct inode *ino, const struct unik_hc_fs_attr *a);
int hostfs_getattr(struct inode *ino);

/* File contents (hostfs_file.c). */
int64_t hostfs_read(struct inode *ino, void *buf, size_t len, uint64_t off);
int64_t hostfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off);
uint64_t hostfs_page(struct inode *ino, uint64_t pgoff, bool write);
int hostfs_mmap(struct inode *ino, bool shared_write);
int hostfs_writeback(struct inode *ino);
/* No open file may write ino any more: the monitor drops its write access to the host file
   (hc_fs_close_writers), so the host can execute it. */
void hostfs_writers_idle(struct inode *ino);
uint64_t hostfs_text_page(struct inode *ino, uint64_t pgoff, int use);
bool hostfs_is_text_page(struct inode *ino, uint64_t pgoff, uint64_t pa);
struct iattr;
int hostfs_setattr(struct inode *ino, const struct iattr *a);
int hostfs_fsync(struct inode *ino, bool datasync);
int hostfs_sync_range(struct inode *ino, uint64_t off, uint64_t nbytes, unsigned flags);
int hostfs_statfs(struct inode *ino, struct vfs_statfs *st);
/* Frees the cached pages. */
void hostfs_free_pages(struct inode *ino);

/* Host changes (hostfs_notify.c). inode_ops.watch. */
int hostfs_watch(struct inode *ino, uint32_t mask);
/* The inode goes: it leaves the watch table (the monitor's watch goes with the handle). */
void hostfs_watch_release(struct inode *ino);
/* Names cached before this (monotonic ns) are checked again at their next lookup. */
extern uint64_t hostfs_names_epoch;
/* The listing kept for dir (hostfs.c) is read again from the host. */
void hostfs_list_forget(struct inode *dir);
/* The host changed the file's contents: cached pages are read again before their next use. */
void hostfs_stale(struct inode *ino);
#endif
