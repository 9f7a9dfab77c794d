/* The guest's random generator: ChaCha20 keyed from host entropy at boot. */
#ifndef K_RANDOM_H
#define K_RANDOM_H
#include <stddef.h>
void random_init(void);
void random_bytes(void *buf, size_t len);
#endif
