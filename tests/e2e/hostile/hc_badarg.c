/* A program that makes hypercalls itself with hostile arguments (fast mode cannot stop a program
   from reaching the hypercall ports; the monitor must survive and stop the VM). argv[1] picks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port)); }
static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %w1" : : "a"(v), "Nd"(port)); }
static uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port)); return v; }

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "arg-max"))
		outl(0x501, 0xffffffffu);       /* HC_WRITE, argument struct past guest memory */
	else if (!strcmp(c, "arg-end"))
		outl(0x501, 0x3ffffffcu);       /* straddles the end of a 1 GiB guest */
	else if (!strcmp(c, "unknown"))
		outl(0x500, 0x1000);            /* hypercall 0 does not exist */
	else if (!strcmp(c, "byte"))
		outb(0x501, 1);                 /* wrong access size */
	else if (!strcmp(c, "in"))
		return (int)inl(0x501);         /* wrong direction */
	else if (!strcmp(c, "port80"))
		outb(0x80, 1);                  /* not a hypercall port: #GP -> SIGSEGV, as natively */
	return 0;
}
