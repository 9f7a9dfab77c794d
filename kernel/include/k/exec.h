/* Loading programs into a process. */
#ifndef K_EXEC_H
#define K_EXEC_H
#include "k/proc.h"
#include "k/cap.h"
#include "k/regs.h"

struct inode;

struct exec_args {
	int argc, envc;
	const char *const *argv;
	const char *const *envp;
	const char *execfn;     /* the path as given (AT_EXECFN, the script name for #!) */
	int depth;              /* #! nesting so far */
	/* Set by exec_load: the effective ids the program runs with (the file's owner or group
	   for a setuid or setgid file, else the caller's), the capability sets (moved as execve
	   does, with the file's capabilities) and whether that makes it a secure exec (AT_SECURE:
	   ids that differ from the real ones, or capabilities gained). exec_commit_creds makes
	   them the process's. */
	uint32_t euid, egid;
	struct cap_sets caps;
	bool secure;
};

/* The credentials an exec gives (Linux's bprm_fill_uid and commoncap): effective, saved and
   filesystem ids and the capability sets from a; a set-id exec, or one that gains
   capabilities, makes the process undumpable and drops its parent-death signal. */
void exec_commit_creds(struct proc *p, const struct exec_args *a);

/* Loads the executable ino into p's empty address space and fills r with its first registers.
   0, or -errno with *why saying what was wrong. */
int exec_load(struct proc *p, struct inode *ino, struct exec_args *a, struct regs *r,
	      const char **why);
int exec_script(struct proc *p, struct inode *ino, const uint8_t *file, struct exec_args *a,
		struct regs *r, const char **why);
/* The FPU state a program starts with (captured at boot, restored by execve). */
void exec_fpu_capture(void);
const void *exec_fpu_initial(void);
/* Starts the first program (from the boot info: the boot program or a command in the image). */
int exec_boot(struct proc *p, struct regs *r, const char **why);
#endif
