# The front door. A newcomer needs only `make run` and `make test`.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps configure build build-asan run test test-unit test-asan bench fmt clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORESTACK_SANITIZE=ON $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

build-asan: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR)

# Starts the local demo in the foreground (Ctrl-C stops it).
run: build
	@scripts/run-local $(BUILD_DIR)

# Every tier this machine supports, on the normal build and then the sanitizer build.
test: build build-asan
	@scripts/run-tests $(BUILD_DIR) $(ASAN_DIR)

test-unit: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS) -L unit

bench: build
	@scripts/run-bench $(BUILD_DIR)

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i
	@echo "formatted $$(git ls-files '*.cc' '*.h' | wc -l) files"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
