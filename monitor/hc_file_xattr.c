/* Volume hypercalls, part 3: extended attributes (include/unik/abi.h, struct unik_hc_fs_xattr).
   The monitor may run as root, for whom the host honours security.*, trusted.* and ACLs: only
   user.* names ever reach the host, and only on regular files and directories (where Linux keeps
   user.* at all), so the host is never asked about a symlink, FIFO or device. A handle is an
   O_PATH fd, which f*xattr refuses: the calls go through its /proc magic link, which names
   exactly that inode whatever has happened to its name since (and, being a directory or regular
   file, is no symlink that the path calls could follow further). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include "monitor/hc_file.h"

_Static_assert(HC_FILE_DBUF >= UNIK_FS_XATTR_MAX, "the host's list fits dbuf");
_Static_assert(UNIK_FS_XATTR_CREATE == XATTR_CREATE && UNIK_FS_XATTR_REPLACE == XATTR_REPLACE,
	       "the flags are Linux's");

static bool hc_xattr_user(const char *name, size_t len)
{
	return len >= 5 && !memcmp(name, "user.", 5);
}

/* The checks every call shares: the struct, the handle, the name unless name is NULL (LIST)
   (copied once, then checked), and for GET and LIST (out not NULL) where the answer goes, *out
   (NULL when len is 0). Returns HC_BAD for an unreadable struct; otherwise x->ret holds 0 or the
   error. */
static enum hc_result hc_xattr_args(struct hc_ctx *ctx, unik_gpa_t arg,
				    struct unik_hc_fs_xattr *x, struct hc_file_handle **h,
				    char name[UNIK_FS_NAME_MAX + 1], void **out)
{
	if (gmem_read(&ctx->mem, arg, x, sizeof(*x)))
		return HC_BAD;
	x->ret = 0;
	*h = hc_file_get(ctx, x->handle);
	if (out) {
		/* A larger buffer than any value or list is as good as one of the largest. */
		if (x->len > UNIK_FS_XATTR_MAX)
			x->len = UNIK_FS_XATTR_MAX;
		*out = x->len ? gmem_ptr(&ctx->mem, x->buf, x->len) : NULL;
	}
	if (!*h)
		x->ret = -EBADF;
	else if (name && (x->name_len == 0 || x->name_len > UNIK_FS_NAME_MAX))
		x->ret = -ERANGE;       /* Linux's answer to an empty or too long name */
	else if (name && gmem_read(&ctx->mem, x->name, name, x->name_len))
		x->ret = -EFAULT;
	else if (name && memchr(name, 0, x->name_len))
		x->ret = -EINVAL;       /* "user.a\0..." must not reach the host as "user.a" */
	else if (out && x->len && !*out)
		x->ret = -EFAULT;
	else if (name)
		name[x->name_len] = 0;
	return HC_OK;
}

/* Is the handle's file one that may hold user.* names? */
static bool hc_xattr_kept(const struct hc_file_handle *h)
{
	return h->type == S_IFREG || h->type == S_IFDIR;
}

static void hc_xattr_path(const struct hc_file_handle *h, char p[32])
{
	snprintf(p, 32, "/proc/self/fd/%d", h->fd);
}

static enum hc_result hc_xattr_done(struct hc_ctx *ctx, unik_gpa_t arg,
				    const struct unik_hc_fs_xattr *x)
{
	return gmem_write(&ctx->mem, arg, x, sizeof(*x)) ? HC_BAD : HC_OK;
}

enum hc_result hc_fs_getxattr(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_xattr x;
	struct hc_file_handle *h;
	char name[UNIK_FS_NAME_MAX + 1], p[32];
	void *buf;
	if (hc_xattr_args(ctx, arg, &x, &h, name, &buf) != HC_OK)
		return HC_BAD;
	if (x.ret)
		;
	else if (!hc_xattr_user(name, x.name_len) || !hc_xattr_kept(h))
		x.ret = -ENODATA;
	else {
		hc_xattr_path(h, p);
		ssize_t n = getxattr(p, name, buf, x.len);
		x.ret = n < 0 ? -errno : n;
	}
	return hc_xattr_done(ctx, arg, &x);
}

/* Keeps the user.* names of the host's list (n bytes at list) at its start; their length. */
static size_t hc_xattr_filter(char *list, size_t n)
{
	size_t out = 0;
	for (size_t at = 0; at < n;) {
		size_t l = strnlen(list + at, n - at);
		if (l == n - at)
			break;          /* no NUL: not a name */
		if (hc_xattr_user(list + at, l)) {
			memmove(list + out, list + at, l + 1);
			out += l + 1;
		}
		at += l + 1;
	}
	return out;
}

enum hc_result hc_fs_listxattr(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_xattr x;
	struct hc_file_handle *h;
	char p[32];
	void *buf;
	if (hc_xattr_args(ctx, arg, &x, &h, NULL, &buf) != HC_OK)
		return HC_BAD;
	if (x.ret || !hc_xattr_kept(h))
		;                       /* no user.* names anywhere else: an empty list */
	else {
		/* The whole list, so that only what the guest may see is counted. */
		char *list = (char *)ctx->file->dbuf;
		hc_xattr_path(h, p);
		ssize_t n = listxattr(p, list, UNIK_FS_XATTR_MAX);
		size_t shown = n < 0 ? 0 : hc_xattr_filter(list, (size_t)n);
		if (n < 0)
			x.ret = errno == ERANGE ? -E2BIG : -errno;
		else if (x.len && shown > x.len)
			x.ret = -ERANGE;
		else {
			if (x.len)
				memcpy(buf, list, shown);
			x.ret = (int64_t)shown;
		}
	}
	return hc_xattr_done(ctx, arg, &x);
}

/* SETXATTR, and REMOVEXATTR (remove). */
static enum hc_result hc_xattr_change(struct hc_ctx *ctx, unik_gpa_t arg, bool remove)
{
	struct unik_hc_fs_xattr x;
	struct hc_file_handle *h;
	char name[UNIK_FS_NAME_MAX + 1], p[32];
	if (hc_xattr_args(ctx, arg, &x, &h, name, NULL) != HC_OK)
		return HC_BAD;
	/* An empty value needs no buffer: setxattr(2) ignores the pointer then. */
	const void *val = remove || x.len == 0 ? "" : x.len <= UNIK_FS_XATTR_MAX ?
			  gmem_ptr(&ctx->mem, x.buf, x.len) : NULL;
	if (x.ret)
		;
	else if (!remove && (x.flags & ~(UNIK_FS_XATTR_CREATE | UNIK_FS_XATTR_REPLACE)))
		x.ret = -EINVAL;
	else if (!remove && x.len > UNIK_FS_XATTR_MAX)
		x.ret = -E2BIG;
	else if (!val)
		x.ret = -EFAULT;
	else if (hc_file_ro(ctx->file, h))
		x.ret = -EROFS;
	else if (!hc_xattr_user(name, x.name_len))
		x.ret = -EOPNOTSUPP;
	else if (!hc_xattr_kept(h))
		x.ret = -EPERM;
	else {
		hc_xattr_path(h, p);
		/* XATTR_CREATE and XATTR_REPLACE are the flags' own values: Linux's on both sides. */
		if (remove ? removexattr(p, name) : setxattr(p, name, val, x.len, (int)x.flags))
			x.ret = -errno;
	}
	return hc_xattr_done(ctx, arg, &x);
}

enum hc_result hc_fs_setxattr(struct hc_ctx *ctx, unik_gpa_t arg)
{
	return hc_xattr_change(ctx, arg, false);
}

enum hc_result hc_fs_removexattr(struct hc_ctx *ctx, unik_gpa_t arg)
{
	return hc_xattr_change(ctx, arg, true);
}
