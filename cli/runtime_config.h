/* config.json -> struct vm_config for the runtime (runtime_config.c). */
#ifndef CLI_RUNTIME_CONFIG_H
#define CLI_RUNTIME_CONFIG_H
#include "cli/runtime.h"
#include "image/image.h"
#include "monitor/net.h"
#include "monitor/vm.h"

/* Where `unik convert --oci` puts the artifact in the image it writes: a root filesystem holding
   this regular file boots the artifact instead of the directory. */
#define RT_ARTIFACT_PATH ".unik/app.unik"

/* What the VM's configuration points into; lives as long as the VM. */
struct rt_vm {
	struct vm_config cfg;
	struct vm_volume vols[UNIK_MAX_VOLUMES];
	size_t nvols;
	struct net_config net;
	struct artifact art;
	char **env;
};

/* Fills v from the spec (rootfs: root.path made absolute). 0, or 1 after rt_error. */
int rt_vm_config(const struct rt_opts *o, const struct oci_spec *s, const char *rootfs,
		 struct rt_vm *v);
/* runc's check at create: args[0] must be an executable file in rootfs (through PATH when it
   has no slash). 0, or 1 after rt_error with runc's message. */
int rt_check_command(const struct rt_opts *o, const char *rootfs, const struct oci_spec *s);
#endif
