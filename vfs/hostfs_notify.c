/* hostfs: changes the host makes to files the guest watches. A hostfs inode with fsnotify marks
   has the monitor watch its host file (UNIK_HC_FS_WATCH) for what the marks want, plus what keeps
   the guest's caches true: a directory's entries coming and going, a file's link count, moves.
   The monitor queues what others than itself changed (the guest reports its own changes
   itself); the records are taken here (UNIK_HC_FS_EVENTS) when boot_info->fs_events says so, at
   the end of system calls, upcalls and in the scheduler, and each goes to the marks of the
   inodes watched under its watch number as Linux would report it, after the caches that would
   hide the change are made stale: the cached name of an entry created, removed or moved (moved
   as the guest's own rename moves it when both directories are watched), the listing kept of
   the directory, the pages cached of a file written. A file whose last link the host removed
   ends as the guest's own do: DELETE_SELF and IN_IGNORED once no dentry holds it. */
#include "k/kernel.h"
#include "k/hc.h"
#include "k/time.h"
#include "vfs/vfs.h"
#include "vfs/fsnotify.h"
#include "vfs/hostfs.h"

#define S_ISDIR_(m) (((m) & S_IFMT) == S_IFDIR)

static struct hostfs_node *node(struct inode *ino) { return ino->priv; }

/* ---- watched inodes by watch number ---- */

#define HOSTFS_WD_HASH 256
static struct inode *hostfs_wd_hash[HOSTFS_WD_HASH];

static struct inode **hostfs_wd_chain(int32_t wd)
{
	return &hostfs_wd_hash[(uint32_t)wd % HOSTFS_WD_HASH];
}

static void hostfs_wd_unhash(struct inode *ino)
{
	struct hostfs_node *n = node(ino);
	if (!n->wd)
		return;
	for (struct inode **l = hostfs_wd_chain(n->wd); *l; l = &node(*l)->wd_next)
		if (*l == ino) {
			*l = n->wd_next;
			break;
		}
	n->wd = 0;
	n->wd_next = NULL;
}

/* What the host is asked to report for marks wanting mask. */
static uint32_t hostfs_watch_mask(const struct inode *ino, uint32_t mask)
{
	uint32_t want = mask & FS_ALL_EVENTS;
	if (mask & FS_DN_RENAME)
		want |= FS_MOVED_FROM | FS_MOVED_TO;
	if (!want)
		return 0;
	want |= FS_MOVE_SELF | FS_DELETE_SELF;
	if (S_ISDIR_(ino->mode))
		want |= FS_CREATE | FS_DELETE | FS_MOVED_FROM | FS_MOVED_TO;    /* cached names */
	else
		want |= FS_ATTRIB;      /* the link count: the file's end */
	return want;
}

int hostfs_watch(struct inode *ino, uint32_t mask)
{
	struct hostfs_node *n = node(ino);
	uint32_t want = hostfs_watch_mask(ino, mask);
	if (want == n->watch_mask)
		return 0;
	int64_t wd = hc_fs_watch(n->handle, want);
	if (wd < 0)
		return want ? (int)wd : 0;
	hostfs_wd_unhash(ino);
	n->watch_mask = want;
	if (want && wd > 0) {
		struct inode **chain = hostfs_wd_chain((int32_t)wd);
		n->wd = (int32_t)wd;
		n->wd_next = *chain;
		*chain = ino;
	}
	return 0;
}

void hostfs_watch_release(struct inode *ino)
{
	hostfs_wd_unhash(ino);
}

void hostfs_stale(struct inode *ino)
{
	struct hostfs_node *n = node(ino);
	if ((ino->mode & S_IFMT) != S_IFREG)
		return;
	text_pages_retire(&n->text);
	if (n->pages)
		n->stale = true;
}

/* ---- files the host removed: their end comes after the events of the same change ---- */

#define HOSTFS_GONE 16
static struct inode *hostfs_gone[HOSTFS_GONE];
static unsigned hostfs_ngone;

/* No link left on the host: the cached name goes, and the inode ends now unless a dentry
   still holds it (an open file, a working directory), whose end then reports it. */
static void hostfs_gone_check(struct inode *ino)
{
	if (!ino->marks || hostfs_getattr(ino) || ino->nlink)
		return;
	struct dentry *d = ino->alias;
	if (d && !d->unlinked && !d->mounted && d->parent != d)
		vfs_forget(d->parent, d->name, d->len);
	if (!ino->dentries && ino->marks)
		fsnotify_inode_gone(ino);
}

static void hostfs_gone_run(void)
{
	for (unsigned i = 0; i < hostfs_ngone; i++) {
		hostfs_gone_check(hostfs_gone[i]);
		inode_put(hostfs_gone[i]);
	}
	hostfs_ngone = 0;
}

/* ino may have lost its last link: looked at before the next record that is not about a file
   itself (ATTRIB, MOVE_SELF), and at the end of the batch. */
static void hostfs_gone_later(struct inode *ino)
{
	for (unsigned i = 0; i < hostfs_ngone; i++)
		if (hostfs_gone[i] == ino)
			return;
	if (hostfs_ngone == HOSTFS_GONE)
		hostfs_gone_run();
	inode_get(ino);
	hostfs_gone[hostfs_ngone++] = ino;
}

/* ---- records ---- */

struct hostfs_rec {
	int32_t wd;
	uint32_t mask, cookie;
	const char *name;
	size_t len;
	bool paired;            /* MOVED_FROM: its MOVED_TO follows in the batch */
	bool same_dir;          /* ... under the same watch (dnotify's DN_RENAME) */
};

/* The record at byte at of buf (len bytes), checked; *next: the one after. */
static bool hostfs_rec_at(const uint8_t *buf, size_t len, size_t at, struct hostfs_rec *r,
			  size_t *next)
{
	struct unik_hc_fs_event e;
	if (at >= len || len - at < sizeof(e))
		return false;
	memcpy(&e, buf + at, sizeof(e));
	if (e.reclen < sizeof(e) + e.name_len + 1u || e.reclen > len - at || e.reclen % 8)
		return false;
	*r = (struct hostfs_rec){ .wd = e.watch, .mask = e.mask, .cookie = e.cookie,
				  .name = (const char *)buf + at + sizeof(e), .len = e.name_len };
	*next = at + e.reclen;
	return true;
}

/* Looks for the MOVED_TO of r (a MOVED_FROM) among the next records. */
static void hostfs_pair(const uint8_t *buf, size_t len, size_t at, struct hostfs_rec *r)
{
	struct hostfs_rec t;
	for (int i = 0; i < 16 && r->cookie && hostfs_rec_at(buf, len, at, &t, &at); i++)
		if ((t.mask & FS_MOVED_TO) && t.cookie == r->cookie) {
			r->paired = true;
			r->same_dir = t.wd == r->wd;
			return;
		}
}

/* The host's rename cookies, turned into the guest's own (which its renames also use). */
static uint32_t hostfs_cookie(uint32_t host)
{
	static struct { uint32_t host, guest; } map[8];
	static unsigned next;
	if (!host)
		return 0;
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].guest && map[i].host == host)
			return map[i].guest;
	unsigned i = next++ % ARRAY_SIZE(map);
	map[i].host = host;
	map[i].guest = fsnotify_cookie();
	return map[i].guest;
}

/* A MOVED_FROM whose MOVED_TO follows: the cached dentry moves then, as the guest's own rename
   moves it (open files, working directories and /proc follow it). */
static struct {
	struct inode *dir;      /* referenced; NULL: none */
	uint32_t cookie;        /* the host's */
	char name[NAME_MAX + 1];
	size_t len;
} hostfs_move;

static void hostfs_move_end(void)
{
	if (!hostfs_move.dir)
		return;
	struct dentry *d = hostfs_move.dir->alias;
	if (d)
		vfs_forget(d, hostfs_move.name, hostfs_move.len);
	inode_put(hostfs_move.dir);
	hostfs_move.dir = NULL;
}

/* The entry r->name of directory dir was changed on the host: what the guest cached of it. */
static void hostfs_entry_changed(struct inode *dir, const struct hostfs_rec *r, bool alone)
{
	hostfs_list_forget(dir);
	struct dentry *c = vfs_cached_child(dir, r->name, r->len);
	if (c && (c->mounted || !c->inode || c->inode->sb != dir->sb))
		c = NULL;               /* a mount point is not the host's entry */
	struct inode *child = c ? c->inode : NULL;
	if (child && (r->mask & (FS_MODIFY | FS_CLOSE_WRITE)))
		hostfs_stale(child);
	if ((r->mask & FS_MOVED_TO) && hostfs_move.dir && hostfs_move.cookie == r->cookie) {
		if (child && child->marks)
			hostfs_gone_later(child);       /* replaced */
		if (hostfs_move.dir->alias && dir->alias)
			vfs_move(hostfs_move.dir->alias, hostfs_move.name, hostfs_move.len, dir->alias,
				 r->name, r->len, false);
		else if (c)
			vfs_forget(c->parent, r->name, r->len);
		hostfs_move_end();
		return;
	}
	if (!c || !(r->mask & (FS_CREATE | FS_DELETE | FS_MOVED_FROM | FS_MOVED_TO)))
		return;
	if ((r->mask & FS_MOVED_FROM) && r->paired && alone) {
		hostfs_move_end();
		inode_get(dir);
		hostfs_move.dir = dir;
		hostfs_move.cookie = r->cookie;
		memcpy(hostfs_move.name, r->name, r->len);
		hostfs_move.len = r->len;
		return;
	}
	if (child->marks && (r->mask & (FS_DELETE | FS_MOVED_FROM)))
		hostfs_getattr(child);  /* no link left: its end comes with the dentry's, first */
	else if (child->marks)
		hostfs_gone_later(child);
	vfs_forget(c->parent, r->name, r->len);
}

/* One record for one watched inode. */
static void hostfs_event(struct inode *ino, const struct hostfs_rec *r, uint32_t cookie,
			 bool alone)
{
	uint32_t mask = r->mask;
	if (mask & FS_IN_IGNORED) {
		hostfs_wd_unhash(ino);          /* the monitor no longer watches it */
		node(ino)->watch_mask = 0;
		return;
	}
	if (r->len) {
		hostfs_entry_changed(ino, r, alone);
		if ((mask & FS_MOVED_FROM) && r->same_dir)
			mask |= FS_DN_RENAME;
		fsnotify_host_event(ino, mask, r->name, r->len, cookie);
		return;
	}
	if (mask & (FS_MODIFY | FS_CLOSE_WRITE))
		hostfs_stale(ino);
	if (mask & FS_MOVE_SELF)
		node(ino)->checked_ns = 0;      /* its cached name is looked up again */
	fsnotify_host_event(ino, mask, NULL, 0, cookie);
	if ((mask & FS_ATTRIB) && !S_ISDIR_(ino->mode) && ino->marks)
		hostfs_gone_later(ino);
}

/* Events were lost: every instance watching a volume file hears so, and every cached name and
   page of a watched file is looked at again. */
static void hostfs_overflow(void)
{
	hostfs_names_epoch = time_monotonic_ns();
	for (unsigned b = 0; b < HOSTFS_WD_HASH; b++)
		for (struct inode *ino = hostfs_wd_hash[b]; ino; ino = node(ino)->wd_next) {
			hostfs_list_forget(ino);
			hostfs_stale(ino);
			fsnotify_overflow(ino);
		}
}

#define HOSTFS_PER_WD 8         /* guest inodes of one host file told of one record */

static void hostfs_record(const struct hostfs_rec *r)
{
	struct inode *inos[HOSTFS_PER_WD];
	unsigned n = 0;
	for (struct inode *i = *hostfs_wd_chain(r->wd); i && n < HOSTFS_PER_WD; i = node(i)->wd_next)
		if (node(i)->wd == r->wd) {
			inode_get(i);
			inos[n++] = i;
		}
	uint32_t cookie = hostfs_cookie(r->cookie);
	for (unsigned k = 0; k < n; k++)
		hostfs_event(inos[k], r, cookie, n == 1);
	for (unsigned k = 0; k < n; k++)
		inode_put(inos[k]);
}

static void hostfs_batch_run(const uint8_t *buf, size_t len)
{
	struct hostfs_rec r;
	size_t next;
	for (size_t at = 0; hostfs_rec_at(buf, len, at, &r, &next); at = next) {
		/* Linux reports a removed file's end after its link count (ATTRIB) and, for one a
		   rename replaced, after the rename's MOVE_SELF. */
		if (r.len || !(r.mask & (FS_ATTRIB | FS_MOVE_SELF)))
			hostfs_gone_run();
		if (r.mask & FS_Q_OVERFLOW) {
			hostfs_overflow();
			continue;
		}
		if (r.mask & FS_MOVED_FROM)
			hostfs_pair(buf, len, next, &r);
		hostfs_record(&r);
	}
	hostfs_move_end();      /* a pair cut by the batch's end: the old name is forgotten */
}

static uint8_t hostfs_evbuf[8192] __attribute__((aligned(8)));
/* Batches taken at one time, at most: a host flooding a watched directory faster than the guest
   takes its records must not keep the program from running (the rest waits for the next look,
   fs_events still set, and the monitor's bounded queue reports an overflow meanwhile). */
#define HOSTFS_BATCHES 32

void hostfs_events_take(void)
{
	static bool taking;
	if (taking)
		return;         /* a hypercall made below does not bring us back, but be sure */
	taking = true;
	for (int i = 0; i < HOSTFS_BATCHES; i++) {
		int64_t len = hc_fs_events(hostfs_evbuf, sizeof(hostfs_evbuf));
		if (len <= 0)
			break;
		hostfs_batch_run(hostfs_evbuf, (size_t)len);
	}
	hostfs_gone_run();
	taking = false;
}
