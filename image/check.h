/* Compatibility check: what the command is (static, static-pie, dynamic, #! script) and whether it can run. */
#ifndef IMAGE_CHECK_H
#define IMAGE_CHECK_H

#include <jansson.h>
#include "image/imgfs.h"
#include "image/runcfg.h"

/*
 * Resolves rc->argv[0] inside fs (PATH from rc->env, relative to rc->workdir) and classifies it.
 * Returns a new JSON object {"command", "path", "kind", "warnings": [...]}; warnings empty when
 * the command looks runnable.
 */
json_t *check_command(const struct imgfs *fs, const struct unik_runcfg *rc);

/* Classifies every ELF file of fs: a JSON array of {"path", "kind", "warnings"} in path order.
 * env may be NULL (LD_LIBRARY_PATH is then not considered). */
json_t *check_all(const struct imgfs *fs, char **env, size_t n_env);

#endif
