/* Controlling-terminal rules shared by the console (vfs/console.c) and the pseudo-terminals
   (vfs/pty*.c): job control, the foreground group, terminal signals. A terminal is described to
   these helpers by the session it controls and its foreground process group (ids; 0: none). */
#ifndef VFS_TTY_H
#define VFS_TTY_H
#include <stdbool.h>

/* The terminal ioctls both kinds of terminal answer (Linux's numbers). */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540a
#define TCFLSH 0x540b
#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONBIO 0x5421
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429

/* Is group pgid orphaned: no live member has a parent in another group of session sid? */
bool tty_pgrp_orphaned(int pgid, int sid);
/* Sends sig from the kernel (SI_KERNEL, as a terminal does) to every live process of group pgrp
   (nothing for 0). */
void tty_signal_pgrp(int pgrp, int sig);
/* Job control for a process of the terminal's session, as Linux's tty_check_change: outside the
   foreground group fg_pgrp, reading (SIGTTIN), or writing with TOSTOP or changing settings
   (SIGTTOU) stops its whole group. Returns 0 to go on, -EIO (SIGTTIN ignored or blocked, or an
   orphaned group), or -ERESTARTSYS with the signal sent, so the call runs again once the group
   is continued. The caller has checked that the terminal controls current's session. */
int tty_job_control(int fg_pgrp, int sig);
/* May pgrp become the foreground group of a terminal of session sid (TIOCSPGRP)? 0, -ESRCH (no
   such group) or -EPERM (a group of another session). */
int tty_pgrp_check(int pgrp, int sid);
#endif
