/* ELF facts for the compatibility check, read with libelf from an in-memory file. */
#include "image/elfinfo.h"
#include "image/imgint.h"

#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390x";
	case EM_MIPS: return "mips";
	default: return "unknown machine";
	}
}

static void push(char ***v, size_t *n, const char *s)
{
	char **nv = xcalloc(*n + 2, sizeof(char *));
	if (*n)
		memcpy(nv, *v, *n * sizeof(char *));
	free(*v);
	nv[(*n)++] = xstrdup(s);
	*v = nv;
}

static void elfinfo_dynamic(Elf *e, struct elfinfo *ei)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !sh.sh_entsize)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n && i < 4096; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			const char *s = NULL;
			if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_RPATH || dyn.d_tag == DT_RUNPATH)
				s = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (dyn.d_tag == DT_NEEDED && s)
				push(&ei->needed, &ei->n_needed, s);
			else if (dyn.d_tag == DT_RPATH && s && !ei->rpath)
				ei->rpath = xstrdup(s);
			else if (dyn.d_tag == DT_RUNPATH && s && !ei->runpath)
				ei->runpath = xstrdup(s);
			else if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
				ei->pie = 1;
		}
	}
}

static void elfinfo_phdrs(Elf *e, const uint8_t *p, size_t n, struct elfinfo *ei)
{
	size_t np = 0;
	if (elf_getphdrnum(e, &np) != 0)
		return;
	for (size_t i = 0; i < np && i < 65536; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			continue;
		if (ph.p_type == PT_DYNAMIC)
			ei->has_dynamic = 1;
		if (ph.p_type != PT_INTERP || ei->interp)
			continue;
		if (ph.p_offset > n || ph.p_filesz > n - ph.p_offset || ph.p_filesz == 0 ||
		    ph.p_filesz > 4096 || p[ph.p_offset + ph.p_filesz - 1] != 0) {
			ei->bad_interp = 1;
			continue;
		}
		ei->interp = xstrdup((const char *)p + ph.p_offset);
	}
}

int elfinfo_read(const uint8_t *p, size_t n, struct elfinfo *ei)
{
	memset(ei, 0, sizeof(*ei));
	if (n < 4 || memcmp(p, "\177ELF", 4) != 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *e = elf_memory((char *)p, n);
	GElf_Ehdr eh;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		ei->truncated = 1;
		if (e)
			elf_end(e);
		return 0;
	}
	ei->is_elf = 1;
	ei->class64 = gelf_getclass(e) == ELFCLASS64;
	ei->le = eh.e_ident[EI_DATA] == ELFDATA2LSB;
	ei->machine = eh.e_machine;
	ei->machine_name = machine_name(eh.e_machine);
	ei->type = eh.e_type;
	elfinfo_phdrs(e, p, n, ei);
	elfinfo_dynamic(e, ei);
	elf_end(e);
	return 0;
}

void elfinfo_free(struct elfinfo *ei)
{
	for (size_t i = 0; i < ei->n_needed; i++)
		free(ei->needed[i]);
	free(ei->needed);
	free(ei->interp);
	free(ei->rpath);
	free(ei->runpath);
	memset(ei, 0, sizeof(*ei));
}

int elfinfo_runs_here(const struct elfinfo *ei)
{
	return ei->is_elf && ei->class64 && ei->le && ei->machine == EM_X86_64;
}

void elfinfo_kind(const struct elfinfo *ei, char *out, size_t len)
{
	const char *arch = ei->class64 ? ei->machine_name : "32-bit";
	if (!ei->is_elf) {
		snprintf(out, len, "ELF (unreadable header)");
	} else if (ei->type != ET_EXEC && ei->type != ET_DYN) {
		snprintf(out, len, "ELF %s %s", arch, ei->type == ET_REL ? "relocatable object" :
			 ei->type == ET_CORE ? "core file" : "of unknown type");
	} else if (ei->interp) {
		snprintf(out, len, "ELF %s dynamic%s (interpreter %s)", arch,
			 ei->type == ET_DYN ? " pie" : "", ei->interp);
	} else if (ei->type == ET_EXEC) {
		snprintf(out, len, "ELF %s static%s", arch, ei->n_needed ? " (has DT_NEEDED but no "
			 "interpreter)" : "");
	} else if (ei->pie || (!ei->n_needed && !ei->has_dynamic)) {
		snprintf(out, len, "ELF %s static-pie", arch);
	} else {
		snprintf(out, len, "ELF %s shared library", arch);
	}
}
