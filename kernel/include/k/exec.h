/* Loading the program the monitor placed in guest memory into a process. */
#ifndef K_EXEC_H
#define K_EXEC_H
#include "k/proc.h"
#include "k/regs.h"
/* Maps the boot program into p and fills r with its first registers. 0, or -errno with *why. */
int exec_boot_program(struct proc *p, struct regs *r, const char **why);
#endif
