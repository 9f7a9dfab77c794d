/* Host changes of watched volume files (monitor/hc_file_notify.c) against a byte array standing
   in for guest memory and a temporary directory standing in for the share: what the host changes
   is reported and what the guest's own calls do is not; watches stay on the handle's own inode
   (a symlink pointing out is watched as the link); the bound on watches; a flood of host events
   (a bounded queue, one overflow record); names longer than NAME_MAX, malformed and unknown
   events; bad buffers; SLEEP and POLL ending for changes. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "monitor/hc.h"
#include "monitor/hc_file.h"
#include "tests/unit/hc_fixture.h"

#define MEM (4u << 20)
#define ARG 0x100ull            /* argument structs */
#define NAME 0x800ull           /* names */
#define NAME2 0xa00ull
#define BUF 0x10000ull          /* records */
#define BUFLEN 0x10000ull

static uint8_t *guest;
static struct hc_ctx ctx;
static char tmp[64], share[128], outside[128];
static int64_t root;

static void host_path(char *p, const char *name)
{
	snprintf(p, 256, "%s/%s", share, name);
}

static void host_put(const char *name, const char *text)
{
	char p[256];
	host_path(p, name);
	FILE *f = fopen(p, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(tmp, "/tmp/unik-hcnotify.XXXXXX");
	guest = hc_fixture_start(&ctx, MEM, tmp);
	snprintf(share, sizeof(share), "%s/share", tmp);
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	host_put("f", "file");
	ctx.file = hc_file_new(0);
	assert_non_null(ctx.file);
	root = hc_file_add_volume(ctx.file, open(share, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
	assert_true(root > 0);
	return 0;
}

static int teardown(void **state)
{
	hc_fixture_end(&ctx, guest, tmp);
	return 0;
}

/* ---- calling helpers: the argument struct at ARG, names at NAME ---- */

/* Runs hypercall nr on the struct at a (size bytes), copied in and back. */
static void call(unsigned nr, void *a, size_t size)
{
	memcpy(guest + ARG, a, size);
	assert_int_equal(hc_dispatch(&ctx, nr, ARG), HC_OK);
	memcpy(a, guest + ARG, size);
}

static int64_t entry(unsigned nr, uint32_t dir, const char *name, uint32_t mode)
{
	struct unik_hc_fs_entry e = { .dir = dir, .name = NAME, .name_len = (uint32_t)strlen(name),
				      .mode = mode };
	memcpy(guest + NAME, name, e.name_len);
	call(nr, &e, sizeof(e));
	return e.ret ? e.ret : e.handle;
}

static int64_t lookup(uint32_t dir, const char *name)
{
	return entry(UNIK_HC_FS_LOOKUP, dir, name, 0);
}

static int64_t watch(uint32_t h, uint32_t mask)
{
	struct unik_hc_fs_watch w = { .handle = h, .mask = mask };
	call(UNIK_HC_FS_WATCH, &w, sizeof(w));
	return w.ret;
}

static int64_t io(unsigned nr, uint32_t h, uint64_t len, uint64_t off)
{
	struct unik_hc_fs_io a = { .handle = h, .buf = BUF, .len = len, .off = off };
	call(nr, &a, sizeof(a));
	return a.ret;
}

static int64_t handle_call(unsigned nr, uint32_t h)
{
	struct unik_hc_fs_handle a = { .handle = h };
	call(nr, &a, sizeof(a));
	return a.ret;
}

static int64_t events_call(uint64_t buf, uint64_t len)
{
	struct unik_hc_fs_events ev = { .buf = buf, .len = len };
	call(UNIK_HC_FS_EVENTS, &ev, sizeof(ev));
	return ev.ret;
}

static uint32_t fs_events_flag(void)
{
	uint32_t v;
	memcpy(&v, guest + UNIK_BOOT_INFO_GPA + offsetof(struct unik_boot_info, fs_events),
	       sizeof(v));
	return v;
}

/* The records taken, one line each ("WD MASK NAME", hex mask), into out. */
static int take(char *out, size_t size)
{
	int64_t len = events_call(BUF, BUFLEN);
	assert_true(len >= 0);
	int n = 0;
	out[0] = 0;
	for (int64_t at = 0; at < len; n++) {
		struct unik_hc_fs_event r;
		memcpy(&r, guest + BUF + at, sizeof(r));
		assert_true(r.reclen >= sizeof(r) + r.name_len + 1 && r.reclen % 8 == 0);
		assert_int_equal(guest[BUF + at + sizeof(r) + r.name_len], 0);
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%d %x %.*s\n", r.watch, r.mask, r.name_len,
			 (const char *)guest + BUF + at + sizeof(r));
		at += r.reclen;
	}
	return n;
}

/* ---- what is reported ---- */

static void test_host_changes_reported(void **state)
{
	char out[4096], want[512];
	int64_t wd = watch(root, IN_ALL_EVENTS);
	assert_true(wd > 0);
	assert_int_equal(fs_events_flag(), 0);
	host_put("new", "x");
	assert_true(hc_file_notify_pump(&ctx));
	assert_int_equal(fs_events_flag(), 1);
	assert_int_equal(take(out, sizeof(out)), 4);
	snprintf(want, sizeof(want), "%d %x new\n%d %x new\n%d %x new\n%d %x new\n", (int)wd,
		 IN_CREATE, (int)wd, IN_OPEN, (int)wd, IN_MODIFY, (int)wd, IN_CLOSE_WRITE);
	assert_string_equal(out, want);
	assert_int_equal(fs_events_flag(), 0);          /* all taken */
	char p[256];
	host_path(p, "sub");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(take(out, sizeof(out)), 1);    /* EVENTS reads the host itself */
	snprintf(want, sizeof(want), "%d %x sub\n", (int)wd, IN_CREATE | IN_ISDIR);
	assert_string_equal(out, want);
	assert_int_equal(take(out, sizeof(out)), 0);
}

/* The guest's own calls are the guest's to report: the host's events about them never come,
   and a host change right after them still does. */
static void test_guest_calls_not_reported(void **state)
{
	char out[4096], want[256];
	int64_t wd = watch(root, IN_ALL_EVENTS);
	int64_t f = lookup(root, "f");
	assert_true(f > 0);
	assert_true(watch(f, IN_ALL_EVENTS) > 0);
	int64_t g = entry(UNIK_HC_FS_CREATE, root, "g", S_IFREG | 0644);
	assert_true(g > 0);
	memcpy(guest + BUF, "guest", 5);
	assert_int_equal(io(UNIK_HC_FS_WRITE, g, 5, 0), 5);
	assert_int_equal(io(UNIK_HC_FS_WRITE, f, 5, 4), 5);
	assert_int_equal(io(UNIK_HC_FS_READ, f, 100, 0), 9);
	assert_true(io(UNIK_HC_FS_READDIR, root, 4096, 0) > 0);
	assert_true(entry(UNIK_HC_FS_MKDIR, root, "d", S_IFDIR | 0755) > 0);
	assert_int_equal(entry(UNIK_HC_FS_RMDIR, root, "d", 0), 0);
	struct unik_hc_fs_rename r = { .olddir = (uint32_t)root, .newdir = (uint32_t)root,
				       .oldname = NAME, .newname = NAME2, .oldlen = 1, .newlen = 1 };
	memcpy(guest + NAME, "g", 1);
	memcpy(guest + NAME2, "f", 1);                  /* over the watched file */
	call(UNIK_HC_FS_RENAME, &r, sizeof(r));
	assert_int_equal(r.ret, 0);
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, f), 0);   /* its I/O fd closes, it ends */
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, g), 0);
	assert_int_equal(entry(UNIK_HC_FS_UNLINK, root, "f", 0), 0);
	assert_int_equal(take(out, sizeof(out)), 0);
	assert_int_equal(fs_events_flag(), 0);
	host_put("h", "x");
	assert_int_equal(take(out, sizeof(out)), 4);
	snprintf(want, sizeof(want), "%d %x h\n", (int)wd, IN_CREATE);
	assert_memory_equal(out, want, strlen(want));
}

/* A host change made while the guest's calls go on between the reads is reported: only what a
   call touched is left out. */
static void test_host_change_between_calls(void **state)
{
	char out[4096];
	assert_true(watch(root, IN_MODIFY | IN_CREATE) > 0);
	int64_t f = lookup(root, "f");
	host_put("other", "host");                      /* before the guest's write */
	memcpy(guest + BUF, "guest", 5);
	assert_int_equal(io(UNIK_HC_FS_WRITE, f, 5, 0), 5);
	host_put("f", "host");                          /* after it: the same file */
	assert_int_equal(io(UNIK_HC_FS_READ, f, 100, 0), 9);
	assert_int_equal(take(out, sizeof(out)), 3);
	assert_non_null(strstr(out, "other\n"));
	char want[64];
	snprintf(want, sizeof(want), "%x f\n", IN_MODIFY);
	assert_non_null(strstr(out, want));
}

/* ---- confinement ---- */

static void test_watch_checks(void **state)
{
	assert_int_equal(watch(0, IN_MODIFY), -EBADF);
	assert_int_equal(watch(9999, IN_MODIFY), -EBADF);
	assert_int_equal(watch(UINT32_MAX, IN_MODIFY), -EBADF);
	/* Only event bits: no IN_DONT_FOLLOW, IN_ONLYDIR, IN_MASK_ADD or IN_ONESHOT reach the host. */
	assert_int_equal(watch(root, IN_MODIFY | IN_DONT_FOLLOW), -EINVAL);
	assert_int_equal(watch(root, IN_MODIFY | IN_ONESHOT), -EINVAL);
	assert_int_equal(watch(root, IN_MODIFY | IN_MASK_ADD), -EINVAL);
	assert_int_equal(watch(root, 0), 0);            /* nothing watched: nothing to stop */
	assert_int_equal(ctx.file->notify.nw, 0);
	struct unik_hc_fs_watch w = { .handle = (uint32_t)root, .mask = IN_MODIFY };
	memcpy(guest + MEM - 8, &w, 8);                 /* the struct runs past guest memory */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_WATCH, MEM - 8), HC_BAD);
}

/* A symlink in the share pointing out is watched as the link itself: changes of its target
   outside the volume are never reported, changes of the link are. */
static void test_symlink_out_watched_as_link(void **state)
{
	char out[4096], p[256], target[256];
	snprintf(target, sizeof(target), "%s/secret", outside);
	FILE *f = fopen(target, "w");
	assert_non_null(f);
	fclose(f);
	host_path(p, "out");
	assert_int_equal(symlink(outside, p), 0);
	host_path(p, "secretlink");
	assert_int_equal(symlink(target, p), 0);
	int64_t l1 = lookup(root, "out"), l2 = lookup(root, "secretlink");
	int64_t w1 = watch(l1, IN_ALL_EVENTS), w2 = watch(l2, IN_ALL_EVENTS);
	assert_true(w1 > 0 && w2 > 0 && w1 != w2);
	f = fopen(target, "a");
	fputs("changed outside", f);
	fclose(f);
	char q[256];
	snprintf(q, sizeof(q), "%s/new", outside);
	f = fopen(q, "w");
	fclose(f);
	assert_int_equal(take(out, sizeof(out)), 0);
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(take(out, sizeof(out)), 1);
	char want[64];
	snprintf(want, sizeof(want), "%d %x \n", (int)w2, IN_ATTRIB);
	assert_string_equal(out, want);
}

/* ---- bounds ---- */

static void test_watch_bound(void **state)
{
	ctx.file->notify.max = 2;
	host_put("a", "");
	host_put("b", "");
	int64_t f = lookup(root, "f"), a = lookup(root, "a"), b = lookup(root, "b");
	int64_t f2 = lookup(root, "f");                 /* another handle of the same file */
	int64_t wf = watch(f, IN_MODIFY);
	assert_true(wf > 0);
	assert_true(watch(a, IN_MODIFY) > 0);
	assert_int_equal(watch(b, IN_MODIFY), -ENOSPC);
	assert_int_equal(watch(f2, IN_ATTRIB), wf);     /* the same host watch */
	assert_int_equal(ctx.file->notify.nw, 2);
	/* Both handles' events: the host's mask is what they want together. */
	char out[4096];
	host_put("f", "more");
	char p[256];
	host_path(p, "f");
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(take(out, sizeof(out)), 2);
	/* The handle wanting IN_MODIFY goes: the watch stays for IN_ATTRIB alone. */
	assert_int_equal(handle_call(UNIK_HC_FS_CLOSE, f), 0);
	assert_int_equal(ctx.file->notify.nw, 2);
	host_put("f", "again");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(take(out, sizeof(out)), 1);
	char want[64];
	snprintf(want, sizeof(want), "%d %x \n", (int)wf, IN_ATTRIB);
	assert_string_equal(out, want);
	assert_int_equal(watch(f2, 0), 0);              /* the last handle: the watch goes */
	assert_int_equal(ctx.file->notify.nw, 1);
	assert_true(watch(b, IN_MODIFY) > 0);
	/* Many handles, many files: never more host watches than the bound. */
	ctx.file->notify.max = 40;
	int refused = 0;
	for (int i = 0; i < 100; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		host_put(name, "");
		int64_t h = lookup(root, name);
		assert_true(h > 0);
		int64_t r = watch(h, IN_CLOSE_WRITE);
		refused += r == -ENOSPC;
		assert_true(r > 0 || r == -ENOSPC);
	}
	assert_int_equal(ctx.file->notify.nw, 40);
	assert_int_equal(refused, 62);
}

/* Many handles of one host file share one host watch, whose mask is what they want together,
   however they come, change and go. */
static void test_many_handles_one_watch(void **state)
{
	enum { N = 3000 };
	static int64_t h[N];
	char out[4096], p[256];
	host_path(p, "f");
	for (int i = 0; i < N; i++) {
		h[i] = lookup(root, "f");
		assert_true(h[i] > 0);
		assert_true(watch(h[i], i == N / 2 ? IN_ATTRIB : IN_CLOSE_WRITE) > 0);
	}
	assert_int_equal(ctx.file->notify.nw, 1);
	for (int i = 0; i < N; i++)             /* each changes its mind, many times over */
		if (i != N / 2)
			assert_true(watch(h[i], i % 2 ? IN_MODIFY : IN_CLOSE_WRITE) > 0);
	for (int i = 0; i < N; i++)
		if (i != N / 2)
			assert_int_equal(watch(h[i], 0), 0);
	host_put("f", "more");                  /* MODIFY, CLOSE_WRITE: nobody wants them now */
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(take(out, sizeof(out)), 1);
	for (int i = 0; i < N; i++)
		handle_call(UNIK_HC_FS_CLOSE, (uint32_t)h[i]);
	assert_int_equal(ctx.file->notify.nw, 0);
}

/* A flood: the queue holds max_events records, then one overflow record stands for the rest
   until the guest takes it. */
static void test_flood_overflow(void **state)
{
	char out[8192];
	ctx.file->notify.max_events = 8;
	int64_t wd = watch(root, IN_CREATE);
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", i);
		host_put(name, "");
		if (i % 5 == 4)
			hc_file_notify_pump(&ctx);
	}
	assert_int_equal(take(out, sizeof(out)), 9);
	char want[64];
	snprintf(want, sizeof(want), "-1 %x \n", IN_Q_OVERFLOW);
	assert_non_null(strstr(out, want));
	assert_int_equal(strlen(strstr(out, want)), strlen(want));    /* the last record */
	host_put("after", "");
	assert_int_equal(take(out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%d %x after\n", (int)wd, IN_CREATE);
	assert_string_equal(out, want);
	/* The bytes are bounded too, whatever the count allows. */
	ctx.file->notify.max_events = UINT32_MAX;
	struct hc_file_notify *n = &ctx.file->notify;
	uint8_t ev[sizeof(struct inotify_event) + 256];
	struct inotify_event *e = (void *)ev;
	*e = (struct inotify_event){ .wd = (int)wd, .mask = IN_CREATE, .len = 256 };
	for (int i = 0; i < 10000; i++) {
		snprintf(e->name, 256, "%0200d", i);
		assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(ev), false));
	}
	assert_true(n->qend - n->qstart <= HC_NOTIFY_QUEUE);
	assert_true(n->overflow);
}

/* Host events as read from the inotify fd: names longer than the guest can hold, unknown
   watches, malformed buffers, the host's own overflow and a watch the host dropped. */
static void test_crafted_host_events(void **state)
{
	char out[4096], want[128];
	int64_t f = lookup(root, "f");
	int64_t wd = watch(root, IN_CREATE), wf = watch(f, IN_MODIFY);
	uint8_t ev[sizeof(struct inotify_event) + 512];
	struct inotify_event *e = (void *)ev;
	*e = (struct inotify_event){ .wd = (int)wd, .mask = IN_CREATE, .len = 512 };
	memset(e->name, 'x', 300);                      /* NAME_MAX is 255 */
	e->name[300] = 0;
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(ev), false));
	memset(e->name, 'y', 255);                      /* the longest a guest can hold */
	e->name[255] = 0;
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(ev), false));
	memset(e->name, 'z', 512);                      /* no NUL at all */
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(ev), false));
	*e = (struct inotify_event){ .wd = 424242, .mask = IN_CREATE };   /* unknown wd */
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(*e), false));
	*e = (struct inotify_event){ .wd = (int)wd, .mask = IN_CREATE, .len = 64 };
	assert_false(hc_file_notify_parse(ctx.file, ev, sizeof(*e) + 10, false));     /* cut */
	assert_false(hc_file_notify_parse(ctx.file, ev, 7, false));
	*e = (struct inotify_event){ .wd = (int)wd, .mask = IN_UNMOUNT };  /* no event bit */
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(*e), false));
	assert_int_equal(take(out, sizeof(out)), 1);
	assert_int_equal(strlen(out), strlen("1 100 ") + 255 + 1 + (wd > 9 ? 1 : 0));
	*e = (struct inotify_event){ .wd = -1, .mask = IN_Q_OVERFLOW };   /* the host's */
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(*e), false));
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(*e), false));
	*e = (struct inotify_event){ .wd = (int)wf, .mask = IN_IGNORED };
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(*e), false));
	assert_int_equal(take(out, sizeof(out)), 1);    /* one overflow, nothing after it */
	snprintf(want, sizeof(want), "-1 %x \n", IN_Q_OVERFLOW);
	assert_string_equal(out, want);
	/* The handle lost its watch with the host's IN_IGNORED: watching it again works. */
	assert_int_equal(ctx.file->h[f].watch, 0);
	assert_int_equal(ctx.file->notify.nw, 1);
	*e = (struct inotify_event){ .wd = (int)wd, .mask = IN_IGNORED };
	assert_true(hc_file_notify_parse(ctx.file, ev, sizeof(*e), false));
	assert_int_equal(take(out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%d %x \n", (int)wd, IN_IGNORED);
	assert_string_equal(out, want);
	assert_int_equal(ctx.file->notify.nw, 0);
}

static void test_events_buffers(void **state)
{
	char out[4096];
	assert_int_equal(events_call(BUF, BUFLEN), 0);  /* nothing watched yet */
	assert_true(watch(root, IN_CREATE) > 0);
	host_put("p", "");
	assert_int_equal(events_call(MEM - 8, 64), -EFAULT);
	assert_int_equal(events_call(UINT64_MAX - 4, 64), -EFAULT);
	assert_int_equal(events_call(BUF, 8), 0);       /* too small for a record: kept */
	assert_int_equal(fs_events_flag(), 1);
	assert_int_equal(events_call(BUF, 0), 0);
	assert_int_equal(take(out, sizeof(out)), 1);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_FS_EVENTS, MEM - 4), HC_BAD);
	/* A guest buffer as large as guest memory is cut to what a call moves. */
	host_put("q", "");
	assert_int_equal(events_call(0x2000, UINT64_MAX), 24);
}

/* Consecutive equal records merge while the guest has not taken the first. */
static void test_merge(void **state)
{
	char out[4096];
	int64_t f = lookup(root, "f");
	assert_true(watch(f, IN_MODIFY) > 0);
	host_put("f", "1");
	hc_file_notify_pump(&ctx);
	host_put("f", "2");
	assert_int_equal(take(out, sizeof(out)), 1);
	host_put("f", "3");
	assert_int_equal(take(out, sizeof(out)), 1);
}

/* SLEEP and POLL end early for host changes of watched files, with UNIK_HC_WAKE_FS. */
static void test_sleep_and_poll_wake(void **state)
{
	struct unik_hc_sleep s = { .ns = 5000000000ll };
	assert_true(watch(root, IN_CREATE) > 0);
	host_put("w", "");
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	call(UNIK_HC_SLEEP, &s, sizeof(s));
	assert_int_equal(s.ret, UNIK_HC_WAKE_FS);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	char out[256];
	assert_int_equal(take(out, sizeof(out)), 1);
	s = (struct unik_hc_sleep){ .ns = 1000000 };    /* nothing waits: the whole sleep */
	call(UNIK_HC_SLEEP, &s, sizeof(s));
	assert_int_equal(s.ret, 0);
	ctx.fd_in = ctx.fd_out = ctx.fd_err = -1;
	host_put("x", "");
	struct unik_hc_poll p = { .timeout_ns = 5000000000ll };
	call(UNIK_HC_POLL, &p, sizeof(p));
	assert_int_equal(p.ret, UNIK_HC_WAKE_FS);
	hc_console_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_changes_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_calls_not_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_change_between_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_out_watched_as_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_handles_one_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crafted_host_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_and_poll_wake, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
