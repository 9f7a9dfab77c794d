/* The first program: the command of the image (resolved through PATH as docker does) or the
   program the monitor handed over, with argv and envp from the boot info. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/exec.h"
#include "vfs/vfs.h"

#define BOOT_MAX_ARGS 4096
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *boot_argv[BOOT_MAX_ARGS + 1];

static const char *boot_env(const char *const *envp, int envc, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < envc; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* Finds an executable regular file for cmd in PATH (docker's exec.LookPath rules). */
static int boot_lookpath(struct proc *p, const char *cmd, const char *pathvar, struct path *out,
			 char *found, size_t size)
{
	int err = -ENOENT;
	for (const char *s = pathvar;;) {
		const char *e = strchr(s, ':');
		size_t dl = e ? (size_t)(e - s) : strlen(s);
		if (dl + strlen(cmd) + 2 <= size) {
			memcpy(found, dl ? s : ".", dl ? dl : 1);
			size_t at = dl ? dl : 1;
			found[at++] = '/';
			memcpy(found + at, cmd, strlen(cmd) + 1);
			struct path cand;
			if (!vfs_lookup(current_task->fs, &current_task->fs->cwd, found, LOOKUP_FOLLOW, &cand)) {
				uint32_t m = cand.d->inode->mode;
				if ((m & S_IFMT) == S_IFREG && (m & 0111)) {
					*out = cand;
					return 0;
				}
				err = -EACCES;
				path_put(&cand);
			}
		}
		if (!e)
			break;
		s = e + 1;
	}
	return err;
}

/* Is there a root file tree to find the command in: the image, or a host directory
   (--rootfs)? Otherwise the monitor handed over the program itself. */
static bool boot_root_tree(void)
{
	if (boot_info->rootfs)
		return true;
	for (uint32_t i = 0; i < MIN(boot_info->nvolumes, (uint32_t)UNIK_MAX_VOLUMES); i++)
		if (boot_info->volumes[i].flags & UNIK_VOL_ROOT)
			return true;
	return false;
}

static int boot_status(int err)
{
	return err == -ENOENT ? 127 : 126;
}

int exec_boot(struct proc *p, struct regs *r, const char **why)
{
	uint32_t n = boot_info->argc + boot_info->envc;
	if (n > BOOT_MAX_ARGS) {
		*why = "argument list too long";
		return 126;
	}
	const char *s = phys_to_virt(boot_info->args);
	for (uint32_t i = 0; i < n; i++) {
		boot_argv[i] = s;
		s += strlen(s) + 1;
	}
	boot_argv[n] = NULL;
	struct exec_args a = {
		.argc = (int)boot_info->argc, .argv = boot_argv, .envc = (int)boot_info->envc,
		.envp = boot_argv + boot_info->argc, .execfn = boot_info->execfn,
	};
	struct path prog = { 0 };
	struct inode *ino;
	static char found[PATH_MAX];
	int err;
	if (!boot_root_tree()) {
		ino = tmpfs_contig_inode(current_task->fs->root.d->inode->sb, boot_info->prog,
					 boot_info->prog_len, 0755);
		if (!ino) {
			*why = "out of memory";
			return 125;
		}
	} else {
		const char *cmd = a.argc ? a.argv[0] : "";
		if (!cmd[0]) {
			*why = "no command specified";
			return 125;
		}
		if (strchr(cmd, '/')) {
			err = vfs_lookup(current_task->fs, &current_task->fs->cwd, cmd, LOOKUP_FOLLOW, &prog);
			*why = err == -ENOENT ? "no such file or directory" : "cannot open the command";
		} else {
			const char *pv = boot_env(a.envp, a.envc, "PATH");
			err = boot_lookpath(p, cmd, pv ? pv : DEFAULT_PATH, &prog, found, sizeof(found));
			*why = err == -ENOENT ? "executable file not found in $PATH" : "permission denied";
			a.execfn = found;
		}
		if (err)
			return boot_status(err);
		ino = prog.d->inode;
		inode_get(ino);
		path_put(&prog);
		if ((ino->mode & S_IFMT) == S_IFDIR || (err = vfs_permission(ino, 1))) {
			*why = (ino->mode & S_IFMT) == S_IFDIR ? "is a directory" : "permission denied";
			inode_put(ino);
			return 126;
		}
	}
	err = exec_load(p, ino, &a, r, why);
	inode_put(ino);
	if (err) {
		if (!*why)
			*why = "cannot execute";
		return boot_status(err);
	}
	exec_commit_creds(p, &a);
	return 0;
}
