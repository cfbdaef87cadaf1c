# Encrypted Inference API — developer entry points. See README.md.
#   make test    install what is needed, build (release + ASan/UBSan), run every test
#   make build   configure and build the release tree only
#   make bench   engine benchmarks with same-run node-seal ratios
SHELL := /bin/bash
JOBS ?= $(shell nproc)
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: test deps build build-asan test-release test-asan bench format tidy clean

test: deps build test-release build-asan test-asan
	@echo "make test: all suites passed (release and ASan+UBSan)"

deps:
	bash scripts/install-deps.sh
	bash scripts/setup-python.sh
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error

build:
	cmake --preset release
	cmake --build build/release -j $(JOBS)

build-asan:
	cmake --preset asan
	cmake --build build/asan -j $(JOBS)

# Release: unit tests, then the interop suite against node-seal 6.0.3 and Pyfhel 3.5.0.
test-release: build
	ctest --test-dir build/release --output-on-failure -j $(JOBS)

# ASan+UBSan: unit and integration suites (interop vectors come from the release run).
test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build/asan --output-on-failure -j $(JOBS)

bench: build
	python3 bench/run_bench.py --build build/release

format:
	git ls-files '*.h' '*.cpp' | xargs clang-format -i

tidy: build
	git ls-files 'engine/*.cpp' 'tools/*.cpp' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build
