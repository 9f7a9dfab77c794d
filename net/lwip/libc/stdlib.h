/* <stdlib.h> for lwIP's sources in the freestanding guest build: lwIP calls only atoi (netif_find)
   and, through mem_clib_*, the heap hooks it is configured with. */
#ifndef UNIK_LWIP_LIBC_STDLIB_H
#define UNIK_LWIP_LIBC_STDLIB_H
#include "arch/sys_arch.h"
#define atoi unik_lwip_atoi
#endif
