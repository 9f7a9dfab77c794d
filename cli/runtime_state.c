/* The runtime's record of a container: ROOT/ID/{state.json, exec.fifo}, its status, the state
   JSON the runtime spec defines, and the runtime's error log. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "cli/runtime.h"

static void rt_log(const struct rt_opts *o, const char *level, const char *fmt, va_list ap)
{
	char msg[2048], when[40];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	FILE *f = o && o->log ? fopen(o->log, "ae") : NULL;
	if (!f) {
		fprintf(stderr, "unik-runtime: %s\n", msg);
		return;
	}
	if (o->log_json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (text)
			fprintf(f, "%s\n", text);
		free(text);
		json_decref(j);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	fclose(f);
}

int rt_error(const struct rt_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_log(o, "error", fmt, ap);
	va_end(ap);
	return 1;
}

void rt_warn(const struct rt_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_log(o, "warning", fmt, ap);
	va_end(ap);
}

bool rt_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 200 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+.-", *p))
			return false;
	return true;
}

bool rt_state_dir(const struct rt_opts *o, const char *id, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s/%s", o->root, id) < size;
}

bool rt_state_file(const struct rt_opts *o, const char *id, const char *name, char *buf,
		   size_t size)
{
	return (size_t)snprintf(buf, size, "%s/%s/%s", o->root, id, name) < size;
}

static void rt_copy(char *dst, size_t size, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int rt_state_load(const struct rt_opts *o, const char *id, struct rt_state *st)
{
	char path[4200];
	memset(st, 0, sizeof(*st));
	if (!rt_id_valid(id) || !rt_state_file(o, id, "state.json", path, sizeof(path)))
		return -ENOENT;
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j) {
		char dir[4200];
		struct stat sb;
		return rt_state_dir(o, id, dir, sizeof(dir)) && stat(dir, &sb) ? -ENOENT : -EIO;
	}
	json_t *pid = json_object_get(j, "pid"), *stt = json_object_get(j, "unikStarttime");
	json_t *ann = json_object_get(j, "annotations");
	int r = -EIO;
	if (json_is_integer(pid) && json_integer_value(pid) > 0 && json_is_integer(stt)) {
		snprintf(st->id, sizeof(st->id), "%s", id);
		rt_copy(st->bundle, sizeof(st->bundle), j, "bundle");
		rt_copy(st->rootfs, sizeof(st->rootfs), j, "rootfs");
		rt_copy(st->created, sizeof(st->created), j, "created");
		st->pid = (pid_t)json_integer_value(pid);
		st->starttime = (uint64_t)json_integer_value(stt);
		st->annotations = json_dumps(json_is_object(ann) ? ann : json_object(), JSON_COMPACT);
		r = st->annotations ? 0 : -ENOMEM;
	}
	json_decref(j);
	return r;
}

/* The record: the spec's state fields plus what unik needs to tell its monitor from a reused pid. */
static json_t *rt_state_obj(const struct rt_state *st, const char *status)
{
	json_t *ann = json_loads(st->annotations ? st->annotations : "{}", 0, NULL);
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:o}", "ociVersion",
			      RT_OCI_VERSION, "id", st->id, "status", status, "pid", (json_int_t)st->pid,
			      "bundle", st->bundle, "rootfs", st->rootfs, "created", st->created,
			      "annotations", ann ? ann : json_object());
	if (j && !status[0])
		json_object_del(j, "status");
	return j;
}

int rt_state_save(const struct rt_opts *o, const struct rt_state *st)
{
	char path[4200], tmp[4300];
	if (!rt_state_file(o, st->id, "state.json", path, sizeof(path)))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	json_t *j = rt_state_obj(st, "");
	if (!j)
		return -ENOMEM;
	json_object_set_new(j, "unikStarttime", json_integer((json_int_t)st->starttime));
	int r = json_dump_file(j, tmp, JSON_COMPACT);
	json_decref(j);
	if (r || rename(tmp, path)) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return -e;
	}
	return 0;
}

void rt_state_free(struct rt_state *st)
{
	free(st->annotations);
	st->annotations = NULL;
}

/* /proc/PID/stat from after the command's closing parenthesis (the state, field 3, first) into
   buf; NULL when the process is gone. */
static char *rt_proc_stat(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] ? p + 2 : NULL;
}

bool rt_proc_stopped(pid_t pid)
{
	char buf[1024];
	const char *p = rt_proc_stat(pid, buf, sizeof(buf));
	return p && (*p == 'T' || *p == 't');
}

uint64_t rt_proc_starttime(pid_t pid)
{
	char buf[1024];
	char *p = rt_proc_stat(pid, buf, sizeof(buf));
	if (!p || *p == 'Z' || *p == 'X')
		return 0;
	/* starttime is field 22 */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

enum rt_status rt_status(const struct rt_opts *o, const struct rt_state *st)
{
	if (!st->pid || rt_proc_starttime(st->pid) != st->starttime)
		return RT_STOPPED;
	char fifo[4200];
	struct stat sb;
	if (rt_state_file(o, st->id, "exec.fifo", fifo, sizeof(fifo)) && !lstat(fifo, &sb))
		return RT_CREATED;
	return rt_proc_stopped(st->pid) ? RT_PAUSED : RT_RUNNING;
}

const char *rt_status_name(enum rt_status s)
{
	static const char *const names[] = { "creating", "created", "running", "stopped", "paused" };
	return names[s];
}

char *rt_state_json(const struct rt_state *st, enum rt_status s)
{
	struct rt_state shown = *st;
	if (s == RT_STOPPED)
		shown.pid = 0;          /* runc's state of a stopped container */
	json_t *j = rt_state_obj(&shown, rt_status_name(s));
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	return text;
}

void rt_state_remove(const struct rt_opts *o, const char *id)
{
	char dir[4200];
	if (!rt_id_valid(id) || !rt_state_dir(o, id, dir, sizeof(dir)))
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}
