/* Internals of the volume hypercalls, shared by hc_file.c (the handle table, names, directory
   changes), hc_file_io.c (attributes, data, listings), hc_file_xattr.c (extended attributes)
   and hc_file_notify.c (host changes of watched files). */
#ifndef MONITOR_HC_FILE_H
#define MONITOR_HC_FILE_H
#include <stdbool.h>
#include <stddef.h>
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
	uint32_t watch;         /* its host watch (index + 1 in hc_file.notify.w), 0: none */
	uint32_t watch_mask;    /* the IN_* events the guest asked of this handle */
	uint32_t watch_prev;    /* the handles of the same host watch (0: none) */
	uint32_t watch_next;
};

/* One host inotify watch: one host file, watched for every handle of it the guest watches. */
struct hc_notify_watch {
	int wd;                 /* the host's watch descriptor; -1: entry free */
	uint32_t mask;          /* what the host was asked for: the handles' masks or'ed */
	uint32_t first;         /* a handle of it (the others chained by watch_prev/next) */
	uint32_t wanting[12];   /* handles wanting each IN_* event bit, for the union in O(1) */
	uint32_t hnext;         /* the next entry of its wd hash chain (index + 1), 0: the last */
	dev_t dev;              /* the host file */
	ino_t ino;
};

#define HC_NOTIFY_HASH 1024u    /* wd hash chains */
#define HC_NOTIFY_TOUCH 8u      /* files one call may touch and have its events recognised */
#define HC_NOTIFY_QUEUE (1u << 20)      /* bytes of records queued, at most */

/* Host changes (hc_file_notify.c): the host inotify instance, its watches, the records queued
   for the guest, and what the file call now running touches (its own events are not the
   host's changes). */
struct hc_file_notify {
	int fd;                         /* non-blocking inotify instance; -1 before the first watch */
	struct hc_notify_watch *w;      /* entries (capw allocated); wd -1 marks a free one */
	uint32_t nw, capw, max;         /* entries in use, allocated, allowed */
	uint32_t hash[HC_NOTIFY_HASH];  /* wd -> entry (index + 1), chained by hnext */
	uint8_t *q;                     /* records, from qstart to qend, qcap bytes allocated */
	size_t qstart, qend, qcap;
	size_t qlast;                   /* the last record, for merging; SIZE_MAX: none to merge */
	uint32_t qcount, max_events;    /* records queued; allowed (then one overflow record) */
	bool overflow;                  /* an overflow record is queued: nothing more until taken */
	/* The call running (hc_file_notify_begin .. _end): the host files it touched (handles it
	   used, names it changed and what they named); touched_all when more than fit. */
	bool in_call, touched_all;
	uint32_t ntouched, nnames;
	struct {
		dev_t dev;
		ino_t ino;
		char name[UNIK_FS_NAME_MAX + 1];        /* the name the host gives it; "": none */
	} touched[HC_NOTIFY_TOUCH];
	struct { dev_t dev; ino_t ino; char name[UNIK_FS_NAME_MAX + 1]; } names[2];
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
	struct hc_file_notify notify;
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
int hc_file_drop_writers(struct hc_file *hf, struct hc_file_handle *h);
/* A host fd of the handle open for reading (or for writing too, if write), or -errno. Regular
   files and directories only: nothing else is ever opened, so a FIFO or device cannot block or
   touch the monitor. */
int hc_file_io_fd(struct hc_file *hf, struct hc_file_handle *h, bool write);
/* Closes the handle's I/O fd, if any. */
void hc_file_io_close(struct hc_file *hf, struct hc_file_handle *h);
void hc_file_attr(const struct stat *st, struct unik_hc_fs_attr *a);

/* Host changes (hc_file_notify.c). */
void hc_file_notify_init(struct hc_file *hf);
void hc_file_notify_free(struct hc_file *hf);
/* Handle h is being used, or an fd of it opened or closed, by the call running: the host's
   events about its file are the call's own. Nothing while no watch exists. */
void hc_file_notify_touch(struct hc_file *hf, const struct hc_file_handle *h);
/* The call running changes the entry name of directory dir (created, removed, renamed). */
void hc_file_notify_name(struct hc_file *hf, const struct hc_file_handle *dir, const char *name);
/* Handle n is closing: its watch goes. */
void hc_file_notify_forget(struct hc_file *hf, uint32_t n);
/* Queues the host events in buf (len bytes, as read from the inotify fd), leaving out the
   running call's own when filter; returns false when buf is malformed (the rest is dropped). */
bool hc_file_notify_parse(struct hc_file *hf, const uint8_t *buf, size_t len, bool filter);
#endif
