#!/bin/sh
# Generates the dispatch table, the handler declarations and docs/syscalls.md from syscall_64.tbl.
# usage: gen-table.sh TABLE OUT_C OUT_H OUT_MD
set -e
tbl=$1 out_c=$2 out_h=$3 out_md=$4
awk -F'\t' -v out_c="$out_c" -v out_h="$out_h" -v out_md="$out_md" '
/^#/ || NF == 0 { next }
{
	nr = $1; name = $2; st = $3; args = $4; note = $5
	if (st != "ok" && st != "partial" && st != "enosys") { print "bad status at " NR ": " st > "/dev/stderr"; exit 1 }
	if (nr in seen) { print "duplicate number " nr > "/dev/stderr"; exit 1 }
	seen[nr] = 1
	if (nr > max) max = nr
	fn = (st == "enosys") ? "NULL" : "sys_" name
	if (args == "-") args = ""
	rows[nr] = sprintf("\t[%d] = { \"%s\", %s, \"%s\" },", nr, name, fn, args)
	if (st != "enosys") decls[nr] = sprintf("int64_t sys_%s(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);", name)
	if (note == "-") note = ""
	md[nr] = sprintf("| %d | %s | %s | %s |", nr, name, st, note)
	count[st]++
}
END {
	print "/* Generated from syscalls/syscall_64.tbl by syscalls/gen-table.sh: do not edit. */" > out_c
	print "#include \"syscalls/syscall.h\"" > out_c; print "#include \"build/gen/syscall_decls.h\"" > out_c
	printf "const struct syscall_desc syscall_table[SYSCALL_NR] = {\n" > out_c
	for (i = 0; i <= max; i++) if (i in rows) print rows[i] > out_c
	print "};" > out_c
	print "/* Generated from syscalls/syscall_64.tbl by syscalls/gen-table.sh: do not edit. */" > out_h
	print "#include <stdint.h>" > out_h
	printf "#define SYSCALL_TABLE_MAX %d\n", max > out_h
	for (i = 0; i <= max; i++) if (i in decls) print decls[i] > out_h
	print "# System calls" > out_md
	print "" > out_md
	print "Generated from `syscalls/syscall_64.tbl` (the source of truth) by `syscalls/gen-table.sh`." > out_md
	printf "%d implemented with Linux semantics, %d partial, %d not implemented (`-ENOSYS`, reported once under `--trace`).\n", count["ok"], count["partial"], count["enosys"] > out_md
	print "Numbers not listed return `-ENOSYS` too." > out_md
	print "" > out_md
	print "| nr | name | status | note |" > out_md
	print "|---:|------|--------|------|" > out_md
	for (i = 0; i <= max; i++) if (i in md) print md[i] > out_md
}' "$tbl"
