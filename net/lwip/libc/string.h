/* <string.h> for lwIP's sources in the freestanding guest build: the kernel's string helpers. */
#ifndef UNIK_LWIP_LIBC_STRING_H
#define UNIK_LWIP_LIBC_STRING_H
#include "kernel/lib/string.h"
#endif
