/* `unik convert --oci`: the artifact as a one-layer OCI image, in one tar that is both an OCI image
 * layout and a docker-save archive (the dual form docker >= 25 writes). See docs/format.md. */
#ifndef IMAGE_OCI_OUT_H
#define IMAGE_OCI_OUT_H

#include <jansson.h>
#include "image/oci_ref.h"

/* Where the artifact lies in the image's root filesystem, and the config label naming that path:
 * a contract with the OCI runtime, which boots <rootfs>/.unik/app.unik. */
#define OCI_OUT_ARTIFACT_PATH "/.unik/app.unik"
#define OCI_OUT_ARTIFACT_LABEL "org.unik.artifact"

struct oci_out_req {
	const uint8_t *artifact;    /* the artifact bytes */
	size_t artifact_len;
	json_t *config;             /* its config section (convert_image_config) */
	const struct oci_ref *ref;
};

/*
 * Writes the image archive to path: a temporary file in the same directory renamed over path,
 * removed on any error, so path is either the complete archive or untouched. The bytes are a
 * function of the request only. Returns 0 or -errno with c->err set.
 */
int oci_out_write(struct img_ctx *c, const struct oci_out_req *r, const char *path);

#endif
