/* The one place in the guest that issues hypercalls (see include/unik/abi.h). */
#ifndef K_HC_H
#define K_HC_H
#include <stdint.h>
#include <stddef.h>

/* Writes len bytes of kernel memory to host fd 1 or 2. Returns bytes written or -errno. */
int64_t hc_write(int fd, const void *buf, size_t len);
/* Reads up to len bytes from host stdin into kernel memory. Returns bytes or -errno. */
int64_t hc_read(void *buf, size_t len);
/* Host CLOCK_REALTIME and CLOCK_MONOTONIC in ns. */
void hc_clock(int64_t *realtime, int64_t *monotonic);
/* Ends the VM; `unik run` exits with status. */
__attribute__((noreturn)) void hc_exit(int status);
#endif
