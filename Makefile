# Encrypted Inference API — developer entry points. See README.md.
#   make test    install what is needed, build (release + ASan/UBSan), run every test
#   make build   configure and build the release tree only
#   make bench   engine benchmarks with same-run node-seal ratios
#   make serve   build ei-server (release) and run it on 127.0.0.1:8080 with the bundled models
SHELL := /bin/bash
JOBS ?= $(shell nproc)
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: test deps build build-asan test-release test-asan bench serve format tidy clean

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

# The reference server in the foreground, embedded defaults and bundled models, no other flag
# (docs/server.md). Ctrl-C or SIGTERM: graceful shutdown.
serve:
	cmake --preset release
	cmake --build build/release --target ei-server -j $(JOBS)
	exec ./build/release/server/ei-server --listen 127.0.0.1:8080

format:
	git ls-files '*.h' '*.cpp' | xargs clang-format -i

tidy: build
	git ls-files 'engine/*.cpp' 'tools/*.cpp' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build

# Fuzzing (fuzz/README.md): libFuzzer + ASan/UBSan harnesses, one per untrusted decoder, built with
# clang into build/fuzz (a separate CMake project: fuzz/CMakeLists.txt). Seeds: fuzz/corpus/
# (committed) plus fuzz/make_corpus.sh's generated ones; findings land in build/fuzz/artifacts/.
#   make fuzz-smoke                 every harness for 20 s (CI; about 3-4 minutes in all)
#   make fuzz FUZZ_SECONDS=3600     every harness for FUZZ_SECONDS (default 600) each
.PHONY: fuzz-smoke fuzz
FUZZ_SECONDS ?= 600

fuzz-smoke:
	cmake -S fuzz -B build/fuzz -G Ninja
	cmake --build build/fuzz -j $(JOBS)
	bash fuzz/make_corpus.sh
	bash fuzz/run_fuzzers.sh 20

fuzz:
	cmake -S fuzz -B build/fuzz -G Ninja
	cmake --build build/fuzz -j $(JOBS)
	bash fuzz/make_corpus.sh
	bash fuzz/run_fuzzers.sh $(FUZZ_SECONDS)
