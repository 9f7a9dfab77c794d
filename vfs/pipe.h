/* Pipes (pipe2) and FIFOs (named pipes in a filesystem). */
#ifndef VFS_PIPE_H
#define VFS_PIPE_H
#include <stdint.h>
struct file;
struct inode;
extern const struct file_ops pipe_ops;
/* A new pipe's read and write ends. 0 or -ENFILE. */
int pipe_create(struct file **rd, struct file **wr);
/* Opening a FIFO inode attaches f to the FIFO's pipe. */
int pipe_fifo_open(struct inode *ino, struct file *f);
/* The pipe's inode behind f, or NULL when f is not a pipe. */
struct inode *pipe_inode(struct file *f);
/* F_GETPIPE_SZ (set 0) / F_SETPIPE_SZ (set 1). */
int64_t pipe_fcntl_size(struct file *f, int set, uint64_t size);
#endif
