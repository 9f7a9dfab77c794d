# The host monitor (KVM, guest memory, hypercall handlers).
MONITOR_SRCS := $(wildcard monitor/*.c) loader/elf.c
MONITOR_LDLIBS := -lelf
