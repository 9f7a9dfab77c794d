/* exitcode: exits with atoi(argv[1]) (the kernel keeps the low 8 bits) and prints nothing. */
#include "compat.h"
#include <stdlib.h>

int main(int argc, char **argv)
{
	exit(argc > 1 ? atoi(argv[1]) : 0);
}
