# Benchmarks: unik against native Linux, side by side, as ratios (bench/run.sh says what each line measures).
.PHONY: bench
bench: $(BUILD)/unik $(BUILD)/bench/hello $(BUILD)/bench/getppid $(BUILD)/bench/poll \
	$(BUILD)/bench/threads $(BUILD)/bench/proc $(BUILD)/bench/true $(BUILD)/bench/net
	sh bench/run.sh
	sh bench/net.sh

$(BUILD)/bench/%: bench/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	musl-gcc -static -O2 -o $@ $<

# File-system speed: reading from the image, find / over Debian, Debian's /bin/true (bench/fs.sh).
.PHONY: bench-fs
bench-fs: $(BUILD)/unik $(BUILD)/bench/readfile $(BUILD)/bench/spawn
	bash bench/fs.sh

# unik convert against tar -x + zstd -3 on a Debian minbase image (bench/convert.sh).
.PHONY: bench-convert
bench-convert: $(BUILD)/unik
	bash bench/convert.sh

# `docker run --rm` and `ctr run --rm` through the OCI runtime against runc (bench/oci.sh; root).
.PHONY: bench-oci
bench-oci: $(BUILD)/unik $(BUILD)/unik-runtime
	bash bench/oci.sh
