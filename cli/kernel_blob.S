/* The guest kernel ELF, embedded in the unik binary. */
	.section .rodata
	.balign 4096
	.globl unik_kernel_blob, unik_kernel_blob_end
unik_kernel_blob:
	.incbin KERNEL_ELF
unik_kernel_blob_end:
	.section .note.GNU-stack, "", @progbits
