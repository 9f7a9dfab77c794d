/* The one place in the guest that issues hypercalls (see include/unik/abi.h). */
#ifndef K_HC_H
#define K_HC_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "unik/abi.h"

/* Writes len bytes of kernel memory to host fd 1 or 2. Returns bytes written or -errno. */
int64_t hc_write(int fd, const void *buf, size_t len);
/* Reads up to len bytes from host stdin into kernel memory. Returns bytes or -errno. */
int64_t hc_read(void *buf, size_t len);
/* Host CLOCK_REALTIME and CLOCK_MONOTONIC in ns. */
void hc_clock(int64_t *realtime, int64_t *monotonic);
/* Blocks the VM for ns nanoseconds. 0, or -EINTR if the host cut it short. */
int64_t hc_sleep(int64_t ns);
/* Waits up to timeout_ns (< 0: without limit) until one of host fds 0, 1, 2 is ready for the
   POLL* events asked (0: not asked). Returns how many are ready (revents filled in), 0, or
   -EINTR if the host cut it short. */
int64_t hc_poll(const uint32_t events[3], uint32_t revents[3], int64_t timeout_ns);
/* Sets the host terminal's modes (-t): TCSETS, TCSETSW, TCSETSF as how 0, 1, 2. 0 or -errno. */
int64_t hc_tty(uint32_t how, const uint8_t termios[36]);
/* The NIC (net/nic_netif.c): hands the monitor the ring area described by s (which must live
   in kernel memory below 4 GiB); s->ret. */
int64_t hc_net_setup(struct unik_hc_net_setup *s);
/* Wakes the monitor's net thread for frames queued in the TX ring. */
void hc_net_kick(void);
/* The never-used memory frontier (boot_info->mem_bump) nears boot_info->mem_ahead: asks the
   monitor to populate further, in the background. */
void hc_mem_ahead(void);
/* Tells the monitor which address families (UNIK_NET_PUBLISH_*; 0: none) the guest now serves
   on port of proto (6 TCP, 17 UDP), for it to publish on the host. 0 or -errno (see struct
   unik_hc_net_publish). */
int64_t hc_net_publish(uint32_t proto, uint16_t port, uint32_t families);
/* Ends the VM; `unik run` exits with status. */
__attribute__((noreturn)) void hc_exit(int status);

/* Volumes (vfs/hostfs.c): the file protocol over the monitor's handles. Names are one component
   of len bytes; the monitor resolves nothing else. All return 0 (or bytes) or -errno. */
/* The file name under directory handle dir: a new handle and its attributes. */
int hc_fs_lookup(uint32_t dir, const char *name, size_t len, uint32_t *h,
		 struct unik_hc_fs_attr *attr);
/* The attributes of dir/name (not followed), without a handle. */
int hc_fs_stat_name(uint32_t dir, const char *name, size_t len, struct unik_hc_fs_attr *attr);
/* Makes a directory (S_IFDIR in mode), regular file, FIFO or socket; returns it as lookup. */
int hc_fs_create(uint32_t dir, const char *name, size_t len, uint32_t mode, uint32_t *h,
		 struct unik_hc_fs_attr *attr);
int hc_fs_symlink(uint32_t dir, const char *name, size_t len, const char *target, uint32_t *h,
		  struct unik_hc_fs_attr *attr);
/* Gives file h the additional name dir/name. */
int hc_fs_link(uint32_t h, uint32_t dir, const char *name, size_t len);
/* unlink (is_dir false) or rmdir of dir/name. */
int hc_fs_remove(uint32_t dir, const char *name, size_t len, bool is_dir);
/* flags: UNIK_FS_RENAME_*. */
int hc_fs_rename(uint32_t olddir, const char *oldname, size_t oldlen, uint32_t newdir,
		 const char *newname, size_t newlen, unsigned flags);
int hc_fs_getattr(uint32_t h, struct unik_hc_fs_attr *attr);
/* in: the handle and the changes; *attr: the attributes afterwards. */
int hc_fs_setattr(const struct unik_hc_fs_setattr *in, struct unik_hc_fs_attr *attr);
/* pread/pwrite of kernel memory (any length: split into calls); *size (may be NULL): the file's
   size the monitor saw. Reads stop at the end of the file. */
int64_t hc_fs_read(uint32_t h, void *buf, size_t len, uint64_t off, uint64_t *size);
int64_t hc_fs_write(uint32_t h, const void *buf, size_t len, uint64_t off, uint64_t *size);
/* hc_fs_read into guest-physical memory [pa, pa+len). */
int64_t hc_fs_read_phys(uint32_t h, uint64_t pa, size_t len, uint64_t off, uint64_t *size);
/* Directory records (struct unik_hc_fs_dirent) from cookie on into buf (kernel memory): bytes,
   0 at the end; *next: the cookie after the last record. */
int64_t hc_fs_readdir(uint32_t h, void *buf, size_t len, uint64_t cookie, uint64_t *next);
/* A symlink's target (no NUL): its length, cut to len. */
int64_t hc_fs_readlink(uint32_t h, char *buf, size_t len);
int hc_fs_fsync(uint32_t h, bool datasync);
/* sync_file_range on the host (flags: UNIK_FS_SYNC_*). */
int hc_fs_sync_range(uint32_t h, uint64_t off, uint64_t nbytes, unsigned flags);
/* Releases handle h (the guest drops its last reference to the file). */
void hc_fs_close(uint32_t h);
/* The guest's last file that may write h is closed: the host may execute the file again. */
void hc_fs_close_writers(uint32_t h);
int hc_fs_statfs(uint32_t h, struct unik_hc_fs_statfs *out);
/* Extended attributes of file h (struct unik_hc_fs_xattr says which reach the host). buf: kernel
   memory of len bytes. get and list: the bytes of the value or of the NUL-terminated names (len
   0: only their length), -ERANGE when len is too small. set: flags UNIK_FS_XATTR_*. */
int64_t hc_fs_getxattr(uint32_t h, const char *name, void *buf, size_t len);
int64_t hc_fs_listxattr(uint32_t h, char *buf, size_t len);
int hc_fs_setxattr(uint32_t h, const char *name, const void *value, size_t len, unsigned flags);
int hc_fs_removexattr(uint32_t h, const char *name);
/* Asks the monitor to report the host's changes of file h for the IN_* events in mask (0: no
   more): the watch number (shared by the handles of one host file), 0, or -errno. */
int64_t hc_fs_watch(uint32_t h, uint32_t mask);
/* Takes the host changes reported (struct unik_hc_fs_event records) into buf (kernel memory):
   the bytes of whole records, 0 when none waits. */
int64_t hc_fs_events(void *buf, size_t len);
#endif
