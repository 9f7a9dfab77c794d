#!/bin/sh
# Native reference for tests/unit/test_elf.c and test_stack.c: what real Linux answers (run as root).
set -e
here=$(dirname "$0")
out=${TMPDIR:-/tmp}/elf-native
mkdir -p "$out"
gcc -O1 -Wall -o "$out/probe" "$here/probe.c"
musl-gcc -static -O1 -o "$out/stackdump" "$here/stackdump.c"
echo "== execve on malformed ELF files (relative PT_INTERP resolved from /tmp/elfprobe)"
mkdir -p /tmp/elfprobe
(cd /tmp/elfprobe && "$out/probe")
echo "== argv/envp limits"
gcc -O1 -Wall -o "$out/argprobe" "$here/argprobe.c"
"$out/argprobe" "$out/stackdump" 2>&1
echo "== initial stack, ASLR off: env -i A=1 BB=22 stackdump x yy"
(cd "$out" && setarch -R env -i A=1 BB=22 ./stackdump x yy)
