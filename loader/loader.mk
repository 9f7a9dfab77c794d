# The loader: ELF checks and the initial stack (pure C, built for the guest and for host unit tests).
LOADER_SRCS := loader/elf.c loader/stack.c
UNIT_TESTS += test_elf test_stack
test_elf_SRCS := tests/unit/test_elf.c loader/elf.c
test_stack_SRCS := tests/unit/test_stack.c loader/stack.c
