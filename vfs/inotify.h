/* inotify's limits (syscalls/sys_inotify.c), shown in /proc/sys/fs/inotify. */
#ifndef VFS_INOTIFY_H
#define VFS_INOTIFY_H
extern unsigned inotify_max_queued_events;     /* events an instance queues (16384) */
extern unsigned inotify_max_user_instances;    /* instances per user (128) */
/* Watches per user: Linux's default for this VM's memory. */
unsigned inotify_max_user_watches(void);
#endif
