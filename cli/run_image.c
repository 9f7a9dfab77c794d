/* `unik run ARTIFACT [ARGS...]`: the image's command and environment with docker's rules —
   Entrypoint + Cmd, ARGS replace Cmd, --entrypoint replaces Entrypoint and clears Cmd, -e K=V sets
   and -e K takes the host's value (or unsets K), -w and -u override, HOSTNAME and HOME are
   supplied as docker supplies them. `unik run --rootfs DIR CMD...` runs CMD from a host
   directory with the same defaults an image without configuration gets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "cli/run.h"
#include "image/image.h"
#include "image/imgint.h"
#include "image/imgfs.h"

bool run_is_artifact(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool yes = read(fd, magic, 8) == 8 && !memcmp(magic, UNIK_ARTIFACT_MAGIC, 8);
	close(fd);
	return yes;
}

/* Sets or removes NAME in the environment vector (entries NAME=VALUE). */
static void env_set(char ***env, size_t *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t nl = eq ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = 0; i < *n; i++) {
		if (!strncmp((*env)[i], kv, nl) && (*env)[i][nl] == '=') {
			free((*env)[i]);
			if (eq) {
				(*env)[i] = strdup(kv);
			} else {
				memmove(&(*env)[i], &(*env)[i + 1], (*n - i) * sizeof(char *));
				(*n)--;
			}
			return;
		}
	}
	if (!eq)
		return;
	*env = realloc(*env, (*n + 2) * sizeof(char *));
	(*env)[(*n)++] = strdup(kv);
	(*env)[*n] = NULL;
}

static bool env_has(char **env, size_t n, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], name, nl) && env[i][nl] == '=')
			return true;
	return false;
}

/* -u: uid[:gid] (numeric); names need the image's /etc/passwd, resolved at convert time. */
static int parse_user(const char *u, uint32_t *uid, uint32_t *gid)
{
	char *end;
	unsigned long v = strtoul(u, &end, 10);
	if (end == u || (*end && *end != ':') || v > 0xfffffffful)
		return -1;
	*uid = (uint32_t)v;
	if (*end == ':') {
		const char *g = end + 1;
		v = strtoul(g, &end, 10);
		if (end == g || *end || v > 0xfffffffful)
			return -1;
		*gid = (uint32_t)v;
	}
	return 0;
}

/* The container's hostname, also set as HOSTNAME in env (before -e, which may override it): -h's,
   else docker's random one (12 hex digits). */
static const char *run_hostname(const struct run_opts *o, char ***env, size_t *nenv)
{
	static char random_name[16];
	const char *hostname = o->hostname;
	if (!hostname) {
		uint8_t id[6];
		if (getrandom(id, sizeof(id), 0) != sizeof(id))
			memset(id, 0x5a, sizeof(id));
		snprintf(random_name, sizeof(random_name), "%02x%02x%02x%02x%02x%02x", id[0], id[1],
			 id[2], id[3], id[4], id[5]);
		hostname = random_name;
	}
	char hbuf[80];
	snprintf(hbuf, sizeof(hbuf), "HOSTNAME=%s", hostname);
	env_set(env, nenv, hbuf);
	return hostname;
}

/* The image's ExposedPorts ("80/tcp", "53/udp") as -P publishes them: each on a free host port.
   Entries that are not a port (docker ignores them too) are skipped. */
static void run_exposed_ports(const struct unik_runcfg *rc, struct net_config *net)
{
	for (size_t i = 0; i < rc->n_ports && net->nexposed < NET_MAX_FWD; i++) {
		char *end;
		unsigned long port = strtoul(rc->ports[i], &end, 10);
		if (end == rc->ports[i] || port == 0 || port > 65535)
			continue;
		if (*end && strcmp(end, "/tcp") && strcmp(end, "/udp"))
			continue;
		struct net_fwd *f = &net->exposed[net->nexposed++];
		memset(f, 0, sizeof(*f));
		f->udp = !strcmp(end, "/udp");
		f->guest_lo = f->guest_hi = (uint16_t)port;
	}
}

int run_artifact(struct run_opts *o, struct vm_config *cfg, int argc, char **argv)
{
	static struct artifact art;
	char err[256];
	if (artifact_open_cached(argv[0], &art, o->artifact_kernel, err, sizeof(err)) < 0) {
		fprintf(stderr, "unik: %s: %s\n", argv[0], err);
		return 125;
	}
	struct unik_runcfg *rc = &art.cfg;
	if (o->net)
		run_exposed_ports(rc, o->net);
	char **cmdv = NULL;
	size_t ncmd = 0;
	if (o->entrypoint) {
		if (o->entrypoint[0])
			strv_push(&cmdv, &ncmd, o->entrypoint);
	} else {
		for (size_t i = 0; i < rc->n_entrypoint; i++)
			strv_push(&cmdv, &ncmd, rc->entrypoint[i]);
	}
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			strv_push(&cmdv, &ncmd, argv[i]);
	} else if (!o->entrypoint) {
		for (size_t i = 0; i < rc->n_cmd; i++)
			strv_push(&cmdv, &ncmd, rc->cmd[i]);
	}
	if (!ncmd) {
		fprintf(stderr, "unik: %s: no command specified\n", argv[0]);
		return 125;
	}
	if (rc->stopsignal && !o->stop_signal_set) {
		cfg->stop_signal = run_signal_number(rc->stopsignal);
		if (!cfg->stop_signal) {
			fprintf(stderr, "unik: %s: invalid StopSignal '%s'\n", argv[0], rc->stopsignal);
			return 125;
		}
	}
	char **env = NULL;
	size_t nenv = 0;
	for (size_t i = 0; i < rc->n_env; i++)
		env_set(&env, &nenv, rc->env[i]);
	const char *hostname = run_hostname(o, &env, &nenv);
	for (int i = 0; i < o->envc; i++)
		env_set(&env, &nenv, o->envp[i]);
	if (o->user) {
		/* -u NAME[:GROUP] or UID[:GID], resolved through the image's /etc/passwd and
		   /etc/group as docker does (unknown names: 125). */
		struct img_ctx ctx;
		struct imgfs fs;
		const char *why;
		memset(&ctx, 0, sizeof(ctx));
		if (imgfs_open(&fs, art.imgfs, art.imgfs_len, &why) < 0) {
			fprintf(stderr, "unik: %s: %s\n", argv[0], why);
			return 125;
		}
		free(rc->user);
		rc->user = strdup(o->user);
		if (runcfg_resolve_user(&ctx, rc, &fs) < 0) {
			fprintf(stderr, "unik: %s\n", ctx.err[0] ? ctx.err : "unknown user");
			return 125;
		}
	}
	cfg->uid = rc->uid;
	cfg->gid = rc->gid;
	cfg->groups = rc->groups;
	cfg->ngroups = rc->n_groups;
	if (!env_has(env, nenv, "HOME")) {
		char h[4200];
		snprintf(h, sizeof(h), "HOME=%s", rc->home ? rc->home : "/");
		env_set(&env, &nenv, h);
	}
	cfg->rootfs = art.imgfs;
	cfg->rootfs_len = art.imgfs_len;
	/* The monitor boots its own kernel (built with it, so always the newest that speaks its
	   ABI); --kernel artifact boots the one the artifact carries. */
	if (o->artifact_kernel) {
		cfg->kernel = art.kernel;
		cfg->kernel_len = art.kernel_len;
	}
	cfg->workdir = o->workdir ? o->workdir : rc->workdir;
	cfg->hostname = hostname;
	cfg->argv = cmdv;
	cfg->argc = (int)ncmd;
	cfg->envp = env;
	cfg->envc = (int)nenv;
	cfg->prog_path = cmdv[0];
	return 0;
}

int run_bare(struct run_opts *o, struct vm_config *cfg, int argc, char **argv)
{
	if (o->entrypoint || o->workdir || o->user) {
		fprintf(stderr, "unik: --entrypoint, -w and -u apply to artifacts (unik convert)\n");
		return 125;
	}
	/* Without -h the program is a host process: the host's name (the monitor's default), no
	   HOSTNAME. Names without values only remove (there is no image environment). */
	char **env = NULL;
	size_t nenv = 0;
	if (o->hostname)
		cfg->hostname = run_hostname(o, &env, &nenv);
	for (int i = 0; i < o->envc; i++)
		env_set(&env, &nenv, o->envp[i]);
	cfg->prog_path = argv[0];
	cfg->argv = argv;
	cfg->argc = argc;
	cfg->envp = env;
	cfg->envc = (int)nenv;
	return 0;
}

void run_home_of(const char *dir, uint32_t uid, char *home, size_t size)
{
	snprintf(home, size, "/");
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = dfd < 0 ? -1 : (int)syscall(SYS_openat2, dfd, "etc/passwd", &how, sizeof(how));
	if (dfd >= 0)
		close(dfd);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *field[7] = { line };
		int n = 1;
		for (char *p = line; *p && n < 7; p++)
			if (*p == ':') {
				*p = 0;
				field[n++] = p + 1;
			}
		char *end;
		if (n < 6 || strtoul(field[2], &end, 10) != uid || end == field[2] || *end)
			continue;
		field[5][strcspn(field[5], "\n")] = 0;
		if (field[5][0])
			snprintf(home, size, "%s", field[5]);
		break;
	}
	fclose(f);
}

int run_rootdir(struct run_opts *o, struct vm_config *cfg, int argc, char **argv)
{
	char **cmdv = NULL;
	size_t ncmd = 0;
	if (o->entrypoint && o->entrypoint[0])
		strv_push(&cmdv, &ncmd, o->entrypoint);
	for (int i = 0; i < argc; i++)
		strv_push(&cmdv, &ncmd, argv[i]);
	if (!ncmd) {
		fprintf(stderr, "unik: --rootfs %s: no command specified\n", o->rootdir);
		return 125;
	}
	/* docker's defaults: root, PATH, HOSTNAME, HOME from the tree's passwd. */
	cfg->uid = cfg->gid = 0;
	cfg->ngroups = 0;
	if (o->user && parse_user(o->user, &cfg->uid, &cfg->gid)) {
		fprintf(stderr, "unik: -u %s: only numeric uid[:gid] is supported\n", o->user);
		return 125;
	}
	char **env = NULL;
	size_t nenv = 0;
	env_set(&env, &nenv, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	cfg->hostname = run_hostname(o, &env, &nenv);
	for (int i = 0; i < o->envc; i++)
		env_set(&env, &nenv, o->envp[i]);
	if (!env_has(env, nenv, "HOME")) {
		char home[4096], h[4200];
		run_home_of(o->rootdir, cfg->uid, home, sizeof(home));
		snprintf(h, sizeof(h), "HOME=%s", home);
		env_set(&env, &nenv, h);
	}
	cfg->rootdir = o->rootdir;
	cfg->workdir = o->workdir;
	cfg->argv = cmdv;
	cfg->argc = (int)ncmd;
	cfg->envp = env;
	cfg->envc = (int)nenv;
	cfg->prog_path = cmdv[0];
	return 0;
}
