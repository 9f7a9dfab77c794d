# Unit tests: every name in UNIT_TESTS is built from <name>_SRCS into build/tests/<name> (cmocka,
# ASan/UBSan). `make test` runs them, the compat tests and the end-to-end tests through tests/run-all.sh.
# A test is built from several sources in one compiler run, whose -MMD output keeps only the
# last source's headers: depend on every project header instead.
UNIT_HEADERS := $(wildcard include/unik/*.h kernel/include/k/*.h kernel/lib/*.h vfs/*.h \
	loader/*.h monitor/*.h image/*.h syscalls/*.h tests/unit/*.h)
define unit_test_rule
$(BUILD)/tests/$(1): $$($(1)_SRCS) $(UNIT_HEADERS) | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$(HOST_CC) $(TEST_CFLAGS) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS) $(TEST_LDLIBS) $$($(1)_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

UNIT_BINS := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
unit-test: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

test: $(BUILD)/unik $(UNIT_BINS) compat-build
	@UNIT_BINS="$(UNIT_BINS)" sh tests/run-all.sh
