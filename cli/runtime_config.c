/* config.json -> the VM's configuration: the root filesystem (a plain image directory, booted
   from directly, or an artifact that `unik convert --oci` packed at /.unik/app.unik), the
   process, bind mounts as volumes, tmpfs mounts, memory, and the check runc makes that the
   command exists before `create` succeeds (docker tells 126 from 127 by its message). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "cli/runtime.h"
#include "cli/runtime_config.h"
#include "cli/run.h"
#include "image/image.h"

extern const char unik_kernel_blob[], unik_kernel_blob_end[];

#define RT_MEM_DEFAULT (512ull << 20)
#define RT_MEM_MIN (16ull << 20)
#define RT_MEM_MAX (64ull << 30)

/* Opens path inside the root directory rootfd as if rootfd were "/" (symlinks cannot leave it). */
static int rt_open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
}

/* 0 when path (in the root) is a file the program could execute, else -errno. */
static int rt_check_exec(int rootfd, const char *path)
{
	int fd = rt_open_in_root(rootfd, path, O_PATH);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) ? -errno : 0;
	close(fd);
	if (!r && (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)))
		r = -EACCES;
	return r;
}

static const char *rt_env_get(char **env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

int rt_check_command(const struct rt_opts *o, const char *rootfs, const struct oci_spec *s)
{
	const char *cmd = s->args[0];
	int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rt_error(o, "root.path %s: %s", rootfs, strerror(errno));
	int r = -ENOENT;
	char path[8192];
	if (strchr(cmd, '/')) {
		snprintf(path, sizeof(path), "%s%s%s", cmd[0] == '/' ? "" : s->cwd,
			 cmd[0] == '/' ? "" : "/", cmd);
		r = rt_check_exec(rootfd, path);
	} else {
		/* Go's LookPath, which runc uses: the first absolute PATH entry holding an
		   executable file; anything else is "not found" */
		for (const char *p = rt_env_get(s->env, "PATH"); p && r; p = p[strcspn(p, ":")] ?
		     p + strcspn(p, ":") + 1 : NULL) {
			size_t n = strcspn(p, ":");
			if (!n || p[0] != '/')
				continue;
			snprintf(path, sizeof(path), "%.*s/%s", (int)n, p, cmd);
			r = rt_check_exec(rootfd, path) ? -ENOENT : 0;
		}
	}
	close(rootfd);
	/* runc's messages: docker takes 127 and 126 from their wording */
	if (r == -ENOENT && !strchr(cmd, '/'))
		return rt_error(o, "unable to start container process: exec: \"%s\": executable "
				"file not found in $PATH", cmd);
	if (r == -ENOENT || r == -ENOTDIR)
		return rt_error(o, "unable to start container process: exec: \"%s\": stat %s: no "
				"such file or directory", cmd, cmd);
	if (r == -EACCES)
		return rt_error(o, "unable to start container process: exec: \"%s\": permission "
				"denied", cmd);
	if (r)
		return rt_error(o, "unable to start container process: exec: \"%s\": %s", cmd,
				strerror(-r));
	return 0;
}

/* Mounts the guest makes itself (proc at /proc, tmpfs at /dev and /dev/shm) or that have no
   counterpart in a unikernel (sysfs, cgroup, devpts, mqueue): true when m needs nothing. */
static bool rt_mount_builtin(const struct oci_mount *m)
{
	static const char *const skip[] = { "sysfs", "cgroup", "cgroup2", "devpts", "mqueue" };
	if (!strcmp(m->type, "proc"))
		return true;
	if (!strcmp(m->type, "tmpfs") && (!strcmp(m->dest, "/dev") || !strcmp(m->dest, "/dev/shm")))
		return true;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(m->type, skip[i]))
			return true;
	return false;
}

static int rt_mounts(const struct rt_opts *o, const struct oci_spec *s, struct rt_vm *v)
{
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		if (!m->bind && !strcmp(m->type, "tmpfs")) {
			if (rt_mount_builtin(m))
				continue;
		} else if (!m->bind) {
			if (!rt_mount_builtin(m))
				rt_warn(o, "mounts: %s of type %s is not supported; skipped", m->dest,
					m->type);
			continue;
		}
		if (v->nvols >= UNIK_MAX_VOLUMES - 1)
			return rt_error(o, "mounts: more than %d bind and tmpfs mounts",
					UNIK_MAX_VOLUMES - 1);
		struct vm_volume *vol = &v->vols[v->nvols];
		vol->guest = m->dest;
		vol->ro = m->ro;
		if (!m->bind) {
			vol->tmpfs = true;      /* size= is bounded by the guest's memory instead */
			vol->tmpfs_mode = m->mode;
			v->nvols++;
			continue;
		}
		struct stat st;
		if (stat(m->source, &st))
			return rt_error(o, "mounts: bind source %s: %s", m->source, strerror(errno));
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			rt_warn(o, "mounts: %s: only directories and regular files can be shared with "
				"the VM; skipped", m->source);
			continue;
		}
		vol->host = m->source;
		vol->file = S_ISREG(st.st_mode);
		v->nvols++;
	}
	return 0;
}

static int rt_memory(const struct rt_opts *o, const struct oci_spec *s, struct vm_config *cfg)
{
	uint64_t m = s->mem_limit > 0 ? (uint64_t)s->mem_limit : RT_MEM_DEFAULT;
	if (m < RT_MEM_MIN)
		return rt_error(o, "linux.resources.memory.limit: %llu bytes is below unik's minimum "
				"of 16 MiB", (unsigned long long)m);
	if (m > RT_MEM_MAX)
		m = RT_MEM_MAX;
	cfg->mem_size = (m + (2u << 20) - 1) & ~((2ull << 20) - 1);
	return 0;
}

/* The environment as given, with HOME from the image's passwd when it lacks one (runc does so). */
static void rt_env(const struct oci_spec *s, const char *rootfs, struct rt_vm *v)
{
	size_t n = s->nenv;
	v->env = calloc(n + 2, sizeof(char *));
	if (!v->env)
		abort();
	memcpy(v->env, s->env, n * sizeof(char *));
	if (!rt_env_get(s->env, "HOME")) {
		char home[4096];
		if (rootfs)
			run_home_of(rootfs, s->uid, home, sizeof(home));
		else
			snprintf(home, sizeof(home), "/");
		if (asprintf(&v->env[n], "HOME=%s", home) < 0)
			abort();
		n++;
	}
	v->cfg.envp = v->env;
	v->cfg.envc = (int)n;
}

int rt_vm_config(const struct rt_opts *o, const struct oci_spec *s, const char *rootfs,
		 struct rt_vm *v)
{
	struct vm_config *cfg = &v->cfg;
	char art_path[4200];
	struct stat st;
	snprintf(art_path, sizeof(art_path), "%s/" RT_ARTIFACT_PATH, rootfs);
	bool artifact = !lstat(art_path, &st) && S_ISREG(st.st_mode);
	if (artifact) {
		char err[256];
		if (artifact_open_cached(art_path, &v->art, false, err, sizeof(err)) < 0)
			return rt_error(o, "%s: %s", art_path, err);
		cfg->rootfs = v->art.imgfs;
		cfg->rootfs_len = v->art.imgfs_len;
	} else {
		cfg->rootdir = rootfs;
		cfg->rootdir_ro = s->root_ro;
		if (rt_check_command(o, rootfs, s))
			return 1;
	}
	cfg->mode = UNIK_MODE_FAST;
	cfg->kernel = unik_kernel_blob;
	cfg->kernel_len = (size_t)(unik_kernel_blob_end - unik_kernel_blob);
	cfg->stop_signal = SIGTERM;
	cfg->stop_timeout = -1;         /* the engine decides when to kill (docker stop -t) */
	cfg->container = true;
	cfg->argv = s->args;
	cfg->argc = (int)s->nargs;
	cfg->prog_path = s->args[0];
	cfg->workdir = s->cwd;
	cfg->uid = s->uid;
	cfg->gid = s->gid;
	cfg->groups = s->gids;
	cfg->ngroups = s->ngids;
	cfg->tty = s->terminal;
	for (size_t i = 0; i < s->nrlimits; i++) {
		int r = s->rlimits[i].resource;
		if (r < 0 || r >= 16)
			continue;
		cfg->rlimit_set |= 1u << r;
		cfg->rlimits[r].cur = s->rlimits[i].soft;
		cfg->rlimits[r].max = s->rlimits[i].hard;
	}
	cfg->caps_set = s->has_caps;
	memcpy(cfg->caps, s->caps, sizeof(cfg->caps));
	cfg->hostname = s->hostname ? s->hostname : "unik";
	rt_env(s, artifact ? NULL : rootfs, v);
	if (rt_memory(o, s, cfg) || rt_mounts(o, s, v))
		return 1;
	cfg->volumes = v->vols;
	cfg->nvolumes = v->nvols;
	v->net.mode = NET_SLIRP;
	cfg->net = &v->net;
	return 0;
}
