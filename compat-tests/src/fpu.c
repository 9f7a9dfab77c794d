/* fpu: floating point as a program finds it: the initial control words, double/float/long double
 * arithmetic and printing, libm, SSE2 intrinsics, AVX if the CPU and OS enable it, and vector
 * registers surviving a system call. */
#include "compat.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include <sys/syscall.h>

/* xmm_survive_syscall: loads xmm0-15, executes `syscall` (getppid), and checks they are unchanged. */
static int xmm_survive_syscall(void)
{
	unsigned char in[256], out[256];
	long ret;

	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)(i * 13 + 1);
	__asm__ volatile(
		"movdqu 0(%[in]), %%xmm0\n\t"   "movdqu 16(%[in]), %%xmm1\n\t"
		"movdqu 32(%[in]), %%xmm2\n\t"  "movdqu 48(%[in]), %%xmm3\n\t"
		"movdqu 64(%[in]), %%xmm4\n\t"  "movdqu 80(%[in]), %%xmm5\n\t"
		"movdqu 96(%[in]), %%xmm6\n\t"  "movdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\t" "movdqu 144(%[in]), %%xmm9\n\t"
		"movdqu 160(%[in]), %%xmm10\n\t" "movdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\t" "movdqu 208(%[in]), %%xmm13\n\t"
		"movdqu 224(%[in]), %%xmm14\n\t" "movdqu 240(%[in]), %%xmm15\n\t"
		"syscall\n\t"
		"movdqu %%xmm0, 0(%[out])\n\t"   "movdqu %%xmm1, 16(%[out])\n\t"
		"movdqu %%xmm2, 32(%[out])\n\t"  "movdqu %%xmm3, 48(%[out])\n\t"
		"movdqu %%xmm4, 64(%[out])\n\t"  "movdqu %%xmm5, 80(%[out])\n\t"
		"movdqu %%xmm6, 96(%[out])\n\t"  "movdqu %%xmm7, 112(%[out])\n\t"
		"movdqu %%xmm8, 128(%[out])\n\t" "movdqu %%xmm9, 144(%[out])\n\t"
		"movdqu %%xmm10, 160(%[out])\n\t" "movdqu %%xmm11, 176(%[out])\n\t"
		"movdqu %%xmm12, 192(%[out])\n\t" "movdqu %%xmm13, 208(%[out])\n\t"
		"movdqu %%xmm14, 224(%[out])\n\t" "movdqu %%xmm15, 240(%[out])\n\t"
		: "=a"(ret)
		: "a"((long)SYS_getppid), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret >= 0 && memcmp(in, out, sizeof(in)) == 0;
}

/* ymm_survive_syscall: the same for the upper halves of ymm0-15. */
__attribute__((target("avx"))) static int ymm_survive_syscall(void)
{
	unsigned char in[512], out[512];
	long ret;

	for (int i = 0; i < 512; i++)
		in[i] = (unsigned char)(i * 29 + 5);
	__asm__ volatile(
		"vmovdqu 0(%[in]), %%ymm0\n\t"    "vmovdqu 32(%[in]), %%ymm1\n\t"
		"vmovdqu 64(%[in]), %%ymm2\n\t"   "vmovdqu 96(%[in]), %%ymm3\n\t"
		"vmovdqu 128(%[in]), %%ymm4\n\t"  "vmovdqu 160(%[in]), %%ymm5\n\t"
		"vmovdqu 192(%[in]), %%ymm6\n\t"  "vmovdqu 224(%[in]), %%ymm7\n\t"
		"vmovdqu 256(%[in]), %%ymm8\n\t"  "vmovdqu 288(%[in]), %%ymm9\n\t"
		"vmovdqu 320(%[in]), %%ymm10\n\t" "vmovdqu 352(%[in]), %%ymm11\n\t"
		"vmovdqu 384(%[in]), %%ymm12\n\t" "vmovdqu 416(%[in]), %%ymm13\n\t"
		"vmovdqu 448(%[in]), %%ymm14\n\t" "vmovdqu 480(%[in]), %%ymm15\n\t"
		"syscall\n\t"
		"vmovdqu %%ymm0, 0(%[out])\n\t"    "vmovdqu %%ymm1, 32(%[out])\n\t"
		"vmovdqu %%ymm2, 64(%[out])\n\t"   "vmovdqu %%ymm3, 96(%[out])\n\t"
		"vmovdqu %%ymm4, 128(%[out])\n\t"  "vmovdqu %%ymm5, 160(%[out])\n\t"
		"vmovdqu %%ymm6, 192(%[out])\n\t"  "vmovdqu %%ymm7, 224(%[out])\n\t"
		"vmovdqu %%ymm8, 256(%[out])\n\t"  "vmovdqu %%ymm9, 288(%[out])\n\t"
		"vmovdqu %%ymm10, 320(%[out])\n\t" "vmovdqu %%ymm11, 352(%[out])\n\t"
		"vmovdqu %%ymm12, 384(%[out])\n\t" "vmovdqu %%ymm13, 416(%[out])\n\t"
		"vmovdqu %%ymm14, 448(%[out])\n\t" "vmovdqu %%ymm15, 480(%[out])\n\t"
		"vzeroupper\n\t"
		: "=a"(ret)
		: "a"((long)SYS_getppid), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret >= 0 && memcmp(in, out, sizeof(in)) == 0;
}

__attribute__((target("avx"))) static void avx_compute(void)
{
	double a[4] = { 1.5, -2.25, 3.125, 1e300 }, b[4] = { 0.1, 0.2, 0.3, 1e10 }, r[4];
	__m256d va = _mm256_loadu_pd(a), vb = _mm256_loadu_pd(b);

	_mm256_storeu_pd(r, _mm256_add_pd(_mm256_mul_pd(va, vb), _mm256_sqrt_pd(_mm256_mul_pd(vb, vb))));
	printf("avx: %.17g %.17g %.17g %.17g\n", r[0], r[1], r[2], r[3]);
}

__attribute__((target("avx2"))) static void avx2_compute(void)
{
	int a[8], b[8], r[8];

	for (int i = 0; i < 8; i++) {
		a[i] = i * 1000003;
		b[i] = -i * 7919;
	}
	_mm256_storeu_si256((__m256i *)r, _mm256_mullo_epi32(_mm256_loadu_si256((__m256i *)a),
							     _mm256_loadu_si256((__m256i *)b)));
	printf("avx2:");
	for (int i = 0; i < 8; i++)
		printf(" %d", r[i]);
	printf("\n");
}

static void sse2_compute(void)
{
	double r[2];
	int ri[4];
	__m128d x = _mm_set_pd(2.0, 10.0), y = _mm_set_pd(0.5, 3.0);
	__m128i p = _mm_set_epi32(1, -2, 3, 0x7fffffff), q = _mm_set_epi32(10, 20, 30, 1);

	_mm_storeu_pd(r, _mm_div_pd(_mm_sqrt_pd(x), y));
	_mm_storeu_si128((__m128i *)ri, _mm_add_epi32(p, q));
	printf("sse2: %.17g %.17g | %d %d %d %d\n", r[0], r[1], ri[0], ri[1], ri[2], ri[3]);
}

int main(void)
{
	volatile double d1 = 0.1, d2 = 0.2, big = 1e308, tiny = 5e-324, zero = 0.0;
	volatile float f1 = 1.0f, f3 = 3.0f;
	volatile long double l1 = 1.0L, l3 = 3.0L;
	unsigned int mxcsr;
	unsigned short fcw;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	printf("mxcsr control 0x%x, x87 control word 0x%x\n", mxcsr & ~0x3fu, fcw);

	printf("0.1+0.2=%.17g\n", d1 + d2);
	printf("1/3 float=%.9g long double=%.21Lg\n", f1 / f3, l1 / l3);
	printf("1e308*10 isinf=%d, 5e-324/2=%g, 0/0 isnan=%d\n", isinf(big * 10), tiny / 2,
	       isnan(zero / zero));
	printf("%.17g %.17g %.17g\n", 1e23, 123456789.125, -0.0);
	printf("%e %f %g %a\n", 6.02214076e23, 3.14159265358979, 1e-5, 1.0);
	printf("sqrt(2)=%.17g sin(1)=%.17g sin(0.5)=%.17g\n", sqrt(d1 * 20), sin(d1 * 10), sin(d1 * 5));
	printf("exp(1)=%.15g log(10)=%.15g pow(2,0.5)=%.15g\n", exp(d1 * 10), log(d1 * 100),
	       pow(d2 * 10, 0.5));
	sse2_compute();
	fact("xmm0-15 survive a system call", xmm_survive_syscall());

	__builtin_cpu_init();
	fact("cpu supports avx", __builtin_cpu_supports("avx"));
	fact("cpu supports avx2", __builtin_cpu_supports("avx2"));
	fact("cpu supports avx512f", __builtin_cpu_supports("avx512f"));
	if (__builtin_cpu_supports("avx")) {
		avx_compute();
		fact("ymm0-15 survive a system call", ymm_survive_syscall());
	}
	if (__builtin_cpu_supports("avx2"))
		avx2_compute();
	return 0;
}
