/* Hypercall handling: one module per device family registers its handlers in a table; the vCPU
   loop only decodes the port write. Handlers touch guest memory only through struct gmem, so a
   test can hand them a byte array. */
#ifndef MONITOR_HC_H
#define MONITOR_HC_H
#include <stdbool.h>
#include <stdint.h>
#include "monitor/gmem.h"

struct hc_file;
struct net;

struct hc_ctx {
	struct gmem mem;
	int fd_in, fd_out, fd_err;      /* host fds behind guest fds 0, 1, 2 */
	int exited;                     /* set by UNIK_HC_EXIT */
	int exit_status;
	uint64_t calls[UNIK_HC_MAX];    /* per-number counts for --stats */
	struct hc_file *file;           /* volumes and their handles (NULL: none) */
	bool (*interrupted)(void);      /* a host signal waits for the guest: blocking calls end
					   with -EINTR (NULL: never) */
	int tty_fd;                     /* -t: the host terminal the program sets modes on; -1 */
	bool tty_modes_kept;            /* the program's modes are not applied to tty_fd (-t
					   without -i: the host terminal stays as the user has it) */
	struct net *net;                /* the NIC (monitor/net.h; NULL: --net none) */
	int wake_fd;                    /* > 2: readable when received frames should end a SLEEP or
					   POLL (UNIK_HC_WAKE_NET); 0: none (no NIC set up yet) */
	struct mem_ahead *mem_ahead;    /* populates guest memory ahead of the guest (hc_mem.c) */
	/* Edges on fds 0-2 for the guest's edge-triggered epoll (hc_console.c): a host epoll with
	   an EPOLLET entry per fd and direction, set up at the first POLL. */
	struct hc_console_edges {
		int epfd;               /* 0: not set up yet; -1: none */
		int fds[6];             /* what is watched: fd i's input as fds[i], output as fds[3+i] */
		uint64_t seq[6];        /* events seen, from 1; 0: that entry could not be added */
	} edges;
};

enum hc_result {
	HC_OK = 0,              /* continue running the guest */
	HC_STOP = 1,            /* the guest asked to stop (ctx->exited) */
	HC_BAD = -1,            /* malformed request: stop the VM as a guest error */
};

typedef enum hc_result (*hc_handler)(struct hc_ctx *ctx, unik_gpa_t arg);

/* Runs hypercall nr with its argument address; unknown numbers are HC_BAD. */
enum hc_result hc_dispatch(struct hc_ctx *ctx, uint32_t nr, unik_gpa_t arg);

enum hc_result hc_console_write(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_mem_ahead(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_console_tty(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_console_read(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_clock_get(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_sleep_call(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_console_poll(struct hc_ctx *ctx, unik_gpa_t arg);
/* Closes what POLL set up for edges (ctx->edges). */
void hc_console_free(struct hc_ctx *ctx);
enum hc_result hc_exit_call(struct hc_ctx *ctx, unik_gpa_t arg);
/* The NIC (hc_net.c; monitor/net.h has the rest). */
enum hc_result hc_net_setup(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_net_kick(struct hc_ctx *ctx, unik_gpa_t arg);

/* Populating guest memory ahead of the guest's never-used frontier (hc_mem.c). start: the state
   for guest memory base[start, size); its thread starts at the guest's first request (NULL when
   out of memory: the guest then only runs slower). target: what the guest may use before it
   asks (the first request comes 2 MiB before; 0 for NULL). stop: ends and frees it, before
   guest memory goes away. */
struct mem_ahead;
struct mem_ahead *mem_ahead_start(void *base, uint64_t start, uint64_t size);
uint64_t mem_ahead_target(const struct mem_ahead *m);
void mem_ahead_stop(struct mem_ahead *m);

/* Volumes (hc_file*.c). hc_file_new makes the handle table of one VM with room for at most
   max_handles open handles (0: as many as the monitor's fd limit allows, which it raises to the
   hard limit). hc_file_add_volume takes over root_fd (an O_PATH directory or regular file, closed by
   hc_file_free) and returns the handle the guest mounts, or -errno. */
struct hc_file *hc_file_new(unsigned max_handles);
int64_t hc_file_add_volume(struct hc_file *hf, int root_fd, int read_only);
void hc_file_free(struct hc_file *hf);
enum hc_result hc_fs_lookup(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_create(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_mkdir(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_symlink(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_link(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_unlink(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_rmdir(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_rename(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_getattr(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_setattr(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_read(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_write(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_readdir(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_readlink(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_fsync(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_sync_range(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_close(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_statfs(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_getxattr(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_listxattr(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_setxattr(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_removexattr(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_watch(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_fs_events(struct hc_ctx *ctx, unik_gpa_t arg);
/* Host changes of watched volume files (hc_file_notify.c). A file call that may change host
   files runs between begin and end, so that the host's events about what it did are told apart
   from changes made by others (only those reach the guest). */
void hc_file_notify_begin(struct hc_ctx *ctx);
void hc_file_notify_end(struct hc_ctx *ctx);
/* The host inotify fd to wait on for changes (-1: nothing watched); any thread may ask. */
int hc_file_notify_fd(const struct hc_file *hf);
/* Takes what the host reported into the queue for the guest and publishes fs_events in the boot
   info. true when records wait. vCPU thread only (as every handler). */
bool hc_file_notify_pump(struct hc_ctx *ctx);
#endif
