/* Shared text pages (inode_ops.text_page): the second time a page of a file is mapped for
   execution it is copied into guest memory once, and every later executable mapping shares that
   copy, which the system-call rewriter patches in place (kernel/arch/fast.c). Later processes
   then neither trap at the page's call sites nor get private copies of it, and touch ordinary
   guest memory, where the image's read-only memory is resolved by kvm_pvm on its slow path
   (~20-45 us a first touch, page by page, against a fraction of a µs for guest memory, whose
   neighbouring entries the hypervisor fills along). The first mapping uses the file's own page,
   so a program run once pays nothing extra. Private mappings that do not execute (a library's
   symbol tables, relocations and read-only data, which the dynamic linker walks in every
   process) share copies of their own, never patched: they keep the file's bytes, as reads and
   shared mappings do. Once the file
   changes (text_pages_retire) no shared page is handed out any more, but those made live on,
   mapped, until the inode goes. Over all files, at most an eighth of guest memory is so held. */
#ifndef VFS_TEXTPAGE_H
#define VFS_TEXTPAGE_H
#include <stdint.h>
#include <stdbool.h>

struct text_pages {
	uint64_t *table;        /* two-level: a copy's address, 1 for a page mapped once, or 0 */
	uint64_t *read_table;   /* the same for read-only mappings: copies never patched */
	uint64_t n;             /* copies held */
	bool retired;           /* the file changed: hand out no more */
};

/* Pages held as shared text pages, over every file. */
extern uint64_t text_pages_total;

/* How a text page is asked for (inode_ops.text_page). */
enum text_use {
	TEXT_MAP,       /* a fault maps it: the second use makes the shared page */
	TEXT_PATCH,     /* the rewriter is about to patch it: made even at the first use */
	TEXT_PEEK,      /* the shared page if it exists; no use recorded */
	TEXT_READ,      /* a fault of a private mapping that does not execute maps it: as
			   TEXT_MAP, from a table of its own whose copies keep the file's bytes */
};

/* The shared page for pgoff, copied from the file's page at src (guest-physical; unused by
   TEXT_PEEK) as use says; 0: map the file's own page (the first use, retired, at the bound,
   out of memory, none yet). */
uint64_t text_pages_get(struct text_pages *t, uint64_t pgoff, uint64_t src, int use);
bool text_pages_is(const struct text_pages *t, uint64_t pgoff, uint64_t pa);
void text_pages_retire(struct text_pages *t);
/* Frees them all (the inode is going: nothing maps them). */
void text_pages_free(struct text_pages *t);
#endif
