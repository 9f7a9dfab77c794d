/* uname: the facts of struct utsname that every Linux x86-64 machine shares. */
#include "compat.h"
#include <ctype.h>
#include <string.h>
#include <sys/utsname.h>

/* digits_dot_digits: whether s starts with DIGITS.DIGITS, as a Linux release does. */
static int digits_dot_digits(const char *s)
{
	int n = 0;

	while (isdigit((unsigned char)*s))
		s++, n++;
	if (n == 0 || *s++ != '.')
		return 0;
	return isdigit((unsigned char)*s);
}

int main(void)
{
	struct utsname u;
	int r = uname(&u);

	result("uname", r, errno);
	if (r)
		return 1;
	printf("sysname=%s\n", u.sysname);
	printf("machine=%s\n", u.machine);
	fact("release is digits.digits...", digits_dot_digits(u.release));
	fact("version nonempty", u.version[0] != 0);
	return 0;
}
