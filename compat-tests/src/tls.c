/* tls: __thread variables in the main thread: initialised data, zeroed data, an aligned block, and
 * the x86-64 TLS ABI (the FS base is the thread pointer and %fs:0 points to itself). */
#include "compat.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef ARCH_GET_FS
#define ARCH_GET_FS 0x1003
#endif

__thread int tls_int = 42;
__thread char tls_str[16] = "tls-initialised";
__thread long tls_zero;
__thread long tls_zero_arr[512];
__thread _Alignas(64) unsigned char tls_al64[64] = { 1, 2, 3 };
__thread char tls_data[8192] = { 'x', 'y', 'z' };

/* bump: defeats constant folding, so the accesses below really go through the thread pointer. */
__attribute__((noinline)) static int bump(int *p, int by)
{
	*(volatile int *)p += by;
	return *p;
}

int main(void)
{
	unsigned long fs = 0, self = 0, zero = 0;
	long r;

	printf("tls_int=%d tls_str=%s tls_data=%.3s\n", tls_int, tls_str, tls_data);
	for (int i = 0; i < 512; i++)
		zero |= (unsigned long)tls_zero_arr[i];
	fact("tbss zeroed", tls_zero == 0 && zero == 0);
	printf("tls_al64 first bytes %d %d %d %d\n", tls_al64[0], tls_al64[1], tls_al64[2], tls_al64[63]);
	fact("_Alignas(64) __thread aligned", ((uintptr_t)tls_al64 & 63) == 0);
	printf("after bump tls_int=%d\n", bump(&tls_int, 58));
	strcpy(tls_str, "changed");
	tls_zero = -7;
	printf("tls_str=%s tls_zero=%ld\n", tls_str, tls_zero);

	r = syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	result("arch_prctl(ARCH_GET_FS)", r, errno);
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	fact("%fs:0 points to the FS base", self == fs);
	fact("FS base is pthread_self()", fs == (unsigned long)pthread_self());
	fact("TLS variables sit below the thread pointer",
	     (uintptr_t)&tls_int < fs && (uintptr_t)&tls_data[8191] < fs);
	return 0;
}
