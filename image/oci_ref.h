/* Image references for `unik convert --oci`: docker's NAME[:TAG] rules and the name forms. */
#ifndef IMAGE_OCI_REF_H
#define IMAGE_OCI_REF_H

#include <jansson.h>
#include "image/imgint.h"

/* An image reference split into its forms: "docker.io/library/busybox", "busybox", "latest". */
struct oci_ref {
	char *full;                 /* the normalised name, without the tag */
	char *familiar;             /* the short name docker prints (RepoTags, repositories) */
	char *tag;
};

/* Parses NAME[:TAG] by docker's reference rules (lowercase path components joined by '.', '_',
 * "__" or dashes, an optional registry host first; no digest); a missing tag is "latest".
 * Returns 0 with ref filled (release with oci_ref_free), or -EINVAL with c->err set. */
int oci_ref_parse(struct img_ctx *c, const char *s, struct oci_ref *ref);
/* The default reference for a converted image: the source's name from config's "image"."ref"
 * (a bare OCI ref name is a tag of unik/app), else unik/app:latest. Always returns 0. */
int oci_ref_default(struct img_ctx *c, json_t *config, struct oci_ref *ref);
void oci_ref_free(struct oci_ref *ref);

#endif
