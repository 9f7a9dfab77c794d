/* Capability names and docker's rules for --cap-add, --cap-drop and --privileged (cli/caps.c);
   the OCI runtime's process.capabilities use the names too. */
#ifndef CLI_CAPS_H
#define CLI_CAPS_H
#include <stdint.h>
#include <stdbool.h>

#define CAPS_LAST 40
#define CAPS_ALL ((1ull << (CAPS_LAST + 1)) - 1)
/* docker's default set: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID,
   SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE */
#define CAPS_DOCKER_DEFAULT 0xa80425fbull

/* Linux's number of a capability named "CAP_NET_RAW", "net_raw"... (any case, the prefix
   optional); -1 when there is none. */
int caps_number(const char *name);
/* The name of capability n without its CAP_ prefix ("NET_RAW"). */
const char *caps_name(int n);
/* docker's TweakCapabilities: --privileged gives all; ALL among the adds gives all but the
   drops; ALL among the drops leaves the adds only; otherwise the default set less the drops
   plus the adds. 0, or 125 after printing the unknown name. */
int caps_tweak(const char *const *adds, int nadd, const char *const *drops, int ndrop,
	       bool privileged, uint64_t *out);
#endif
