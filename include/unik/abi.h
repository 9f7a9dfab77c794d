/* The host<->guest contract: hypercall numbers and argument structs, boot info, kernel header.
   C99 + stdint only. Guest pointers are guest-physical addresses (unik_gpa_t) so host code cannot
   dereference them by accident. Structs only grow by appending; sizes are pinned below. */
#ifndef UNIK_ABI_H
#define UNIK_ABI_H
#define UNIK_ABI_VERSION 2u

/* Fixed guest-physical layout the monitor and the kernel agree on. */
#define UNIK_BOOT_INFO_GPA   0x1000ull
#define UNIK_KERNEL_GPA      0x200000ull   /* the kernel image is loaded at its link address - KERNEL_VBASE */
#define UNIK_KERNEL_VBASE    0xffffffff80000000ull  /* kernel-half alias of guest-physical 0.. */
#define UNIK_DIRECT_VBASE    0xffff888000000000ull  /* direct map of all guest-physical memory */
#define UNIK_KERNEL_MAX      (64ull << 20)          /* the kernel image must fit below this GPA */
/* The root filesystem image starts at the first 1 GiB boundary above guest RAM. */
#define UNIK_ROOTFS_GPA(mem) (((mem) + (1ull << 30) - 1) & ~((1ull << 30) - 1))

/* Segment selectors: Linux's layout, so selectors agree with the host's where CPL3 runs natively. */
#define UNIK_SEL_KCODE 0x10
#define UNIK_SEL_KDATA 0x18
#define UNIK_SEL_UDATA 0x2b
#define UNIK_SEL_UCODE 0x33
#define UNIK_SEL_TSS   0x40

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint64_t unik_gpa_t;            /* guest-physical address */

/* Hypercalls: the guest writes the 32-bit guest-physical address of the argument struct with
   `outl` to port UNIK_HC_PORT_BASE + number. The struct lives below 4 GiB. */
#define UNIK_HC_PORT_BASE 0x500u
enum unik_hc {
	UNIK_HC_WRITE = 1,              /* struct unik_hc_io: write to host stdout/stderr */
	UNIK_HC_READ = 2,               /* struct unik_hc_io: read from host stdin */
	UNIK_HC_EXIT = 3,               /* struct unik_hc_exit: the VM is done */
	UNIK_HC_CLOCK = 4,              /* struct unik_hc_clock: host wall and monotonic time */
	/* Volumes (-v, --rootfs): a file protocol over host-side handles, see "Volumes" below. */
	UNIK_HC_FS_LOOKUP = 5,          /* struct unik_hc_fs_entry: name under dir -> new handle */
	UNIK_HC_FS_CREATE = 6,          /* struct unik_hc_fs_entry: regular file, FIFO or socket */
	UNIK_HC_FS_MKDIR = 7,           /* struct unik_hc_fs_entry */
	UNIK_HC_FS_SYMLINK = 8,         /* struct unik_hc_fs_entry (target) */
	UNIK_HC_FS_LINK = 9,            /* struct unik_hc_fs_entry: handle gets the name dir/name */
	UNIK_HC_FS_UNLINK = 10,         /* struct unik_hc_fs_entry */
	UNIK_HC_FS_RMDIR = 11,          /* struct unik_hc_fs_entry */
	UNIK_HC_FS_RENAME = 12,         /* struct unik_hc_fs_rename */
	UNIK_HC_FS_GETATTR = 13,        /* struct unik_hc_fs_handle */
	UNIK_HC_FS_SETATTR = 14,        /* struct unik_hc_fs_setattr: chmod/chown/utimes/truncate */
	UNIK_HC_FS_READ = 15,           /* struct unik_hc_fs_io: pread */
	UNIK_HC_FS_WRITE = 16,          /* struct unik_hc_fs_io: pwrite */
	UNIK_HC_FS_READDIR = 17,        /* struct unik_hc_fs_io: records (unik_hc_fs_dirent) */
	UNIK_HC_FS_READLINK = 18,       /* struct unik_hc_fs_io */
	UNIK_HC_FS_FSYNC = 19,          /* struct unik_hc_fs_handle (flags 1: fdatasync) */
	UNIK_HC_FS_CLOSE = 20,          /* struct unik_hc_fs_handle */
	UNIK_HC_FS_STATFS = 21,         /* struct unik_hc_fs_statfs */
	UNIK_HC_SLEEP = 22,             /* struct unik_hc_sleep: block the VM for a while */
	UNIK_HC_POLL = 23,              /* struct unik_hc_poll: wait for host fds 0, 1, 2 */
	UNIK_HC_TTY = 24,               /* struct unik_hc_tty: set the terminal's modes (-t) */
	/* The paravirtual NIC: shared rings in guest memory, see "Network" below. */
	UNIK_HC_NET_SETUP = 25,         /* struct unik_hc_net_setup: hand the monitor the ring area */
	UNIK_HC_NET_KICK = 26,          /* no argument (write 0): TX frames wait and tx_kick was set */
	UNIK_HC_NET_PUBLISH = 27,       /* struct unik_hc_net_publish: the guest listens on a port */
	/* Memory: no argument (write 0). The guest's never-used memory (boot info mem_bump) nears
	   mem_ahead: the monitor backs the next stretch with host memory, in the background. */
	UNIK_HC_MEM_AHEAD = 28,
	/* Volumes again: extended attributes of a file (user.* only), see "Volumes" below. */
	UNIK_HC_FS_GETXATTR = 29,       /* struct unik_hc_fs_xattr: a value, or its length */
	UNIK_HC_FS_LISTXATTR = 30,      /* struct unik_hc_fs_xattr: the names, or their length */
	UNIK_HC_FS_SETXATTR = 31,       /* struct unik_hc_fs_xattr */
	UNIK_HC_FS_REMOVEXATTR = 32,    /* struct unik_hc_fs_xattr */
	UNIK_HC_FS_SYNC_RANGE = 33,     /* struct unik_hc_fs_sync_range: sync_file_range */
	/* Volumes again: changes the host makes to watched files, see "Host changes" below. */
	UNIK_HC_FS_WATCH = 34,          /* struct unik_hc_fs_watch: report a file's host changes */
	UNIK_HC_FS_EVENTS = 35,         /* struct unik_hc_fs_events: take the changes reported */
	UNIK_HC_MAX = 36,
};

struct unik_hc_io {
	uint32_t fd;                    /* IN: 0 (read), 1 or 2 (write) */
	uint32_t _pad;
	unik_gpa_t buf;                 /* IN: guest buffer */
	uint64_t len;                   /* IN: bytes */
	int64_t ret;                    /* OUT: bytes done, or -errno (Linux values) */
};
_Static_assert(sizeof(struct unik_hc_io) == 32, "unik_hc_io size");

struct unik_hc_exit {
	int32_t status;                 /* IN: exit status of `unik run` (0..255) */
	uint32_t _pad;
};
_Static_assert(sizeof(struct unik_hc_exit) == 8, "unik_hc_exit size");

struct unik_hc_clock {
	int64_t realtime_ns;            /* OUT: CLOCK_REALTIME */
	int64_t monotonic_ns;           /* OUT: CLOCK_MONOTONIC */
};
_Static_assert(sizeof(struct unik_hc_clock) == 16, "unik_hc_clock size");

/* Volumes. The monitor holds the host side of every file the guest knows as a handle (a 32-bit
   number it checks on every call); volume roots are handles listed in the boot info. Names are
   one path component (no '/', no NUL, not "." or "..", at most 255 bytes), looked up under a
   directory handle without following symlinks: the guest resolves symlinks and ".." itself, so
   nothing it asks for can leave the shared directory. A read-only volume refuses every change
   with -EROFS. Every call answers in `ret`: 0 or bytes, or -errno (Linux values). */
#define UNIK_FS_NAME_MAX 255u
#define UNIK_FS_PATH_MAX 4096u          /* symlink targets: shorter than this */
#define UNIK_FS_IO_MAX (1u << 20)       /* bytes per READ, WRITE or READDIR; more is cut short */

/* Attributes of a host file, as stat(2) gives them. */
struct unik_hc_fs_attr {
	uint64_t ino, size, blocks, rdev, nlink;
	uint32_t mode, uid, gid, _pad;
	int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};
_Static_assert(sizeof(struct unik_hc_fs_attr) == 104, "unik_hc_fs_attr size");

#define UNIK_FS_LOOKUP_STAT 1u          /* LOOKUP: only the attributes, no handle (handle 0) */
struct unik_hc_fs_entry {
	uint32_t dir;                   /* IN: directory handle */
	uint32_t handle;                /* IN: LINK: the file to link; OUT: LOOKUP, CREATE, MKDIR,
					   SYMLINK: the new handle */
	unik_gpa_t name;                /* IN: one component, name_len bytes (no NUL needed) */
	uint32_t name_len;              /* IN */
	uint32_t mode;                  /* IN: CREATE (file type and permissions), MKDIR;
					   LOOKUP: 0, or UNIK_FS_LOOKUP_STAT */
	unik_gpa_t target;              /* IN: SYMLINK: the target, target_len bytes */
	uint32_t target_len;            /* IN */
	uint32_t _pad;
	int64_t ret;                    /* OUT */
	struct unik_hc_fs_attr attr;    /* OUT: LOOKUP, CREATE, MKDIR, SYMLINK: the new file's */
};
_Static_assert(sizeof(struct unik_hc_fs_entry) == 152, "unik_hc_fs_entry size");

#define UNIK_FS_RENAME_NOREPLACE 1u     /* Linux's RENAME_NOREPLACE */
#define UNIK_FS_RENAME_EXCHANGE 2u      /* Linux's RENAME_EXCHANGE */
struct unik_hc_fs_rename {
	uint32_t olddir, newdir;        /* IN: directory handles (of the same volume) */
	unik_gpa_t oldname, newname;    /* IN: one component each */
	uint32_t oldlen, newlen;        /* IN */
	uint32_t flags;                 /* IN: UNIK_FS_RENAME_* */
	uint32_t _pad;
	int64_t ret;                    /* OUT */
};
_Static_assert(sizeof(struct unik_hc_fs_rename) == 48, "unik_hc_fs_rename size");

struct unik_hc_fs_handle {
	uint32_t handle;                /* IN */
	uint32_t flags;                 /* IN: FSYNC: 1 for fdatasync; CLOSE: UNIK_FS_CLOSE_WRITERS */
	int64_t ret;                    /* OUT */
	struct unik_hc_fs_attr attr;    /* OUT: GETATTR */
};
_Static_assert(sizeof(struct unik_hc_fs_handle) == 120, "unik_hc_fs_handle size");
/* CLOSE with this flag keeps the handle and drops only what the monitor holds open for writing:
   the guest's last open file that could write it is gone, so the host may execute the file
   again (a host file open for writing is ETXTBSY to execve). */
#define UNIK_FS_CLOSE_WRITERS 1u

/* sync_file_range(2) of a regular file on the host: start writing [offset, offset+nbytes) out
   (nbytes 0: to the end) and/or wait for it, as Linux's SYNC_FILE_RANGE_* flags ask. */
#define UNIK_FS_SYNC_WAIT_BEFORE 1u
#define UNIK_FS_SYNC_WRITE 2u
#define UNIK_FS_SYNC_WAIT_AFTER 4u
struct unik_hc_fs_sync_range {
	uint32_t handle;                /* IN */
	uint32_t flags;                 /* IN: UNIK_FS_SYNC_* */
	uint64_t offset, nbytes;        /* IN: offset and offset+nbytes at most INT64_MAX */
	int64_t ret;                    /* OUT */
};
_Static_assert(sizeof(struct unik_hc_fs_sync_range) == 32, "unik_hc_fs_sync_range size");

#define UNIK_FS_SET_MODE 0x1u
#define UNIK_FS_SET_UID 0x2u
#define UNIK_FS_SET_GID 0x4u
#define UNIK_FS_SET_SIZE 0x8u
#define UNIK_FS_SET_ATIME 0x10u
#define UNIK_FS_SET_MTIME 0x20u
struct unik_hc_fs_setattr {
	uint32_t handle;                /* IN */
	uint32_t valid;                 /* IN: UNIK_FS_SET_* */
	uint32_t mode, uid, gid;        /* IN: permission bits (07777), owner */
	uint32_t _pad;
	uint64_t size;                  /* IN: truncate to (regular files) */
	int64_t atime_sec, atime_nsec;  /* IN: nsec may be Linux's UTIME_NOW */
	int64_t mtime_sec, mtime_nsec;
	int64_t ret;                    /* OUT */
	struct unik_hc_fs_attr attr;    /* OUT: attributes after the change */
};
_Static_assert(sizeof(struct unik_hc_fs_setattr) == 176, "unik_hc_fs_setattr size");

struct unik_hc_fs_io {
	uint32_t handle;                /* IN */
	uint32_t _pad;
	unik_gpa_t buf;                 /* IN: guest buffer */
	uint64_t len;                   /* IN: bytes (at most UNIK_FS_IO_MAX are done) */
	uint64_t off;                   /* IN: file offset; READDIR: cookie, 0 for the start */
	int64_t ret;                    /* OUT: bytes done or -errno; READDIR: bytes of records,
					   0 at the end of the directory */
	uint64_t next;                  /* OUT: READDIR: the cookie after the last record */
	uint64_t size;                  /* OUT: READ, WRITE: the file's size after the call */
};
_Static_assert(sizeof(struct unik_hc_fs_io) == 56, "unik_hc_fs_io size");

/* READDIR records in the guest buffer, each 8-byte aligned: this header, then the name and a
   NUL; reclen covers all of it. */
struct unik_hc_fs_dirent {
	uint64_t ino;
	uint64_t next;                  /* cookie that resumes after this entry */
	uint16_t reclen;
	uint8_t type;                   /* DT_* */
	uint8_t name_len;
	uint32_t _pad;
};
_Static_assert(sizeof(struct unik_hc_fs_dirent) == 24, "unik_hc_fs_dirent size");

struct unik_hc_fs_statfs {
	uint32_t handle;                /* IN */
	uint32_t _pad;
	int64_t ret;                    /* OUT; the rest as statfs(2) gives them */
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};
_Static_assert(sizeof(struct unik_hc_fs_statfs) == 96, "unik_hc_fs_statfs size");

/* Extended attributes of the file a handle names (a symlink's own: the guest resolves links).
   Only names in the user.* namespace reach the host, whose monitor may run as root: anything
   else is absent to GETXATTR (-ENODATA), left out of LISTXATTR and refused by SETXATTR and
   REMOVEXATTR (-EOPNOTSUPP), so a guest never sets security.capability, trusted.* or an ACL on
   a host file. As on Linux, user.* exists only on regular files and directories: elsewhere
   -ENODATA to GETXATTR and -EPERM to changes. A read-only volume refuses changes with -EROFS.
   Other errors are the host's (-EOPNOTSUPP where its filesystem keeps no user xattrs). */
#define UNIK_FS_XATTR_MAX 65536u        /* a value, or a list of names: Linux's XATTR_SIZE_MAX */
#define UNIK_FS_XATTR_CREATE 1u         /* SETXATTR: Linux's XATTR_CREATE (-EEXIST if present) */
#define UNIK_FS_XATTR_REPLACE 2u        /* SETXATTR: Linux's XATTR_REPLACE (-ENODATA if absent) */
struct unik_hc_fs_xattr {
	uint32_t handle;                /* IN */
	uint32_t flags;                 /* IN: SETXATTR: UNIK_FS_XATTR_*; otherwise 0 */
	unik_gpa_t name;                /* IN: GET, SET, REMOVE: name_len bytes (no NUL needed) */
	uint32_t name_len;              /* IN: 1 .. UNIK_FS_NAME_MAX (-ERANGE otherwise) */
	uint32_t _pad;
	unik_gpa_t buf;                 /* IN: SET: the value; GET: room for it; LIST: room for the
					   names, each followed by a NUL */
	uint64_t len;                   /* IN: bytes at buf. GET, LIST: 0 asks only for the length,
					   more than UNIK_FS_XATTR_MAX counts as that much; SET:
					   -E2BIG above UNIK_FS_XATTR_MAX */
	int64_t ret;                    /* OUT: GET, LIST: bytes (-ERANGE when len is too small);
					   SET, REMOVE: 0; or -errno */
};
_Static_assert(sizeof(struct unik_hc_fs_xattr) == 48, "unik_hc_fs_xattr size");

/* Host changes. The guest asks the monitor to watch the host file behind a handle (the inode the
   handle names, through a host inotify watch: never a path, so never anything outside the volume)
   for Linux's IN_* event bits. Changes made by anyone but the monitor itself then queue up in the
   monitor as records the guest takes with UNIK_HC_FS_EVENTS; the monitor sets fs_events in the
   boot info while any wait, and a SLEEP or POLL ends early for them (UNIK_HC_WAKE_FS). What the
   monitor does for the guest's own calls is not reported: the guest reports its changes itself.
   Handles of one host file share one watch number. Records for a watch number the guest no longer
   watches may still come and are to be dropped. */
#define UNIK_FS_WATCH_EVENTS 0xfffu     /* IN_ACCESS .. IN_DELETE_SELF | IN_MOVE_SELF */
#define UNIK_FS_WATCH_MAX 16384u        /* watched host files per VM: then -ENOSPC */
#define UNIK_FS_EVENTS_MAX 16384u       /* records queued per VM: then one overflow record */
struct unik_hc_fs_watch {
	uint32_t handle;                /* IN */
	uint32_t mask;                  /* IN: UNIK_FS_WATCH_EVENTS bits the guest wants; 0: no
					   more (the last watch of a host file removes it) */
	int64_t ret;                    /* OUT: the watch number (> 0), 0 when stopped, or -errno:
					   -EBADF, -EINVAL (other bits), -ENOSPC (UNIK_FS_WATCH_MAX
					   or the host's limit), the host's (-EACCES) */
};
_Static_assert(sizeof(struct unik_hc_fs_watch) == 16, "unik_hc_fs_watch size");

struct unik_hc_fs_events {
	unik_gpa_t buf;                 /* IN: room for records */
	uint64_t len;                   /* IN: bytes (at most UNIK_FS_IO_MAX are used) */
	int64_t ret;                    /* OUT: bytes of whole records, 0: none waits; -EFAULT */
};
_Static_assert(sizeof(struct unik_hc_fs_events) == 24, "unik_hc_fs_events size");

/* A record, 8-byte aligned: this header, then the name and a NUL; reclen covers all of it. The
   mask is what the host's inotify reported (IN_ISDIR included); IN_IGNORED: the host dropped
   the watch (the file's filesystem went away); IN_Q_OVERFLOW with watch -1: records were lost
   (the host's queue or UNIK_FS_EVENTS_MAX overflowed). Names the guest could not hold (over
   UNIK_FS_NAME_MAX bytes) are never reported. */
#define UNIK_FS_EV_IGNORED 0x8000u
#define UNIK_FS_EV_OVERFLOW 0x4000u
struct unik_hc_fs_event {
	int32_t watch;                  /* the watch number; -1: UNIK_FS_EV_OVERFLOW */
	uint32_t mask;                  /* Linux's IN_* bits */
	uint32_t cookie;                /* ties IN_MOVED_FROM to its IN_MOVED_TO (0: none) */
	uint16_t reclen;
	uint8_t name_len;               /* 0: the watched file itself; else an entry of it */
	uint8_t _pad;
};
_Static_assert(sizeof(struct unik_hc_fs_event) == 16, "unik_hc_fs_event size");

/* Set in the result of UNIK_HC_SLEEP and UNIK_HC_POLL when the wait ended early because the NIC
   received frames while the guest had asked for it (struct unik_net_ring, rx_wake). */
#define UNIK_HC_WAKE_NET 0x100
/* Likewise when host changes of watched files came (boot info fs_events). */
#define UNIK_HC_WAKE_FS 0x200

struct unik_hc_sleep {
	int64_t ns;                     /* IN: how long, > 0 */
	int64_t ret;                    /* OUT: 0, or -EINTR when a host signal cut it short, or
					   UNIK_HC_WAKE_NET when received frames did, or
					   UNIK_HC_WAKE_FS when host changes did */
};
_Static_assert(sizeof(struct unik_hc_sleep) == 16, "unik_hc_sleep size");

/* Readiness of the console's host fds (poll/select on the guest's console files). events and
   revents use Linux's POLL* bits; entry i is host fd i (stdin, stdout, stderr). With
   UNIK_POLL_EDGE in events[i] (edge-triggered epoll), fd i counts as ready only once the host
   has seen a new event on it in either direction (console_seq_in/out of the boot info moved
   during the call); the monitor updates those counters at every POLL. */
#define UNIK_POLL_EDGE 0x80000000u
struct unik_hc_poll {
	int64_t timeout_ns;             /* IN: < 0 waits without limit; 0 only checks */
	uint32_t events[3];             /* IN: 0 leaves the fd out */
	uint32_t revents[3];            /* OUT */
	int64_t ret;                    /* OUT: fds ready, 0 on timeout, -EINTR on a host signal;
					   with UNIK_HC_WAKE_NET or'ed in when received frames ended
					   the wait, UNIK_HC_WAKE_FS when host changes did (fds
					   ready: ret & 0xff) */
};
_Static_assert(sizeof(struct unik_hc_poll) == 40, "unik_hc_poll size");

/* `unik run -t`: the program sets the modes of the host terminal it runs on (TCSETS, TCSETSW,
   TCSETSF: how 0, 1, 2); the monitor restores the terminal's own modes when the VM ends. */
struct unik_hc_tty {
	uint32_t how;                   /* IN: 0 now, 1 after output drains, 2 also flush input */
	uint32_t _pad;
	uint8_t termios[36];            /* IN: Linux's kernel struct termios */
	uint32_t _pad2;
	int64_t ret;                    /* OUT: 0 or -errno (-ENOTTY without -t) */
};
_Static_assert(sizeof(struct unik_hc_tty) == 56, "unik_hc_tty size");

/* Network: a paravirtual NIC whose rings live in guest memory, so no frame costs a VM exit.

   The guest gives the monitor one page-aligned area (UNIK_HC_NET_SETUP) laid out as
     offset 0                        struct unik_net_ring (the header)
     UNIK_NET_DESC_OFF               tx_slots struct unik_net_desc, then rx_slots of them
     UNIK_NET_BUF_OFF(tx, rx)        buffers of UNIK_NET_BUF_SIZE bytes, up to the area's end
   Every descriptor names a buffer by its guest-physical address; the whole buffer
   (UNIK_NET_BUF_SIZE bytes) must lie in the area's buffer space. Frames are Ethernet frames
   without FCS, 14 to UNIK_NET_FRAME_MAX bytes (MTU 1500).

   Indices are 32-bit free-running counters (slot = index & (slots - 1)); each side writes only
   its own fields, marked G (guest) or M (monitor). The monitor's net thread runs beside the
   vCPU, so the two sides touch the header concurrently; on x86 (TSO) "release" and "acquire"
   below are compiler barriers and "full fence" is mfence (or a locked instruction).

   TX (guest -> host):
     guest: fill the buffer and desc[tx_prod & (tx_slots-1)] {addr, len}; release; tx_prod++;
            full fence; if tx_kick: UNIK_HC_NET_KICK. A slot is free again once tx_cons has
            passed it (acquire tx_cons). Several frames may be queued before the check, so one
            kick covers a batch.
     host:  acquire tx_prod; take the descriptors up to it (each copied once, then checked);
            release tx_cons. Before the net thread sleeps: tx_kick = 1; full fence; re-read
            tx_prod, and if frames came, tx_kick = 0 and go on. Awake: tx_kick = 0.
     The two full fences make the race safe: either the host sees the new tx_prod or the guest
     sees tx_kick (Dekker). The guest kicks only when the net thread sleeps.
   RX (host -> guest):
     guest: post buffers: desc[rx_avail & (rx_slots-1)].addr = buffer; release; rx_avail++.
            Take frames: acquire rx_used; each slot before it holds a frame of desc.len bytes;
            release rx_cons (published so the monitor can see frames left unclaimed); post the
            buffer again.
     host:  acquire rx_avail; fill the posted buffer, write desc.len; release rx_used. A frame
            that finds no posted buffer is dropped (rx_dropped). After a batch: full fence; if
            rx_wake, wake the vCPU out of UNIK_HC_SLEEP / UNIK_HC_POLL (UNIK_HC_WAKE_NET).
     "RX ready" is rx_used != the guest's own rx_cons: readable without an exit.
     Before blocking in SLEEP or POLL the guest sets rx_wake = 1; full fence; re-reads rx_used,
     and if frames came, clears rx_wake and takes them instead of blocking; after the wait it
     clears rx_wake. While rx_wake is set and frames are unclaimed, SLEEP and POLL return at
     once with UNIK_HC_WAKE_NET.
   At UNIK_HC_NET_SETUP the rings are empty at the indices the header holds: the monitor starts
   at tx_cons = tx_prod and rx_used = rx_cons (normally all 0); rx_avail may be ahead of rx_cons
   by up to rx_slots (buffers posted before the call). Anything the monitor finds inconsistent
   later (an index more than a ring ahead, a buffer outside the buffer space, a length of 0 or
   above UNIK_NET_FRAME_MAX) stops the NIC (status) and the VM, as a malformed hypercall does. */
#define UNIK_NET_BUF_SIZE 2048u
#define UNIK_NET_FRAME_MIN 14u
#define UNIK_NET_FRAME_MAX 1514u
#define UNIK_NET_SLOTS_MAX 1024u        /* per ring; slots are powers of two, at least 2 */
#define UNIK_NET_DESC_OFF 128u
#define UNIK_NET_BUF_OFF(tx, rx) \
	((UNIK_NET_DESC_OFF + 16ull * ((tx) + (rx)) + UNIK_NET_BUF_SIZE - 1) & \
	 ~(uint64_t)(UNIK_NET_BUF_SIZE - 1))
/* The smallest area for tx + rx slots with one buffer each (a multiple of 4096). */
#define UNIK_NET_AREA_SIZE(tx, rx) \
	((UNIK_NET_BUF_OFF(tx, rx) + (uint64_t)UNIK_NET_BUF_SIZE * ((tx) + (rx)) + 4095) & \
	 ~4095ull)

#define UNIK_NET_STATUS_OK 0u
#define UNIK_NET_STATUS_FAILED 1u       /* the monitor found the rings broken and stopped */

struct unik_net_ring {
	/* G: written by the guest only (own cache line) */
	uint32_t tx_prod;               /* G: TX descriptors filled */
	uint32_t rx_avail;              /* G: RX buffers posted */
	uint32_t rx_cons;               /* G: RX frames taken */
	uint32_t rx_wake;               /* G: 1: end a SLEEP/POLL when frames arrive */
	uint32_t _gpad[12];
	/* M: written by the monitor only */
	uint32_t tx_cons;               /* M: TX descriptors done; their slots are free */
	uint32_t rx_used;               /* M: RX buffers filled with a frame */
	uint32_t tx_kick;               /* M: 1: the net thread sleeps; kick after queuing */
	uint32_t status;                /* M: UNIK_NET_STATUS_* */
	uint64_t tx_frames;             /* M: frames sent */
	uint64_t rx_frames;             /* M: frames received */
	uint64_t rx_dropped;            /* M: frames dropped because no RX buffer was posted */
	uint32_t _mpad[6];
};
_Static_assert(sizeof(struct unik_net_ring) == UNIK_NET_DESC_OFF, "unik_net_ring size");

struct unik_net_desc {
	unik_gpa_t addr;                /* G: the buffer (guest-physical) */
	uint32_t len;                   /* TX: G: frame bytes. RX: M: frame bytes received */
	uint32_t _pad;
};
_Static_assert(sizeof(struct unik_net_desc) == 16, "unik_net_desc size");

struct unik_hc_net_setup {
	unik_gpa_t area;                /* IN: page aligned, above the boot info page */
	uint64_t size;                  /* IN: a multiple of 4096, at least UNIK_NET_AREA_SIZE */
	uint32_t tx_slots, rx_slots;    /* IN: powers of two, 2 .. UNIK_NET_SLOTS_MAX */
	int64_t ret;                    /* OUT: 0; -ENODEV: no NIC (--net none); -EBUSY: set up
					   already; -EINVAL: bad geometry; -EFAULT: the area is not
					   in guest RAM or covers the boot info; -EIO: the host side
					   could not start (printed on the monitor's stderr) */
};
_Static_assert(sizeof(struct unik_hc_net_setup) == 32, "unik_hc_net_setup size");

/* `unik run --publish-listening` (boot info: UNIK_NET_PUBLISH): the monitor publishes on the host
   every port the guest serves on its NIC's address, as a process in a container answers on the
   container's addresses. The guest calls after its NIC is set up, whenever the address families
   served on a (protocol, port) change: a TCP listen() or an explicit UDP bind() to a port, on the
   wildcard address or the NIC's own, and the close of the last such socket (families 0). Only
   changes are told, so a steady server costs nothing; the monitor forwards the host's 0.0.0.0:port
   (UNIK_NET_PUBLISH_V4) and [::]:port (UNIK_NET_PUBLISH_V6) to the guest's address and port, and
   a port it cannot bind is reported on its stderr, not to the guest's program. */
#define UNIK_NET_PUBLISH_V4 0x1u
#define UNIK_NET_PUBLISH_V6 0x2u
struct unik_hc_net_publish {
	uint32_t proto;                 /* IN: 6 (TCP) or 17 (UDP) */
	uint32_t port;                  /* IN: 1 .. 65535 */
	uint32_t families;              /* IN: UNIK_NET_PUBLISH_*: all now served; 0: none any more */
	uint32_t _pad;
	int64_t ret;                    /* OUT: 0; -EINVAL: bad request; -ENODEV: no NIC;
					   -EOPNOTSUPP: the monitor did not ask (no UNIK_NET_PUBLISH);
					   -ENOTCONN: the NIC is not set up; -EIO: the NIC stopped;
					   -ENOSPC: too many ports; else the host's bind error */
};
_Static_assert(sizeof(struct unik_hc_net_publish) == 24, "unik_hc_net_publish size");

/* The NIC's configuration in the boot info. Addresses are in network byte order. */
#define UNIK_NET_PRESENT 0x1u           /* a NIC exists: UNIK_HC_NET_SETUP works */
#define UNIK_NET_IPV4 0x2u              /* ip4, prefix4, gw4, dns4 are the static config */
#define UNIK_NET_IPV6 0x4u              /* ip6, prefix6, gw6, dns6 likewise */
#define UNIK_NET_PUBLISH 0x8u           /* tell the monitor what listens: UNIK_HC_NET_PUBLISH */
#define UNIK_NET_DHCP4 0x10u            /* no static IPv4 configuration: the guest asks DHCP */
struct unik_net_info {
	uint32_t flags;                 /* UNIK_NET_*; 0: no NIC */
	uint16_t mtu;
	uint8_t mac[6];
	uint8_t ip4[4], gw4[4], dns4[4];
	uint8_t prefix4, prefix6;
	uint16_t _pad;
	uint8_t ip6[16], gw6[16], dns6[16];
	uint32_t _pad2;
};
_Static_assert(sizeof(struct unik_net_info) == 80, "unik_net_info size");

/* Execution modes of the libOS core (design decision 1). */
enum unik_mode {
	UNIK_MODE_FAST = 1,             /* core at CPL3 beside the program; CPL0 holds trap stubs only */
	UNIK_MODE_ISOLATED = 2,         /* core at CPL0, program at CPL3 (hardware KVM) */
};

/* Terminal facts of the host's fds 0-2, so TCGETS/TIOCGWINSZ need no exit. */
struct unik_tty {
	uint32_t is_tty;                /* 1 if the host fd is a terminal */
	uint32_t st_mode;               /* file type and mode of the host fd (fstat) */
	uint8_t termios[60];            /* Linux struct termios (kernel layout, as TCGETS returns it) */
	uint16_t ws_row, ws_col;        /* struct winsize */
	uint16_t ws_xpixel, ws_ypixel;
};
_Static_assert(sizeof(struct unik_tty) == 76, "unik_tty size");

#define UNIK_BOOT_MAGIC 0x544f4f424b494e55ull /* "UNIKBOOT" */
#define UNIK_BOOT_TRACE 0x1u            /* flags: strace-style output on stderr */
#define UNIK_BOOT_STATS 0x2u            /* flags: report counters at exit */
#define UNIK_BOOT_NOREWRITE 0x4u        /* flags: keep every system call on the CPL0 trap path */
#define UNIK_BOOT_TTY 0x8u              /* flags: -t: the console is a terminal (tty[] says which) */
#define UNIK_BOOT_CONTAINER 0x10u       /* flags: started by the OCI runtime: pid 1 is a container's
					   init as Linux protects one (signals it has no handler for
					   are dropped, SIGKILL and SIGSTOP only from the host) and its
					   death by a signal is not reported on the console */

/* Counters the guest keeps for `unik run --stats`; the monitor reads them after the exit. */
struct unik_stats {
	uint64_t syscall_traps;         /* system calls that entered through the CPL0 trap */
	uint64_t syscall_direct;        /* system calls that came through a rewritten call site */
	uint64_t page_faults;           /* #PF entries */
	uint64_t other_faults;          /* other exceptions */
	uint64_t interrupts;            /* external interrupts */
	uint64_t cpl0_services;         /* CPL0 requests from the core (TLB flush, CR3 load) */
	uint64_t sites_rewritten;       /* `syscall` instructions turned into direct calls */
	uint64_t pages_mapped;          /* user pages given to the program */
	uint64_t tsc_kmain;             /* guest TSC at the core's first C code */
	uint64_t tsc_user;              /* guest TSC when the program started */
};
_Static_assert(sizeof(struct unik_stats) == 80, "unik_stats size");

/* A host directory mounted in the guest (-v HOSTDIR:GUESTDIR, or --rootfs DIR as "/"); also a
   host file bound onto a guest file, or a fresh tmpfs (the OCI runtime's mounts). */
#define UNIK_MAX_VOLUMES 16
#define UNIK_VOL_RO 0x1u                /* the monitor refuses every change */
#define UNIK_VOL_ROOT 0x2u              /* the root filesystem (--rootfs); path is "/" */
#define UNIK_VOL_FILE 0x4u              /* handle is a regular file, mounted on a file at path */
#define UNIK_VOL_TMPFS 0x8u             /* an empty tmpfs at path; handle is its root's mode
					   bits (0: 01777) */
struct unik_volume {
	char path[120];                 /* absolute guest path, NUL-terminated */
	uint32_t flags;                 /* UNIK_VOL_* */
	uint32_t handle;                /* the monitor's handle of the shared directory */
};
_Static_assert(sizeof(struct unik_volume) == 128, "unik_volume size");

/* One CPUID leaf (KVM's struct kvm_cpuid_entry2, less its padding). */
#define UNIK_CPUID_INDEXED 0x1u         /* flags: index (ecx) selects the entry */
#define UNIK_CPUID_MAX 256              /* entries (KVM's own limit), two pages */
struct unik_cpuid {
	uint32_t function, index, flags;
	uint32_t eax, ebx, ecx, edx;
	uint32_t _pad;
};
_Static_assert(sizeof(struct unik_cpuid) == 32, "unik_cpuid size");

/* Placed by the monitor at UNIK_BOOT_INFO_GPA before the first instruction. */
/* The program's registers as the core saves them (the guest's struct regs). */
struct unik_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vec, err, cr2;
	uint64_t rip, rflags, rsp;
};
_Static_assert(sizeof(struct unik_regs) == 168, "unik_regs size");

/* Upcalls: the monitor interrupts the running program (never the core) to hand the CPU to the
   core: for preemption when other tasks wait for the CPU, for an alarm due while the program
   computes, and for host signals. It stores the program's registers at regs_gpa and resumes the
   vCPU at entry with rsp = regs_gva; the core returns to the program from there. The guest keeps
   the fields marked G current; the monitor writes the ones marked M while the vCPU is stopped. */
struct unik_upcall {
	uint64_t entry;                 /* G: core entry (virtual); 0: no upcalls */
	uint64_t user_top;              /* G: an rip below this is the program's and may be redirected */
	unik_gpa_t regs_gpa;            /* G: where the registers go (the running task's core stack) */
	uint64_t regs_gva;              /* G: the same address, virtual */
	uint32_t nr_tasks;              /* G: live tasks */
	uint32_t nr_runnable;           /* G: tasks waiting for the CPU */
	uint64_t switches;              /* G: task switches so far */
	int64_t due_ns;                 /* G: guest monotonic time of the next timed event (a
					   wait's deadline, the alarm); 0: none */
	uint64_t host_signals;          /* M: host signals for the program, bit N-1 for signal N */
	uint32_t resched;               /* M: the running task has used its time slice */
	uint32_t irq_vector;            /* G: isolated mode (entry 0): the program is stopped by
					   an external interrupt of this vector instead; 0: none */
};
_Static_assert(sizeof(struct unik_upcall) == 72, "unik_upcall size");

/* The guest's fs.nr_open: the most fds a process may have, so RLIMIT_NOFILE's ceiling. */
#define UNIK_NR_OPEN 1048576

struct unik_boot_info {
	uint64_t magic;                 /* UNIK_BOOT_MAGIC */
	uint32_t abi_version;           /* UNIK_ABI_VERSION */
	uint32_t mode;                  /* enum unik_mode */
	uint64_t mem_size;              /* bytes of guest-physical memory, from 0 */
	unik_gpa_t free_start;          /* first page the guest may allocate */
	unik_gpa_t pml4;                /* root page table the monitor built */
	unik_gpa_t prog;                /* the program file, page aligned */
	uint64_t prog_len;
	unik_gpa_t args;                /* argv strings, then envp strings, each NUL terminated */
	uint64_t args_len;
	uint32_t argc, envc;
	uint64_t tsc_hz;                /* guest TSC frequency */
	int64_t boot_realtime_ns;       /* host CLOCK_REALTIME when guest TSC read boot_tsc */
	uint64_t boot_tsc;
	uint32_t flags;                 /* UNIK_BOOT_* */
	uint32_t uid, gid;              /* identity the program runs as */
	uint32_t _pad;
	uint64_t random[4];             /* 32 bytes from the host: seeds the guest generator */
	struct unik_tty tty[3];         /* host fds 0, 1, 2 */
	uint32_t tty_nopoll;            /* bit N: host fd N cannot be polled (the host's epoll
					   refuses it: a regular file, a directory, /dev/null) */
	struct unik_stats stats;        /* OUT: written by the guest before UNIK_HC_EXIT */
	char execfn[256];               /* argv[0] as given, for AT_EXECFN */
	char hostname[64];              /* NUL-terminated unless 64 bytes long (HOST_NAME_MAX) */
	unik_gpa_t rootfs;              /* the imgfs root filesystem image, page aligned; 0: none */
	uint64_t rootfs_len;
	char workdir[256];              /* working directory (created if missing); "" is "/" */
	uint32_t ngroups;               /* supplementary groups of the program */
	uint32_t groups[32];
	uint32_t _pad3;
	uint32_t nvolumes;              /* entries of volumes[] in use */
	uint32_t _pad4;
	struct unik_volume volumes[UNIK_MAX_VOLUMES];
	/* OUT: console output the guest has batched but not sent yet, so the monitor can write it
	   out when the VM ends without the guest's help (host signal, crash). */
	unik_gpa_t console_buf;
	uint64_t console_len;           /* bytes pending at console_buf (updated after the copy) */
	uint32_t console_fd;            /* 1 or 2 */
	uint32_t _pad5;
	struct unik_upcall upcall;
	struct unik_net_info net;       /* the NIC (flags 0: none) */
	uint32_t rlimit_set;            /* bit R: rlimits[R] replaces the guest's default for
					   resource R (Linux's RLIMIT_* numbers; the OCI runtime,
					   --ulimit). RLIMIT_NOFILE is capped at UNIK_NR_OPEN */
	uint32_t _pad6;
	struct unik_rlimit {
		uint64_t cur, max;      /* UINT64_MAX: unlimited */
	} rlimits[16];
	/* The first touch of a guest page the host never backed costs tens of µs on kvm_pvm (a host
	   fault behind a shadow-MMU fault) against about 3 µs when the host populates it itself. The
	   guest hands out never-used memory from a rising frontier; the monitor populates ahead of
	   it. */
	unik_gpa_t mem_bump;            /* OUT (guest): the frontier; memory above is untouched */
	unik_gpa_t mem_ahead;           /* IN (monitor): populated, or being populated, up to here;
					   the guest asks for more (UNIK_HC_MEM_AHEAD) as it nears */
	/* The capability sets the first process starts from, as a runtime applies them before it
	   executes the command (Linux's bit numbers; UNIK_CAP_*), when caps_set is 1; else every
	   capability. The guest then moves them as execve does (root keeps the bounding set). */
	uint32_t caps_set;
	uint32_t _pad7;
	uint64_t caps[5];
	/* IN (monitor, at every POLL): the events the host has seen on host fd i since the first
	   POLL, as an edge-triggered epoll entry on it would be woken: input (readable) and
	   output (writable) counted apart, from 1; 0: the host cannot watch that fd (a regular
	   file, /dev/null), and the guest reports it level-triggered. */
	uint64_t console_seq_in[3];
	uint64_t console_seq_out[3];
	/* The device number (st_rdev, Linux's dev_t) of host fd i when it is a character device
	   other than a terminal (/dev/null), which fstat reports as the host has it. */
	uint64_t tty_rdev[3];
	/* IN (monitor): 1 while host changes of watched files wait to be taken (UNIK_HC_FS_EVENTS),
	   0 once none does; written only while the vCPU is stopped. */
	uint32_t fs_events;
	uint32_t _pad8;
	/* The CPUID the vCPU answers (KVM_GET_CPUID2 after the guest's CR4 and XCR0 are set):
	   cpuid_count entries of struct unik_cpuid at cpuid_table, so the core's own queries do not
	   exit. */
	unik_gpa_t cpuid_table;
	uint32_t cpuid_count;
	uint32_t _pad9;
};
enum { UNIK_CAP_BND, UNIK_CAP_EFF, UNIK_CAP_PRM, UNIK_CAP_INH, UNIK_CAP_AMB };
_Static_assert(sizeof(struct unik_boot_info) == 3848, "unik_boot_info size");
_Static_assert(sizeof(struct unik_boot_info) <= 4096, "the boot info fits its page");


/* Found in the kernel ELF through the symbol `unik_kernel_header`. */
#define UNIK_KERNEL_MAGIC 0x4c4e524b4b494e55ull /* "UNIKKRNL" */
struct unik_kernel_header {
	uint64_t magic;
	uint32_t abi_version;
	uint32_t _pad;
	uint64_t entry_fast;            /* CPL3 entry (virtual) for UNIK_MODE_FAST */
	uint64_t entry_isolated;        /* CPL0 entry (virtual) for UNIK_MODE_ISOLATED */
	uint64_t gdt, gdt_limit;        /* virtual addresses of the descriptor tables */
	uint64_t idt, idt_limit;
	uint64_t tss, tss_limit;
	uint64_t syscall_entry;         /* LSTAR */
	uint64_t stack_top;             /* initial core stack */
};
_Static_assert(sizeof(struct unik_kernel_header) == 96, "unik_kernel_header size");


#endif /* __ASSEMBLER__ */
#endif
