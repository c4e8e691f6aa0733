# The front door. A newcomer needs only `make run` and `make test`.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps configure build build-asan build-fuzz run test test-unit test-long fuzz bench fmt \
	clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

# make test's tree: clang, ASan + UBSan, libFuzzer's coverage in the fuzzed modules
# (cmake/warnings.cmake), warnings as errors. Every tier runs on it (docs/development.md).
$(ASAN_DIR)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCORESTACK_SANITIZE=ON -DCORESTACK_FUZZ=ON -DCORESTACK_BENCH=OFF -DCORESTACK_WERROR=ON \
	  $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

# The GoogleTest binaries and the simulator of make test's tree (test_binaries in
# cmake/testing.cmake).
build-asan: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) --target test_binaries

build-fuzz: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) --target fuzzers

# Starts the local demo in the foreground (Ctrl-C stops it). Builds only the programs.
run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target programs
	@scripts/run-local $(BUILD_DIR)

# Every tier this machine supports, all on the sanitizer tree (scripts/run-tests): the
# real-process tests start once the programs are built, while the test binaries compile
# beside them (niced); then the other tests.
test: deps $(ASAN_DIR)/build.ninja
	@scripts/run-tests $(ASAN_DIR)

test-unit: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS) -L unit

# The e2e tier alone (docs/images.md): builds the host image, then boots clusters of
# systemd-nspawn containers and one qemu VM on it. Root; the tests skip (77) elsewhere.
.PHONY: e2e
e2e: build
	cd $(BUILD_DIR) && CORESTACK_E2E_VM=all ctest --output-on-failure -L e2e

# The long fault runs of tests/cluster/README.md (by hand: hours on 2 cores).
ETCD2_BIN = $(BUILD_DIR)/etcd/cmd/etcd2
test-long: build
	/usr/bin/python3 tests/cluster/faults.py --binary $(ETCD2_BIN) --size 3 --rounds 200 --seed 1
	/usr/bin/python3 tests/cluster/faults.py --binary $(ETCD2_BIN) --size 5 --rounds 200 --seed 2
	/usr/bin/python3 tests/cluster/faults.py --binary $(ETCD2_BIN) --size 3 --rounds 50 --seed 3 \
	  --snapshot-count 1000
	/usr/bin/python3 tests/cluster/failover.py --binary $(ETCD2_BIN) --rounds 10

# Every libFuzzer target for 60 s on its committed seed corpus.
fuzz: build-fuzz
	cmake -S . -B $(ASAN_DIR) -DFUZZ_SECONDS=60 >/dev/null
	cd $(ASAN_DIR) && ctest $(CTEST_FLAGS) -L fuzz

bench: build
	cmake --build $(BUILD_DIR) --target benches
	@scripts/run-bench $(BUILD_DIR)

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i
	@echo "formatted $$(git ls-files '*.cc' '*.h' | wc -l) files"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz
