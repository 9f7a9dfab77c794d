# The VFS is compiled into the kernel (kernel/kernel.mk lists its sources); unit tests register here.
# The pty line discipline is pure logic: tested byte for byte against Linux's echo and queues.
UNIT_TESTS += test_pty_ldisc
test_pty_ldisc_SRCS := tests/unit/test_pty_ldisc.c vfs/pty_ldisc.c vfs/pty_ldisc_out.c
