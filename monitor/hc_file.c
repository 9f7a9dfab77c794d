/* Volume hypercalls, part 1: the handle table and the calls that name files (lookup, create,
   mkdir, symlink, link, unlink, rmdir, rename).
   Confinement: a handle is an fd of one host inode. Volume roots are the directories the user
   shared; every other handle comes from a lookup of one name under a directory handle of the
   same volume, with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS) and
   O_NOFOLLOW, where the name is checked to be one component (no '/', not "." or ".."). So a
   handle is always beneath its volume's root, and a symlink is only ever a handle of the link
   itself, whose target the guest resolves in its own file tree. The *at calls that change
   directories take the same kind of name and never follow a final symlink. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "monitor/hc_file.h"

#define HC_FILE_RESERVED_FDS 256u       /* fds the monitor keeps for itself */

struct hc_file *hc_file_new(unsigned max_handles)
{
	struct hc_file *hf = calloc(1, sizeof(*hf));
	if (!hf)
		return NULL;
	hf->dbuf = malloc(HC_FILE_DBUF);
	if (!hf->dbuf) {
		free(hf);
		return NULL;
	}
	if (!max_handles) {
		/* Each handle holds one fd (I/O fds are a small LRU on top): use the hard limit. */
		struct rlimit rl;
		max_handles = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0 &&
			    rl.rlim_cur > HC_FILE_RESERVED_FDS + HC_FILE_IO_FDS + 64)
				max_handles = (unsigned)(rl.rlim_cur < HC_FILE_MAX_HANDLES
					? rl.rlim_cur - HC_FILE_RESERVED_FDS - HC_FILE_IO_FDS
					: HC_FILE_MAX_HANDLES);
		}
	}
	hf->max = max_handles < HC_FILE_MAX_HANDLES ? max_handles : HC_FILE_MAX_HANDLES;
	hf->hint = 1;
	hf->list_fd = -1;
	hc_file_notify_init(hf);
	/* The guest's creations get exactly the mode it asks for (it applied its own umask). */
	umask(0);
	return hf;
}

void hc_file_free(struct hc_file *hf)
{
	if (!hf)
		return;
	hc_file_notify_free(hf);
	for (uint32_t n = 1; n < hf->cap; n++) {
		struct hc_file_handle *h = &hf->h[n];
		if (h->fd < 0)
			continue;
		hc_file_io_close(hf, h);
		close(h->fd);
	}
	if (hf->list_fd >= 0)
		close(hf->list_fd);
	free(hf->h);
	free(hf->dbuf);
	free(hf);
}

struct hc_file_handle *hc_file_get(struct hc_ctx *ctx, uint32_t n)
{
	struct hc_file *hf = ctx->file;
	if (!hf || n == 0 || n >= hf->cap || hf->h[n].fd < 0)
		return NULL;
	hc_file_notify_touch(hf, &hf->h[n]);
	return &hf->h[n];
}

bool hc_file_ro(const struct hc_file *hf, const struct hc_file_handle *h)
{
	return hf->vol[h->vol].ro;
}

/* Grows the table (doubling, up to max + 1 entries). 0 or -ENFILE. */
static int hc_file_grow(struct hc_file *hf)
{
	uint32_t ncap = hf->cap ? hf->cap * 2 : 64;
	if (ncap > hf->max + 1)
		ncap = hf->max + 1;
	if (ncap <= hf->cap)
		return -ENFILE;
	struct hc_file_handle *nh = realloc(hf->h, ncap * sizeof(*nh));
	if (!nh)
		return -ENFILE;
	for (uint32_t i = hf->cap; i < ncap; i++)
		nh[i] = (struct hc_file_handle){ .fd = -1, .fd_acc = -1, .io_fd = -1 };
	hf->h = nh;
	hf->hint = hf->cap ? hf->cap : 1;
	hf->cap = ncap;
	return 0;
}

int64_t hc_file_new_handle(struct hc_file *hf, int fd, int fd_acc, uint32_t vol, uint32_t type)
{
	if (hf->used >= hf->max || (hf->used + 1 >= hf->cap && hc_file_grow(hf))) {
		close(fd);
		return -ENFILE;
	}
	uint32_t n = hf->hint;
	while (hf->h[n].fd >= 0)
		n = n + 1 < hf->cap ? n + 1 : 1;
	hf->h[n] = (struct hc_file_handle){ .fd = fd, .fd_acc = fd_acc, .io_fd = -1, .vol = vol,
					    .type = type & S_IFMT };
	hf->used++;
	hf->hint = n + 1 < hf->cap ? n + 1 : 1;
	return n;
}

int64_t hc_file_add_volume(struct hc_file *hf, int root_fd, int read_only)
{
	struct stat st;
	if (hf->nvol >= UNIK_MAX_VOLUMES) {
		close(root_fd);
		return -E2BIG;
	}
	if (fstat(root_fd, &st) || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
		close(root_fd);
		return -ENOTDIR;
	}
	uint32_t v = hf->nvol;
	int64_t n = hc_file_new_handle(hf, root_fd, -1, v, st.st_mode & S_IFMT);
	if (n < 0)
		return n;
	hf->vol[v].ro = read_only != 0;
	hf->h[n].root = true;
	hf->nvol++;
	return n;
}

void hc_file_attr(const struct stat *st, struct unik_hc_fs_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->rdev = st->st_rdev;
	a->nlink = st->st_nlink;
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->atime_sec = st->st_atim.tv_sec;
	a->atime_nsec = st->st_atim.tv_nsec;
	a->mtime_sec = st->st_mtim.tv_sec;
	a->mtime_nsec = st->st_mtim.tv_nsec;
	a->ctime_sec = st->st_ctim.tv_sec;
	a->ctime_nsec = st->st_ctim.tv_nsec;
}

/* Copies a name (len bytes at gpa) into buf and checks it is one component. */
static int hc_file_name(struct hc_ctx *ctx, unik_gpa_t gpa, uint32_t len,
			char buf[UNIK_FS_NAME_MAX + 1])
{
	if (len > UNIK_FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (gmem_read(&ctx->mem, gpa, buf, len))
		return -EFAULT;
	buf[len] = 0;
	if (len == 0 || memchr(buf, '/', len) || memchr(buf, 0, len) || !strcmp(buf, ".") ||
	    !strcmp(buf, ".."))
		return -EINVAL;
	return 0;
}

/* openat2 of one checked name under dirfd, never following a symlink. fd or -errno. */
static int hc_file_openat(int dirfd, const char *name, uint64_t flags, uint32_t mode)
{
	struct open_how how = {
		/* openat2 refuses O_PATH with any flag it ignores (like O_NOCTTY) */
		.flags = flags | O_NOFOLLOW | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	for (int tries = 0; tries < 8; tries++) {
		long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

/* Reads the entry call's arguments: the struct, the directory handle and the name. Returns
   HC_BAD for an unreadable struct; otherwise e->ret holds 0 or the error. */
static enum hc_result hc_file_entry_args(struct hc_ctx *ctx, unik_gpa_t arg,
					 struct unik_hc_fs_entry *e, struct hc_file_handle **dir,
					 char name[UNIK_FS_NAME_MAX + 1], bool modifies)
{
	if (gmem_read(&ctx->mem, arg, e, sizeof(*e)))
		return HC_BAD;
	e->ret = 0;
	*dir = hc_file_get(ctx, e->dir);
	if (!*dir)
		e->ret = -EBADF;
	else if ((*dir)->type != S_IFDIR)
		e->ret = -ENOTDIR;
	else if (modifies && hc_file_ro(ctx->file, *dir))
		e->ret = -EROFS;
	else
		e->ret = hc_file_name(ctx, e->name, e->name_len, name);
	if (!e->ret && modifies)
		hc_file_notify_name(ctx->file, *dir, name);
	return HC_OK;
}

static enum hc_result hc_file_entry_done(struct hc_ctx *ctx, unik_gpa_t arg,
					 struct unik_hc_fs_entry *e)
{
	return gmem_write(&ctx->mem, arg, e, sizeof(*e)) ? HC_BAD : HC_OK;
}

/* Makes fd (a file just found or made under dir) a handle and reports it in e. */
static void hc_file_entry_handle(struct hc_ctx *ctx, struct hc_file_handle *dir, int fd,
				 int fd_acc, struct unik_hc_fs_entry *e)
{
	struct stat st;
	if (fd < 0) {
		e->ret = fd;
		return;
	}
	if (fstat(fd, &st)) {
		e->ret = -errno;
		close(fd);
		return;
	}
	int64_t n = hc_file_new_handle(ctx->file, fd, fd_acc, dir->vol, st.st_mode);
	if (n < 0) {
		e->ret = n;
		return;
	}
	e->handle = (uint32_t)n;
	hc_file_attr(&st, &e->attr);
}

enum hc_result hc_fs_lookup(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_entry e;
	struct hc_file_handle *dir;
	char name[UNIK_FS_NAME_MAX + 1];
	if (hc_file_entry_args(ctx, arg, &e, &dir, name, false) != HC_OK)
		return HC_BAD;
	struct stat st;
	if (e.ret)
		;
	else if (e.mode & ~UNIK_FS_LOOKUP_STAT)
		e.ret = -EINVAL;
	else if (e.mode & UNIK_FS_LOOKUP_STAT) {
		/* Is the name still the file the guest knows? One component, not followed. */
		e.handle = 0;
		if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW))
			e.ret = -errno;
		else
			hc_file_attr(&st, &e.attr);
	} else {
		hc_file_entry_handle(ctx, dir, hc_file_openat(dir->fd, name, O_PATH, 0), -1, &e);
	}
	return hc_file_entry_done(ctx, arg, &e);
}

enum hc_result hc_fs_create(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_entry e;
	struct hc_file_handle *dir;
	char name[UNIK_FS_NAME_MAX + 1];
	if (hc_file_entry_args(ctx, arg, &e, &dir, name, true) != HC_OK)
		return HC_BAD;
	uint32_t type = e.mode & S_IFMT, perm = e.mode & 07777;
	if (e.ret)
		;
	else if (type == S_IFREG || type == 0) {
		/* Opened for I/O right away: the file's first use is nearly always a write. */
		int fd = hc_file_openat(dir->fd, name, O_CREAT | O_EXCL | O_RDWR, perm);
		hc_file_entry_handle(ctx, dir, fd, O_RDWR, &e);
	} else if (type == S_IFIFO || type == S_IFSOCK) {
		if (mknodat(dir->fd, name, type | perm, 0))
			e.ret = -errno;
		else
			hc_file_entry_handle(ctx, dir, hc_file_openat(dir->fd, name, O_PATH, 0), -1,
					     &e);
	} else {
		/* Device nodes would be the host's devices: never made for a guest. */
		e.ret = type == S_IFCHR || type == S_IFBLK ? -EPERM : -EINVAL;
	}
	return hc_file_entry_done(ctx, arg, &e);
}

enum hc_result hc_fs_mkdir(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_entry e;
	struct hc_file_handle *dir;
	char name[UNIK_FS_NAME_MAX + 1];
	if (hc_file_entry_args(ctx, arg, &e, &dir, name, true) != HC_OK)
		return HC_BAD;
	if (!e.ret && mkdirat(dir->fd, name, e.mode & 07777))
		e.ret = -errno;
	if (!e.ret)
		hc_file_entry_handle(ctx, dir,
				     hc_file_openat(dir->fd, name, O_PATH | O_DIRECTORY, 0), -1, &e);
	return hc_file_entry_done(ctx, arg, &e);
}

enum hc_result hc_fs_symlink(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_entry e;
	struct hc_file_handle *dir;
	char name[UNIK_FS_NAME_MAX + 1];
	static char target[UNIK_FS_PATH_MAX];
	if (hc_file_entry_args(ctx, arg, &e, &dir, name, true) != HC_OK)
		return HC_BAD;
	if (e.ret)
		;
	else if (e.target_len >= UNIK_FS_PATH_MAX)
		e.ret = -ENAMETOOLONG;
	else if (gmem_read(&ctx->mem, e.target, target, e.target_len))
		e.ret = -EFAULT;
	else if (e.target_len == 0 || memchr(target, 0, e.target_len))
		e.ret = e.target_len ? -EINVAL : -ENOENT;
	if (!e.ret) {
		/* The target is stored as given; only the guest ever resolves it. */
		target[e.target_len] = 0;
		if (symlinkat(target, dir->fd, name))
			e.ret = -errno;
		else
			hc_file_entry_handle(ctx, dir, hc_file_openat(dir->fd, name, O_PATH, 0), -1,
					     &e);
	}
	return hc_file_entry_done(ctx, arg, &e);
}

enum hc_result hc_fs_link(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_entry e;
	struct hc_file_handle *dir;
	char name[UNIK_FS_NAME_MAX + 1];
	if (hc_file_entry_args(ctx, arg, &e, &dir, name, true) != HC_OK)
		return HC_BAD;
	struct hc_file_handle *src = e.ret ? NULL : hc_file_get(ctx, e.handle);
	if (e.ret)
		;
	else if (!src)
		e.ret = -EBADF;
	else if (src->vol != dir->vol)
		e.ret = -EXDEV;         /* never a name for a file of another (perhaps :ro) volume */
	else if (src->type == S_IFDIR)
		e.ret = -EPERM;
	else if (linkat(src->fd, "", dir->fd, name, AT_EMPTY_PATH)) {
		/* Without CAP_DAC_READ_SEARCH, AT_EMPTY_PATH is refused: link the fd's inode
		   through its /proc magic link, which names exactly that inode. */
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", src->fd);
		if (errno == EEXIST || linkat(AT_FDCWD, p, dir->fd, name, AT_SYMLINK_FOLLOW))
			e.ret = -errno;
	}
	return hc_file_entry_done(ctx, arg, &e);
}

static enum hc_result hc_file_remove(struct hc_ctx *ctx, unik_gpa_t arg, int flags)
{
	struct unik_hc_fs_entry e;
	struct hc_file_handle *dir;
	char name[UNIK_FS_NAME_MAX + 1];
	if (hc_file_entry_args(ctx, arg, &e, &dir, name, true) != HC_OK)
		return HC_BAD;
	if (!e.ret && unlinkat(dir->fd, name, flags))
		e.ret = -errno;
	return hc_file_entry_done(ctx, arg, &e);
}

enum hc_result hc_fs_unlink(struct hc_ctx *ctx, unik_gpa_t arg)
{
	return hc_file_remove(ctx, arg, 0);
}

enum hc_result hc_fs_rmdir(struct hc_ctx *ctx, unik_gpa_t arg)
{
	return hc_file_remove(ctx, arg, AT_REMOVEDIR);
}

enum hc_result hc_fs_rename(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_rename r;
	char oldname[UNIK_FS_NAME_MAX + 1], newname[UNIK_FS_NAME_MAX + 1];
	if (gmem_read(&ctx->mem, arg, &r, sizeof(r)))
		return HC_BAD;
	struct hc_file_handle *od = hc_file_get(ctx, r.olddir), *nd = hc_file_get(ctx, r.newdir);
	const uint32_t known = UNIK_FS_RENAME_NOREPLACE | UNIK_FS_RENAME_EXCHANGE;
	r.ret = 0;
	if (!od || !nd)
		r.ret = -EBADF;
	else if (od->type != S_IFDIR || nd->type != S_IFDIR)
		r.ret = -ENOTDIR;
	else if ((r.flags & ~known) || r.flags == known)
		r.ret = -EINVAL;
	else if (od->vol != nd->vol)
		r.ret = -EXDEV;
	else if (hc_file_ro(ctx->file, od))
		r.ret = -EROFS;
	else if (!(r.ret = hc_file_name(ctx, r.oldname, r.oldlen, oldname)))
		r.ret = hc_file_name(ctx, r.newname, r.newlen, newname);
	if (!r.ret) {
		hc_file_notify_name(ctx->file, od, oldname);
		hc_file_notify_name(ctx->file, nd, newname);
	}
	if (!r.ret && syscall(SYS_renameat2, od->fd, oldname, nd->fd, newname, r.flags))
		r.ret = -errno;
	return gmem_write(&ctx->mem, arg, &r, sizeof(r)) ? HC_BAD : HC_OK;
}
