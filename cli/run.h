/* Options of `unik run` shared by the bare-program and the artifact paths. */
#ifndef CLI_RUN_H
#define CLI_RUN_H
#include <pthread.h>
#include <stdbool.h>
#include "monitor/vm.h"

struct run_opts {
	char **envp;            /* --env-file entries, then -e values: K=V or K (already resolved
				   against the host; K: remove K), a later one overriding */
	int envc;
	const char *entrypoint; /* --entrypoint ("" clears it) */
	const char *workdir;    /* -w */
	const char *user;       /* -u */
	const char *hostname;   /* -h (checked); NULL: docker's random one, or the host's for a
				   bare program */
	bool artifact_kernel;   /* --kernel artifact */
	const char *rootdir;    /* --rootfs DIR */
	bool stop_signal_set;   /* --stop-signal given: the image's StopSignal does not apply */
	struct net_config *net; /* --net, -p; -P publishes net->exposed[] (the artifact's
				   ExposedPorts go there, host ports 0) */
};

/* A signal as docker takes it ("SIGTERM", "TERM", "15"); 0 when invalid. */
int run_signal_number(const char *s);

/* Is path a unik artifact (by its magic)? */
bool run_is_artifact(const char *path);
/* Fills cfg from the artifact argv[0] and the run options; ARGS are argv[1..]. Returns 0 or an
   exit status after printing why. */
int run_artifact(struct run_opts *o, struct vm_config *cfg, int argc, char **argv);
/* A bare host program argv[0] (ARGS argv[1..]): the -e environment alone (and HOSTNAME with
   -h). 0 or an exit status. */
int run_bare(struct run_opts *o, struct vm_config *cfg, int argc, char **argv);
/* --rootfs DIR: fills cfg to run the command argv[0] (ARGS argv[1..]) found in the host
   directory o->rootdir, with docker's default environment. 0 or an exit status. */
int run_rootdir(struct run_opts *o, struct vm_config *cfg, int argc, char **argv);
/* The home directory of uid in DIR/etc/passwd (read with DIR as its root, so symlinks in it
   cannot reach the host's files), or "/" as docker uses when there is none. */
void run_home_of(const char *dir, uint32_t uid, char *home, size_t size);
/* -h NAME: 0 when NAME is a hostname (1 to 64 letters, digits, '-' and '.', not starting with
   '-' or '.'), else 125 after printing why. */
int run_check_hostname(const char *name);
/* --ulimit TYPE=SOFT[:HARD] (docker's names and rules; -1 is unlimited) into cfg->rlimits; the
   same TYPE again replaces it. 0, or 125 after printing why. */
int run_parse_ulimit(const char *arg, struct vm_config *cfg);
/* The entries of the --env-file files, then the -e values, into envp (at most max entries,
   NULL-terminated), names alone resolved against the host (see run_env.c). The count, or -1
   after printing why (exit status 125). */
int run_env(const char *const *files, int nfiles, const char *const *vars, int nvars,
	    char **envp, int max);
/* Adds the volume "HOSTDIR:GUESTDIR[:ro|:rw]" to vols[*n] (creating a missing HOSTDIR). 0, or
   125 after printing why. */
int volume_parse(const char *spec, struct vm_volume *vols, size_t *n);

/* -t with no terminal on the host (cli/run_pty.c): a host pseudo-terminal becomes fds 0-2, and
   a thread copies its output to where stdout went. */
struct run_pty {
	int master, out, err;   /* out, err: the original stdout and stderr */
	pthread_t thread;
	bool running;
};
/* 0, or -1 after printing why. */
int run_pty_start(struct run_pty *p);
/* After the VM: fds 0-2 back, and everything the program wrote copied out. */
void run_pty_finish(struct run_pty *p);
#endif
