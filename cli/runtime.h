/* The OCI runtime (`unik-runtime`, or `unik runtime`): runc's command line over unik VMs, for
   docker and containerd. Shared between the verbs (runtime.c), the container state
   (runtime_state.c), creating the VM (runtime_create.c) and hooks (runtime_hooks.c). */
#ifndef CLI_RUNTIME_H
#define CLI_RUNTIME_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cli/oci_spec.h"

#define RT_DEFAULT_ROOT "/run/unik-runtime"
#define RT_OCI_VERSION "1.0.2"

/* Global options. */
struct rt_opts {
	const char *root;       /* --root: the state directories live in ROOT/ID */
	const char *log;        /* --log FILE, NULL: stderr */
	bool log_json;          /* --log-format json */
};

/* One container's recorded state (ROOT/ID/state.json). */
struct rt_state {
	char id[256];
	char bundle[4096];
	char rootfs[4096];
	char created[40];       /* RFC 3339 */
	char *annotations;      /* JSON object text */
	pid_t pid;              /* the monitor */
	uint64_t starttime;     /* /proc/PID/stat field 22, against pid reuse */
};

enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_STOPPED, RT_PAUSED };

/* `list` (cli/runtime_list.c). */
int rt_list(const struct rt_opts *o, int argc, char **argv);
/* Prints an error (runc's way: to --log as JSON or text, else stderr). Returns 1. */
int rt_error(const struct rt_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_warn(const struct rt_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* runc's container ids: [A-Za-z0-9_+.-]+, not "." or "..". */
bool rt_id_valid(const char *id);
/* ROOT/ID into buf (false when too long). */
bool rt_state_dir(const struct rt_opts *o, const char *id, char *buf, size_t size);
/* ROOT/ID/NAME. */
bool rt_state_file(const struct rt_opts *o, const char *id, const char *name, char *buf,
		   size_t size);
/* Reads ROOT/ID/state.json. 0; -ENOENT when there is no such container; other -errno. */
int rt_state_load(const struct rt_opts *o, const char *id, struct rt_state *st);
/* Writes it atomically. 0 or -errno. */
int rt_state_save(const struct rt_opts *o, const struct rt_state *st);
void rt_state_free(struct rt_state *st);
/* created, running, paused or stopped, from the monitor's liveness and state and the start
   FIFO. */
enum rt_status rt_status(const struct rt_opts *o, const struct rt_state *st);
const char *rt_status_name(enum rt_status s);
/* The runtime spec's state JSON (malloc'd, no newline). */
char *rt_state_json(const struct rt_state *st, enum rt_status s);
/* /proc/PID/stat's start time, 0 when the process is gone. */
uint64_t rt_proc_starttime(pid_t pid);
/* Is the process stopped (state T: a paused container's monitor)? */
bool rt_proc_stopped(pid_t pid);
/* Removes ROOT/ID and what it holds. */
void rt_state_remove(const struct rt_opts *o, const char *id);

/* Runs the hooks of one kind in order, each with the state JSON on stdin. 0, or 1 after
   rt_error naming the hook that failed. */
int rt_hooks_run(const struct rt_opts *o, const struct oci_spec *s, enum oci_hook_kind kind,
		 const char *state_json);

/* `create`: everything after the verb. */
int rt_create(const struct rt_opts *o, int argc, char **argv);
/* The runtime's main: argv[0] is the program, then global options, the verb and its own. */
int runtime_main(int argc, char **argv);
#endif
