/* ELF facts used by the compatibility check (libelf over an in-memory file). */
#ifndef IMAGE_ELFINFO_H
#define IMAGE_ELFINFO_H

#include <stddef.h>
#include <stdint.h>

struct elfinfo {
	int is_elf;                 /* header readable */
	int truncated;
	int class64, le;
	unsigned machine;
	const char *machine_name;
	unsigned type;              /* ET_EXEC, ET_DYN, ... */
	int pie;                    /* DT_FLAGS_1 & DF_1_PIE */
	int has_dynamic;
	int bad_interp;             /* PT_INTERP present but malformed */
	char *interp;
	char **needed;
	size_t n_needed;
	char *rpath, *runpath;
};

/* Returns -1 if p is not ELF at all (no magic); otherwise 0 with ei filled (free with
 * elfinfo_free). A damaged ELF gives is_elf 0 and truncated 1. */
int elfinfo_read(const uint8_t *p, size_t n, struct elfinfo *ei);
void elfinfo_free(struct elfinfo *ei);
/* 1 if this is a 64-bit little-endian x86-64 ELF. */
int elfinfo_runs_here(const struct elfinfo *ei);
/* "ELF x86-64 static", "... static-pie", "... dynamic (interpreter X)", "... shared library". */
void elfinfo_kind(const struct elfinfo *ei, char *out, size_t len);

#endif
