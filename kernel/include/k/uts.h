/* The UTS names the guest has: its hostname (from the boot info until sethostname changes it)
   and NIS domain name, as uname, /proc/sys/kernel/{hostname,domainname} give them. */
#ifndef K_UTS_H
#define K_UTS_H
#define UTS_LEN 64

const char *uts_nodename(void);
const char *uts_domainname(void);
#endif
