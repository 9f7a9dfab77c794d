# The VFS is compiled into the kernel (kernel/kernel.mk lists its sources); unit tests register here.
