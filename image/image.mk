# image/: host-side container image conversion (`unik convert`, `unik inspect`, the artifact reader).
IMAGE_SRCS := image/util.c image/tree.c image/tacl.c image/layer.c image/source.c image/manifest.c \
	image/imgfs_write.c image/imgfs_read.c image/runcfg.c image/user.c image/artifact.c \
	image/elfinfo.c image/check.c image/rootfs.c image/convert.c image/convert_cli.c \
	image/oci_ref.c image/oci_out.c image/inspect.c image/inspect_ls.c
IMAGE_LDLIBS := -larchive -ljansson -lzstd -lcrypto -lelf

UNIT_TESTS += test_image test_image_layers test_image_hostile test_image_acl
test_image_SRCS := tests/unit/test_image.c tests/unit/test_image_util.c $(IMAGE_SRCS)
test_image_LDLIBS := $(IMAGE_LDLIBS)
test_image_layers_SRCS := tests/unit/test_image_layers.c tests/unit/test_image_util.c $(IMAGE_SRCS)
test_image_layers_LDLIBS := $(IMAGE_LDLIBS)
test_image_hostile_SRCS := tests/unit/test_image_hostile.c tests/unit/test_image_util.c $(IMAGE_SRCS)
test_image_hostile_LDLIBS := $(IMAGE_LDLIBS)
test_image_acl_SRCS := tests/unit/test_image_acl.c tests/unit/test_image_util.c $(IMAGE_SRCS)
test_image_acl_LDLIBS := $(IMAGE_LDLIBS)
