/* Internals of the volume hypercalls, shared by hc_file.c (the handle table, names, directory
   changes), hc_file_io.c (attributes, data, listings) and hc_file_xattr.c (extended
   attributes). */
#ifndef MONITOR_HC_FILE_H
#define MONITOR_HC_FILE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "monitor/hc.h"

#define HC_FILE_MAX_HANDLES 65536u      /* open handles per VM, at most */
#define HC_FILE_IO_FDS 64u              /* host fds opened for I/O kept per VM (LRU) */
#define HC_FILE_DBUF (64u << 10)        /* getdents64 buffer; the host's xattr names */

struct hc_file_handle {
	int fd;                 /* the file itself: O_PATH, or the fd CREATE opened; -1: free */
	int fd_acc;             /* access mode of fd when it is not O_PATH (else -1) */
	int io_fd;              /* the file opened for I/O (an LRU slot), or -1 */
	int io_acc;             /* O_RDONLY or O_RDWR ... of io_fd */
	uint32_t io_slot;       /* index in hc_file.io when io_fd >= 0 */
	uint32_t vol;           /* the volume it lies in */
	uint32_t type;          /* S_IFMT bits (fixed: the fd names one inode) */
	bool root;              /* a volume's root: the guest cannot close it */
};

struct hc_file {
	struct hc_file_handle *h;       /* h[n] is handle n; h[0] is never valid */
	uint32_t cap;                   /* entries allocated in h */
	uint32_t max;                   /* handles allowed */
	uint32_t used;                  /* handles in use */
	uint32_t hint;                  /* where the search for a free entry starts */
	struct {
		bool ro;
	} vol[UNIK_MAX_VOLUMES];
	uint32_t nvol;
	struct {
		uint32_t handle;        /* 0: slot free */
		uint64_t used;          /* LRU stamp */
	} io[HC_FILE_IO_FDS];
	uint64_t clock;
	uint8_t *dbuf;                  /* HC_FILE_DBUF bytes for getdents64 and listxattr */
	/* The open directory the last listing read (hc_fs_readdir), kept while the next one
	   continues it: -1, or list_handle's directory positioned at list_pos. */
	int list_fd;
	uint32_t list_handle;
	uint64_t list_pos;
};

/* Closes the listing fd kept for handle n, if any (the handle goes). */
void hc_file_list_forget(struct hc_file *hf, uint32_t n);
/* The handle numbered n if it is in use, else NULL (any number the guest sends is checked
   here). */
struct hc_file_handle *hc_file_get(struct hc_ctx *ctx, uint32_t n);
/* Enters fd (which it takes over: closed on failure) as a new handle of volume vol for a file
   of the given type (S_IFMT bits); fd_acc is its access mode or -1 for O_PATH. Returns the
   handle number, or -ENFILE when the VM has as many as allowed. */
int64_t hc_file_new_handle(struct hc_file *hf, int fd, int fd_acc, uint32_t vol, uint32_t type);
/* Is the handle's volume read-only? */
bool hc_file_ro(const struct hc_file *hf, const struct hc_file_handle *h);
/* A host fd of the handle open for reading (or for writing too, if write), or -errno. Regular
   files and directories only: nothing else is ever opened, so a FIFO or device cannot block or
   touch the monitor. */
int hc_file_io_fd(struct hc_file *hf, struct hc_file_handle *h, bool write);
/* Closes the handle's I/O fd, if any. */
void hc_file_io_close(struct hc_file *hf, struct hc_file_handle *h);
void hc_file_attr(const struct stat *st, struct unik_hc_fs_attr *a);
#endif
