/* Volume hypercalls, part 4: changes the host makes to files the guest watches (include/unik/
   abi.h, "Host changes"). One host inotify instance per VM watches the inode of each watched
   handle through the handle's /proc magic link, which names exactly that inode: no path is
   resolved, so a watch never lands outside the volume. Events are read without blocking by the
   vCPU thread only: before and after every file call that may change host files (the events
   read after it that are about the files it touched are its own, and the guest reports its own
   changes itself), when the guest sleeps or polls, when the watchdog saw the fd readable, and
   when the guest takes them. They wait in a bounded queue of records; when it or the host's
   queue overflows, one overflow record stands for what was lost. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "monitor/hc_file.h"

_Static_assert(UNIK_FS_WATCH_EVENTS == IN_ALL_EVENTS, "the guest asks with Linux's bits");
_Static_assert(UNIK_FS_EV_IGNORED == IN_IGNORED && UNIK_FS_EV_OVERFLOW == IN_Q_OVERFLOW,
	       "records carry Linux's bits");

/* What a call that reads, writes or changes the attributes of a file makes the host report
   about it (the opens and closes of the monitor's own fds included). */
#define HC_NOTIFY_DATA (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | \
			IN_OPEN)
#define HC_NOTIFY_QUEUE_MIN (64u << 10)
#define HC_NOTIFY_REC(nl) ((sizeof(struct unik_hc_fs_event) + (nl) + 1 + 7) & ~(size_t)7)

void hc_file_notify_init(struct hc_file *hf)
{
	struct hc_file_notify *n = &hf->notify;
	n->fd = -1;
	n->max = UNIK_FS_WATCH_MAX;
	n->max_events = UNIK_FS_EVENTS_MAX;
	n->qlast = SIZE_MAX;
}

void hc_file_notify_free(struct hc_file *hf)
{
	struct hc_file_notify *n = &hf->notify;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	free(n->w);
	free(n->q);
	n->w = NULL;
	n->q = NULL;
}

int hc_file_notify_fd(const struct hc_file *hf)
{
	return hf ? __atomic_load_n(&hf->notify.fd, __ATOMIC_ACQUIRE) : -1;
}

/* ---- the watches, found by the host's wd ---- */

static uint32_t *hc_notify_chain(struct hc_file_notify *n, int wd)
{
	return &n->hash[(uint32_t)wd % HC_NOTIFY_HASH];
}

static struct hc_notify_watch *hc_notify_find(struct hc_file_notify *n, int wd)
{
	for (uint32_t i = *hc_notify_chain(n, wd); i; i = n->w[i - 1].hnext)
		if (n->w[i - 1].wd == wd)
			return &n->w[i - 1];
	return NULL;
}

/* The entry of the host file dev:ino, or NULL (a scan: only needed at the bound). */
static struct hc_notify_watch *hc_notify_by_file(struct hc_file_notify *n, dev_t dev, ino_t ino)
{
	for (uint32_t i = 0; i < n->capw; i++)
		if (n->w[i].wd >= 0 && n->w[i].dev == dev && n->w[i].ino == ino)
			return &n->w[i];
	return NULL;
}

/* A new entry for wd (the table grows by doubling, up to the bound), or NULL. */
static struct hc_notify_watch *hc_notify_new(struct hc_file_notify *n, int wd, const struct stat *st)
{
	if (n->nw >= n->max)
		return NULL;
	if (n->nw == n->capw) {
		uint32_t cap = n->capw ? n->capw * 2 : 16;
		cap = cap < n->max ? cap : n->max;
		struct hc_notify_watch *w = realloc(n->w, cap * sizeof(*w));
		if (!w)
			return NULL;
		for (uint32_t i = n->capw; i < cap; i++)
			w[i] = (struct hc_notify_watch){ .wd = -1 };
		n->w = w;
		n->capw = cap;
	}
	uint32_t i = 0;
	while (n->w[i].wd >= 0)
		i++;
	uint32_t *chain = hc_notify_chain(n, wd);
	n->w[i] = (struct hc_notify_watch){ .wd = wd, .hnext = *chain, .dev = st->st_dev,
					    .ino = st->st_ino };
	*chain = i + 1;
	n->nw++;
	return &n->w[i];
}

static void hc_notify_drop(struct hc_file_notify *n, struct hc_notify_watch *e)
{
	uint32_t idx = (uint32_t)(e - n->w) + 1;
	for (uint32_t *l = hc_notify_chain(n, e->wd); *l; l = &n->w[*l - 1].hnext)
		if (*l == idx) {
			*l = e->hnext;
			break;
		}
	*e = (struct hc_notify_watch){ .wd = -1 };
	n->nw--;
}

/* The path through which the host watches exactly the file of handle h. */
static void hc_notify_path(const struct hc_file_handle *h, char p[32])
{
	snprintf(p, 32, "/proc/self/fd/%d", h->fd);
}

/* Counts handle h's wishes in e (by +1 or -1). */
static void hc_notify_count(struct hc_notify_watch *e, uint32_t mask, int by)
{
	for (int b = 0; b < 12; b++)
		if (mask & (1u << b))
			e->wanting[b] += (uint32_t)by;
}

/* Asks the host again for what e's handles want together, when that changed. */
static int hc_notify_rearm(struct hc_file *hf, struct hc_notify_watch *e)
{
	uint32_t mask = 0;
	for (int b = 0; b < 12; b++)
		if (e->wanting[b])
			mask |= 1u << b;
	if (mask == e->mask)
		return 0;
	char p[32];
	hc_notify_path(&hf->h[e->first], p);
	if (inotify_add_watch(hf->notify.fd, p, mask) < 0)
		return -errno;
	e->mask = mask;
	return 0;
}

/* Handle n (not watched yet) joins e's handles. */
static void hc_notify_link(struct hc_file *hf, struct hc_notify_watch *e, uint32_t n, uint32_t mask)
{
	struct hc_file_handle *h = &hf->h[n];
	h->watch = (uint32_t)(e - hf->notify.w) + 1;
	h->watch_mask = mask;
	h->watch_prev = 0;
	h->watch_next = e->first;
	if (e->first)
		hf->h[e->first].watch_prev = n;
	e->first = n;
	hc_notify_count(e, mask, 1);
}

/* Handle n leaves its watch's handles. */
static void hc_notify_unlink(struct hc_file *hf, struct hc_notify_watch *e, uint32_t n)
{
	struct hc_file_handle *h = &hf->h[n];
	if (h->watch_prev)
		hf->h[h->watch_prev].watch_next = h->watch_next;
	else
		e->first = h->watch_next;
	if (h->watch_next)
		hf->h[h->watch_next].watch_prev = h->watch_prev;
	hc_notify_count(e, h->watch_mask, -1);
	h->watch = h->watch_mask = h->watch_prev = h->watch_next = 0;
}

/* Watches the file of handle n for mask (not 0): its watch number or -errno. */
static int64_t hc_notify_watch(struct hc_file *hf, uint32_t n, uint32_t mask)
{
	struct hc_file_notify *no = &hf->notify;
	struct hc_file_handle *h = &hf->h[n];
	if (h->watch) {
		struct hc_notify_watch *e = &no->w[h->watch - 1];
		uint32_t old = h->watch_mask;
		hc_notify_count(e, old, -1);
		hc_notify_count(e, mask, 1);
		h->watch_mask = mask;
		int err = hc_notify_rearm(hf, e);
		if (err) {
			hc_notify_count(e, mask, -1);
			hc_notify_count(e, old, 1);
			h->watch_mask = old;
		}
		return err ? err : e->wd;
	}
	if (no->fd < 0) {
		int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fd < 0)
			return errno == ENOMEM ? -ENOMEM : -ENOSPC;   /* no instance for the monitor */
		__atomic_store_n(&no->fd, fd, __ATOMIC_RELEASE);
	}
	struct stat st;
	if (fstat(h->fd, &st))
		return -errno;
	if (no->nw >= no->max && !hc_notify_by_file(no, st.st_dev, st.st_ino))
		return -ENOSPC;
	char p[32];
	hc_notify_path(h, p);
	/* IN_MASK_ADD: a file already watched for other handles keeps what they asked. */
	int wd = inotify_add_watch(no->fd, p, mask | IN_MASK_ADD);
	if (wd < 0)
		return -errno;
	struct hc_notify_watch *e = hc_notify_find(no, wd);
	if (!e && !(e = hc_notify_new(no, wd, &st))) {
		inotify_rm_watch(no->fd, wd);
		return -ENOMEM;
	}
	hc_notify_link(hf, e, n, mask);
	e->mask |= mask;
	return wd;
}

void hc_file_notify_forget(struct hc_file *hf, uint32_t n)
{
	struct hc_file_notify *no = &hf->notify;
	struct hc_file_handle *h = &hf->h[n];
	if (!h->watch)
		return;
	struct hc_notify_watch *e = &no->w[h->watch - 1];
	hc_notify_unlink(hf, e, n);
	if (e->first) {
		hc_notify_rearm(hf, e);         /* a narrower mask: only a cost if it fails */
		return;
	}
	/* Its IN_IGNORED comes for a wd no longer known, and is dropped. */
	inotify_rm_watch(no->fd, e->wd);
	hc_notify_drop(no, e);
}

/* The host dropped e (its filesystem went away): the handles lose their watch. */
static void hc_notify_lost(struct hc_file *hf, struct hc_notify_watch *e)
{
	while (e->first)
		hc_notify_unlink(hf, e, e->first);
	hc_notify_drop(&hf->notify, e);
}

/* ---- what the running call touches ---- */

static bool hc_notify_recording(const struct hc_file_notify *n)
{
	return n->in_call && n->nw && !n->touched_all;
}

/* Records the file dev:ino as touched, with the last component of path (the name the host
   reports it by in its directory's events). */
static void hc_notify_touch_file(struct hc_file_notify *n, dev_t dev, ino_t ino, const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path ? path : "";
	for (uint32_t i = 0; i < n->ntouched; i++)
		if (n->touched[i].dev == dev && n->touched[i].ino == ino &&
		    !strcmp(n->touched[i].name, base))
			return;
	if (n->ntouched == HC_NOTIFY_TOUCH) {
		n->touched_all = true;
		return;
	}
	n->touched[n->ntouched].dev = dev;
	n->touched[n->ntouched].ino = ino;
	snprintf(n->touched[n->ntouched++].name, UNIK_FS_NAME_MAX + 1, "%s", base);
}

void hc_file_notify_touch(struct hc_file *hf, const struct hc_file_handle *h)
{
	struct hc_file_notify *n = &hf->notify;
	struct stat st;
	if (!hc_notify_recording(n))
		return;
	/* Its name now, as the host's events about what the call does will give it (the fd's
	   /proc link: the path it has now, even after a rename, "(deleted)" once removed). */
	char p[32], path[UNIK_FS_PATH_MAX + 1];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h->fd);
	ssize_t len = readlink(p, path, UNIK_FS_PATH_MAX);
	path[len > 0 ? len : 0] = 0;
	if (h->watch)
		hc_notify_touch_file(n, n->w[h->watch - 1].dev, n->w[h->watch - 1].ino, path);
	else if (fstat(h->fd, &st) == 0)
		hc_notify_touch_file(n, st.st_dev, st.st_ino, path);
}

void hc_file_notify_name(struct hc_file *hf, const struct hc_file_handle *dir, const char *name)
{
	struct hc_file_notify *n = &hf->notify;
	struct stat st;
	if (!hc_notify_recording(n))
		return;
	if (n->nnames == 2 || fstat(dir->fd, &st)) {
		n->touched_all = true;
		return;
	}
	n->names[n->nnames].dev = st.st_dev;
	n->names[n->nnames].ino = st.st_ino;
	snprintf(n->names[n->nnames++].name, UNIK_FS_NAME_MAX + 1, "%s", name);
	/* What the name leads to now: removed, renamed or replaced, it hears of it itself. */
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		hc_notify_touch_file(n, st.st_dev, st.st_ino, name);
}

static bool hc_notify_touched(const struct hc_file_notify *n, dev_t dev, ino_t ino)
{
	for (uint32_t i = 0; i < n->ntouched; i++)
		if (n->touched[i].dev == dev && n->touched[i].ino == ino)
			return true;
	return false;
}

/* Is name (nl bytes) the name the host gives a touched file? A removed file's link reads
   "NAME (deleted)". */
static bool hc_notify_touched_name(const struct hc_file_notify *n, const char *name, size_t nl)
{
	static const char deleted[] = " (deleted)";
	for (uint32_t i = 0; i < n->ntouched; i++) {
		const char *t = n->touched[i].name;
		size_t tl = strlen(t);
		if ((tl == nl || (tl == nl + sizeof(deleted) - 1 && !strcmp(t + nl, deleted))) &&
		    nl && !memcmp(t, name, nl))
			return true;
	}
	return false;
}

/* Is the event (about e's file itself, or its entry name) one the running call made? Events
   about the file itself are matched by the file, those about an entry by the directory and the
   name the call changed, or, for reads, writes and the opens and closes of the monitor's own
   fds, by the name the host gives the file the call used (a change the host makes at that very
   moment to a file of the same name in another watched directory goes unreported). */
static bool hc_notify_ours(struct hc_file *hf, const struct hc_notify_watch *e, uint32_t mask,
			   const char *name, size_t nl)
{
	const struct hc_file_notify *n = &hf->notify;
	if (n->touched_all)
		return true;
	if (!nl)
		return hc_notify_touched(n, e->dev, e->ino);
	for (uint32_t i = 0; i < n->nnames; i++)
		if (n->names[i].dev == e->dev && n->names[i].ino == e->ino &&
		    strlen(n->names[i].name) == nl && !memcmp(n->names[i].name, name, nl))
			return true;
	return (mask & HC_NOTIFY_DATA) && hc_notify_touched_name(n, name, nl);
}

/* ---- the queue of records ---- */

/* Room for rl more bytes at the end (moving what waits to the front, growing up to the
   bound plus an overflow record). */
static bool hc_notify_room(struct hc_file_notify *n, size_t rl, bool overflow)
{
	size_t used = n->qend - n->qstart;
	if (!overflow && used + rl + HC_NOTIFY_REC(0) > HC_NOTIFY_QUEUE)
		return false;
	if (n->qcap - n->qend >= rl)
		return true;
	if (n->qstart) {
		memmove(n->q, n->q + n->qstart, used);
		if (n->qlast != SIZE_MAX)
			n->qlast -= n->qstart;
		n->qstart = 0;
		n->qend = used;
		if (n->qcap - n->qend >= rl)
			return true;
	}
	size_t cap = n->qcap ? n->qcap * 2 : HC_NOTIFY_QUEUE_MIN;
	while (cap < used + rl)
		cap *= 2;
	uint8_t *q = realloc(n->q, cap);
	if (!q)
		return false;
	n->q = q;
	n->qcap = cap;
	return true;
}

static void hc_notify_put(struct hc_file_notify *n, int32_t wd, uint32_t mask, uint32_t cookie,
			  const char *name, size_t nl)
{
	size_t rl = HC_NOTIFY_REC(nl);
	struct unik_hc_fs_event r = { .watch = wd, .mask = mask, .cookie = cookie,
				      .reclen = (uint16_t)rl, .name_len = (uint8_t)nl };
	uint8_t *at = n->q + n->qend;
	memcpy(at, &r, sizeof(r));
	if (nl)
		memcpy(at + sizeof(r), name, nl);
	memset(at + sizeof(r) + nl, 0, rl - sizeof(r) - nl);
	n->qlast = n->qend;
	n->qend += rl;
	n->qcount++;
}

/* One overflow record for all that is lost until the guest takes it. */
static void hc_notify_overflow(struct hc_file_notify *n)
{
	if (n->overflow || !hc_notify_room(n, HC_NOTIFY_REC(0), true))
		return;
	hc_notify_put(n, -1, IN_Q_OVERFLOW, 0, NULL, 0);
	n->overflow = true;
	n->qlast = SIZE_MAX;    /* nothing merges into it */
}

/* Queues a record; one equal to the last one waiting merges into it, as Linux's queue does. */
static void hc_notify_queue(struct hc_file_notify *n, int32_t wd, uint32_t mask, uint32_t cookie,
			    const char *name, size_t nl)
{
	if (n->overflow)
		return;
	if (n->qlast != SIZE_MAX) {
		struct unik_hc_fs_event last;
		memcpy(&last, n->q + n->qlast, sizeof(last));
		if (last.watch == wd && last.mask == mask && last.cookie == cookie &&
		    last.name_len == nl && (!nl || !memcmp(n->q + n->qlast + sizeof(last), name, nl)))
			return;
	}
	if (n->qcount >= n->max_events || !hc_notify_room(n, HC_NOTIFY_REC(nl), false))
		hc_notify_overflow(n);
	else
		hc_notify_put(n, wd, mask, cookie, name, nl);
}

static void hc_notify_event(struct hc_file *hf, const struct inotify_event *ev, const char *name,
			    size_t nl, bool filter)
{
	struct hc_file_notify *n = &hf->notify;
	if (ev->mask & IN_Q_OVERFLOW) {
		hc_notify_overflow(n);
		return;
	}
	struct hc_notify_watch *e = hc_notify_find(n, ev->wd);
	if (!e)
		return;         /* a watch already removed */
	if (ev->mask & IN_IGNORED) {
		hc_notify_lost(hf, e);
		hc_notify_queue(n, ev->wd, IN_IGNORED, 0, NULL, 0);
		return;
	}
	uint32_t mask = ev->mask & (IN_ALL_EVENTS | IN_ISDIR);
	/* A name the guest could never look up is no entry it knows. */
	if (nl > UNIK_FS_NAME_MAX || !(mask & IN_ALL_EVENTS))
		return;
	if (filter && hc_notify_ours(hf, e, mask, name, nl))
		return;
	hc_notify_queue(n, ev->wd, mask, ev->cookie, name, nl);
}

bool hc_file_notify_parse(struct hc_file *hf, const uint8_t *buf, size_t len, bool filter)
{
	for (size_t at = 0; at < len;) {
		struct inotify_event ev;
		if (len - at < sizeof(ev))
			return false;
		memcpy(&ev, buf + at, sizeof(ev));
		if (ev.len > len - at - sizeof(ev))
			return false;
		const char *name = (const char *)buf + at + sizeof(ev);
		at += sizeof(ev) + ev.len;
		hc_notify_event(hf, &ev, name, strnlen(name, ev.len), filter);
	}
	return true;
}

/* Reads all the host has for us (filter: the running call's own are left out). */
static void hc_notify_read(struct hc_file *hf, bool filter)
{
	if (hf->notify.fd < 0)
		return;
	for (;;) {
		ssize_t r = read(hf->notify.fd, hf->dbuf, HC_FILE_DBUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		hc_file_notify_parse(hf, hf->dbuf, (size_t)r, filter);
	}
}

static void hc_notify_publish(struct hc_ctx *ctx)
{
	uint32_t waiting = ctx->file->notify.qcount != 0;
	gmem_write(&ctx->mem, UNIK_BOOT_INFO_GPA + offsetof(struct unik_boot_info, fs_events),
		   &waiting, sizeof(waiting));
}

/* ---- the calls ---- */

void hc_file_notify_begin(struct hc_ctx *ctx)
{
	struct hc_file_notify *n = &ctx->file->notify;
	if (!n->nw)
		return;         /* nothing watched: nothing to tell apart */
	hc_notify_read(ctx->file, false);       /* what came before the call is the host's */
	n->in_call = true;
	n->touched_all = false;
	n->ntouched = n->nnames = 0;
}

void hc_file_notify_end(struct hc_ctx *ctx)
{
	struct hc_file_notify *n = &ctx->file->notify;
	if (!n->in_call)
		return;
	/* The host queued the call's events before its system calls returned. */
	hc_notify_read(ctx->file, true);
	n->in_call = false;
	hc_notify_publish(ctx);
}

bool hc_file_notify_pump(struct hc_ctx *ctx)
{
	if (!ctx->file || ctx->file->notify.fd < 0)
		return false;
	hc_notify_read(ctx->file, false);
	hc_notify_publish(ctx);
	return ctx->file->notify.qcount != 0;
}

enum hc_result hc_fs_watch(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_watch w;
	if (gmem_read(&ctx->mem, arg, &w, sizeof(w)))
		return HC_BAD;
	struct hc_file_handle *h = hc_file_get(ctx, w.handle);
	if (!h)
		w.ret = -EBADF;
	else if (w.mask & ~UNIK_FS_WATCH_EVENTS)
		w.ret = -EINVAL;
	else if (!w.mask) {
		hc_file_notify_forget(ctx->file, w.handle);
		w.ret = 0;
	} else {
		w.ret = hc_notify_watch(ctx->file, w.handle, w.mask);
	}
	return gmem_write(&ctx->mem, arg + offsetof(struct unik_hc_fs_watch, ret), &w.ret,
			  sizeof(w.ret)) ? HC_BAD : HC_OK;
}

/* Copies whole records into buf (len bytes): the bytes copied. */
static size_t hc_notify_take(struct hc_file_notify *n, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (n->qstart < n->qend) {
		struct unik_hc_fs_event r;
		memcpy(&r, n->q + n->qstart, sizeof(r));
		if (r.reclen > len - done)
			break;
		memcpy(buf + done, n->q + n->qstart, r.reclen);
		done += r.reclen;
		if (r.mask & IN_Q_OVERFLOW)
			n->overflow = false;
		n->qstart += r.reclen;
		n->qcount--;
	}
	if (n->qlast != SIZE_MAX && n->qlast < n->qstart)
		n->qlast = SIZE_MAX;    /* taken: nothing merges into it any more */
	if (n->qstart == n->qend)
		n->qstart = n->qend = 0;
	return done;
}

enum hc_result hc_fs_events(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_fs_events ev;
	if (gmem_read(&ctx->mem, arg, &ev, sizeof(ev)))
		return HC_BAD;
	uint64_t len = ev.len < UNIK_FS_IO_MAX ? ev.len : UNIK_FS_IO_MAX;
	uint8_t *buf = len ? gmem_ptr(&ctx->mem, ev.buf, len) : NULL;
	if (!ctx->file)
		ev.ret = 0;
	else if (len && !buf)
		ev.ret = -EFAULT;
	else {
		hc_file_notify_pump(ctx);
		ev.ret = (int64_t)hc_notify_take(&ctx->file->notify, buf, (size_t)len);
		hc_notify_publish(ctx);
	}
	return gmem_write(&ctx->mem, arg + offsetof(struct unik_hc_fs_events, ret), &ev.ret,
			  sizeof(ev.ret)) ? HC_BAD : HC_OK;
}
