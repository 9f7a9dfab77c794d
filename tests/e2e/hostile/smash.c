/* A program that overwrites the memory of the libOS core beside it (possible in fast mode, where
   program and core share CPL3), then makes a system call. The monitor must stop the VM cleanly. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	volatile uint8_t *core = (uint8_t *)0xffffffff80200000ull;
	for (int i = 0; i < 65536; i++)
		core[i] = 0xff;
	write(1, "unreachable\n", 12);
	return 0;
}
