/* The hypercall table and the exit call. */
#include "monitor/hc.h"
#include "monitor/net.h"

static const hc_handler hc_table[UNIK_HC_MAX] = {
	[UNIK_HC_WRITE] = hc_console_write,
	[UNIK_HC_READ] = hc_console_read,
	[UNIK_HC_EXIT] = hc_exit_call,
	[UNIK_HC_CLOCK] = hc_clock_get,
	[UNIK_HC_SLEEP] = hc_sleep_call,
	[UNIK_HC_POLL] = hc_console_poll,
	[UNIK_HC_TTY] = hc_console_tty,
	[UNIK_HC_NET_SETUP] = hc_net_setup,
	[UNIK_HC_NET_KICK] = hc_net_kick,
	[UNIK_HC_NET_PUBLISH] = hc_net_publish,
	[UNIK_HC_MEM_AHEAD] = hc_mem_ahead,
	[UNIK_HC_FS_LOOKUP] = hc_fs_lookup,
	[UNIK_HC_FS_CREATE] = hc_fs_create,
	[UNIK_HC_FS_MKDIR] = hc_fs_mkdir,
	[UNIK_HC_FS_SYMLINK] = hc_fs_symlink,
	[UNIK_HC_FS_LINK] = hc_fs_link,
	[UNIK_HC_FS_UNLINK] = hc_fs_unlink,
	[UNIK_HC_FS_RMDIR] = hc_fs_rmdir,
	[UNIK_HC_FS_RENAME] = hc_fs_rename,
	[UNIK_HC_FS_GETATTR] = hc_fs_getattr,
	[UNIK_HC_FS_SETATTR] = hc_fs_setattr,
	[UNIK_HC_FS_READ] = hc_fs_read,
	[UNIK_HC_FS_WRITE] = hc_fs_write,
	[UNIK_HC_FS_READDIR] = hc_fs_readdir,
	[UNIK_HC_FS_READLINK] = hc_fs_readlink,
	[UNIK_HC_FS_FSYNC] = hc_fs_fsync,
	[UNIK_HC_FS_CLOSE] = hc_fs_close,
	[UNIK_HC_FS_STATFS] = hc_fs_statfs,
	[UNIK_HC_FS_GETXATTR] = hc_fs_getxattr,
	[UNIK_HC_FS_LISTXATTR] = hc_fs_listxattr,
	[UNIK_HC_FS_SETXATTR] = hc_fs_setxattr,
	[UNIK_HC_FS_REMOVEXATTR] = hc_fs_removexattr,
	[UNIK_HC_FS_SYNC_RANGE] = hc_fs_sync_range,
	[UNIK_HC_FS_WATCH] = hc_fs_watch,
	[UNIK_HC_FS_EVENTS] = hc_fs_events,
};

/* The file calls that may make the host report events (they change files or open them): their
   own events are told apart from the host's changes (hc_file_notify.c). */
static const bool hc_file_notifies[UNIK_HC_MAX] = {
	[UNIK_HC_FS_CREATE] = true, [UNIK_HC_FS_MKDIR] = true, [UNIK_HC_FS_SYMLINK] = true,
	[UNIK_HC_FS_LINK] = true, [UNIK_HC_FS_UNLINK] = true, [UNIK_HC_FS_RMDIR] = true,
	[UNIK_HC_FS_RENAME] = true, [UNIK_HC_FS_SETATTR] = true, [UNIK_HC_FS_READ] = true,
	[UNIK_HC_FS_WRITE] = true, [UNIK_HC_FS_READDIR] = true, [UNIK_HC_FS_FSYNC] = true,
	[UNIK_HC_FS_SYNC_RANGE] = true, [UNIK_HC_FS_CLOSE] = true, [UNIK_HC_FS_SETXATTR] = true,
	[UNIK_HC_FS_REMOVEXATTR] = true,
};

enum hc_result hc_dispatch(struct hc_ctx *ctx, uint32_t nr, unik_gpa_t arg)
{
	if (nr >= UNIK_HC_MAX || !hc_table[nr] || ctx->exited)
		return HC_BAD;
	ctx->calls[nr]++;
	if (!ctx->file || !hc_file_notifies[nr])
		return hc_table[nr](ctx, arg);
	hc_file_notify_begin(ctx);
	enum hc_result r = hc_table[nr](ctx, arg);
	hc_file_notify_end(ctx);
	return r;
}

enum hc_result hc_exit_call(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_exit e;
	if (gmem_read(&ctx->mem, arg, &e, sizeof(e)))
		return HC_BAD;
	ctx->exited = 1;
	ctx->exit_status = e.status & 0xff;
	return HC_STOP;
}
