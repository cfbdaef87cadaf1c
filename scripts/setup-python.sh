#!/usr/bin/env bash
# Sets up the project's Python environment in .venv:
#   - Pyfhel 3.5.0 (bundles native Microsoft SEAL 4.1.2), our native-SEAL oracle for the
#     interop tests, built from the PyPI sdist with SEAL's dependency download turned off
#     (Debian's zlib and zstd are used instead; Microsoft GSL and Intel HEXL are disabled),
#   - the Python test dependencies.
# Idempotent: an existing .venv in which Pyfhel imports is reused. The built Pyfhel wheel is
# cached under ${XDG_CACHE_HOME:-$HOME/.cache}/ei/wheels, so later runs do not rebuild it.
#
# Usage: scripts/setup-python.sh [--rebuild] [--no-verify]
#   --rebuild     ignore the cached wheel and the installed Pyfhel, build again
#   --no-verify   skip the final CKKS round trip
# Environment: EI_BUILD_JOBS (parallel compile jobs, at most 2; default 2), PYTHON (default python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY_BOOT="${PYTHON:-python3}"
PYFHEL_VERSION="3.5.0"
# sha256 of pyfhel-3.5.0.tar.gz as published on PyPI
PYFHEL_SDIST_SHA256="0375b83b5a83026924f59db25c4efa9f27e1e8a66d004658f4d24195986a04b6"
JOBS="${EI_BUILD_JOBS:-2}"
if ! [[ "$JOBS" =~ ^[0-9]+$ ]] || (( JOBS < 1 )); then JOBS=1; fi
if (( JOBS > 2 )); then JOBS=2; fi
WHEEL_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ei/wheels"

# Build requirements of Pyfhel 3.5.0 (its pyproject [build-system]), pinned to releases
# contemporary with Pyfhel 3.5.0. setup.py also imports `packaging`.
NUMPY_REQ="numpy==2.3.2"   # build and run time (Pyfhel's extensions are compiled against it)
BUILD_REQS=(
  "setuptools==80.9.0" "wheel==0.45.1" "cython==3.1.3" "$NUMPY_REQ"
  "cmake==3.31.6" "toml==0.10.2" "packaging==25.0"
)
TEST_REQS=(
  "pytest==8.4.1" "jsonschema==4.25.0" "openapi-spec-validator==0.7.2" "pyyaml==6.0.2"
)
# CMake options for the bundled SEAL, replacing [cpplibraries.SEAL.cmake_opts].
SEAL_CMAKE_OPTS='CMAKE_BUILD_TYPE=Release SEAL_BUILD_DEPS=OFF SEAL_USE_ZLIB=ON SEAL_USE_ZSTD=ON SEAL_USE_MSGSL=OFF SEAL_USE_INTEL_HEXL=OFF SEAL_USE_ALIGNED_ALLOC=OFF BUILD_SHARED_LIBS=OFF SEAL_THROW_ON_TRANSPARENT_CIPHERTEXT=ON SEAL_BUILD_EXAMPLES=OFF SEAL_BUILD_TESTS=OFF SEAL_BUILD_BENCH=OFF SEAL_BUILD_SEAL_C=OFF'
# Libraries SEAL's static archive needs (with SEAL_BUILD_DEPS=ON they would be merged into it).
EXTRA_LINK='-lzstd -lz'

REBUILD=0
VERIFY=1
for arg in "$@"; do
  case "$arg" in
    --rebuild) REBUILD=1 ;;
    --no-verify) VERIFY=0 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup-python.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { echo "[setup-python] $*"; }
die() { echo "[setup-python] ERROR: $*" >&2; exit 1; }

# Cache key: everything that changes the built wheel.
PYTAG="$("$PY_BOOT" -c 'import sys,platform; print(f"cp{sys.version_info[0]}{sys.version_info[1]}-{platform.machine()}")')" \
  || die "cannot run $PY_BOOT"
CACHE_KEY="$(printf '%s\n' "$PYFHEL_VERSION" "$PYFHEL_SDIST_SHA256" "$PYTAG" "$SEAL_CMAKE_OPTS" "$EXTRA_LINK" "${BUILD_REQS[@]}" \
  | sha256sum | cut -c1-16)"
WHEEL_DIR="$WHEEL_CACHE/pyfhel-$PYFHEL_VERSION-$PYTAG-$CACHE_KEY"

# ---------------------------------------------------------------------------------------------
# 1. System packages (Debian 12). apt-get update only if something is missing.
# ---------------------------------------------------------------------------------------------
need_pkgs=()
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if command -v dpkg-query >/dev/null 2>&1; then
  for p in g++ make cmake zlib1g-dev libzstd-dev; do
    pkg_installed "$p" || need_pkgs+=("$p")
  done
  # Debian's own python3 needs python3-venv (ensurepip) and python3-dev (Python.h);
  # a self-built interpreter (pyenv, ...) brings both.
  if ! "$PY_BOOT" -c 'import ensurepip' >/dev/null 2>&1; then need_pkgs+=(python3-venv); fi
  if ! "$PY_BOOT" -c 'import os,sysconfig,sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"],"Python.h")))'; then
    need_pkgs+=(python3-dev)
  fi
else
  log "no dpkg: not a Debian system, assuming a C++17 compiler, make, cmake, zlib and zstd headers are present"
fi
if (( ${#need_pkgs[@]} )); then
  log "installing system packages: ${need_pkgs[*]}"
  SUDO=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null 2>&1 || die "missing packages ${need_pkgs[*]}; run as root or install them"
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${need_pkgs[@]}"
fi

# ---------------------------------------------------------------------------------------------
# 2. The virtual environment.
# ---------------------------------------------------------------------------------------------
VPY="$VENV/bin/python"
venv_ok() { [[ -x "$VPY" ]] && "$VPY" -c 'import sys' >/dev/null 2>&1; }
pyfhel_ok() {
  "$VPY" -c "import Pyfhel, sys; sys.exit(Pyfhel.__version__ != '$PYFHEL_VERSION')" >/dev/null 2>&1
}
if [[ -d "$VENV" ]] && ! venv_ok; then
  log "$VENV is broken (its interpreter does not run): recreating it"
  rm -rf "$VENV"
fi
if [[ ! -d "$VENV" ]]; then
  log "creating $VENV"
  "$PY_BOOT" -m venv "$VENV"
fi
PIP=("$VPY" -m pip --disable-pip-version-check)

if (( REBUILD == 0 )) && pyfhel_ok; then
  log "Pyfhel $PYFHEL_VERSION already importable in $VENV"
else
  # -------------------------------------------------------------------------------------------
  # 3. Build requirements, then Pyfhel from the cached wheel or from the PyPI sdist.
  # -------------------------------------------------------------------------------------------
  wheel=""
  if (( REBUILD == 0 )); then
    wheel="$(ls "$WHEEL_DIR"/[Pp]yfhel-"$PYFHEL_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  fi
  if [[ -n "$wheel" ]]; then
    log "using cached wheel $wheel"
    "${PIP[@]}" install -q "$NUMPY_REQ"
  else
    log "installing build requirements: ${BUILD_REQS[*]}"
    "${PIP[@]}" install -q "${BUILD_REQS[@]}"
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/ei-pyfhel.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
    log "downloading the Pyfhel $PYFHEL_VERSION sdist from PyPI"
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation \
      -d "$WORK/sdist" "pyfhel==$PYFHEL_VERSION"
    sdist="$(ls "$WORK"/sdist/[Pp]yfhel-"$PYFHEL_VERSION".tar.gz 2>/dev/null | head -n1 || true)"
    [[ -n "$sdist" ]] || die "pip download did not produce pyfhel-$PYFHEL_VERSION.tar.gz (got: $(ls "$WORK/sdist"))"
    got_sha="$(sha256sum "$sdist" | cut -d' ' -f1)"
    [[ "$got_sha" == "$PYFHEL_SDIST_SHA256" ]] || die "sha256 mismatch for $sdist: $got_sha"
    tar -xzf "$sdist" -C "$WORK"
    SRC="$WORK/pyfhel-$PYFHEL_VERSION"
    [[ -f "$SRC/pyproject.toml" ]] || die "unexpected sdist layout: no $SRC/pyproject.toml"

    log "patching the sdist copy in $SRC (SEAL options; at most $JOBS compile jobs)"
    SEAL_CMAKE_OPTS="$SEAL_CMAKE_OPTS" EXTRA_LINK="$EXTRA_LINK" JOBS="$JOBS" "$VPY" - "$SRC" <<'PYEOF'
import os, re, sys, toml
src = sys.argv[1]
opts = dict(kv.split("=", 1) for kv in os.environ["SEAL_CMAKE_OPTS"].split())
extra_link = os.environ["EXTRA_LINK"].split()
jobs = int(os.environ["JOBS"])

# pyproject.toml: replace the body of [cpplibraries.SEAL.cmake_opts] and add the system
# compression libraries to the Linux link lines of Afhel and of the Cython extensions.
path = os.path.join(src, "pyproject.toml")
text = open(path).read()
m = re.search(r"^[ \t]*\[cpplibraries\.SEAL\.cmake_opts\][^\n]*\n(.*?)(?=^[ \t]*(#-->|\[))", text, re.S | re.M)
if not m:
    sys.exit("pyproject.toml: section [cpplibraries.SEAL.cmake_opts] not found")
body = "".join(f"    {k} = '{v}'\n" for k, v in opts.items()) + "\n"
text = text[:m.start(1)] + body + text[m.end(1):]
linux_link = '{Linux = ["-Wl,-rpath=$ORIGIN/.", "-fopenmp"]}'
if text.count(linux_link) != 2:
    sys.exit(f"pyproject.toml: expected 2 occurrences of {linux_link}, found {text.count(linux_link)}")
text = text.replace(linux_link, '{Linux = ["-Wl,-rpath=$ORIGIN/.", "-fopenmp", %s]}'
                    % ", ".join(f'"{a}"' for a in extra_link))
open(path, "w").write(text)
cfg = toml.load(path)
got = {k: str(v) for k, v in cfg["cpplibraries"]["SEAL"]["cmake_opts"].items()}
if got != opts:
    sys.exit(f"pyproject.toml patch check failed: {got}")
for sect in (cfg["cpplibraries"]["Afhel"], cfg["extensions"]["config"]):
    linux = [d["Linux"] for d in sect["extra_link_args"] if "Linux" in d][0]
    if linux[-len(extra_link):] != extra_link:
        sys.exit(f"pyproject.toml link patch check failed: {linux}")

# setup.py: `cmake --build . -j 4` is hard-coded; cap the parallel jobs.
path = os.path.join(src, "setup.py")
text = open(path).read()
new, n = re.subn(r"n_jobs=4\)", f"n_jobs={jobs})", text)
if n != 2:
    sys.exit(f"setup.py: expected 2 'n_jobs=4)' defaults, found {n}")
open(path, "w").write(new)
PYEOF

    log "building the Pyfhel wheel (SEAL 4.1.2 + Cython extensions; this takes several minutes)"
    t0=$SECONDS
    # The venv's bin first, so setup.py finds the pinned cmake.
    if ! PATH="$VENV/bin:$PATH" CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" MAKEFLAGS="-j$JOBS" \
         "${PIP[@]}" wheel --no-build-isolation --no-deps -v -w "$WORK/dist" "$SRC" >"$WORK/build.log" 2>&1; then
      cp "$WORK/build.log" "${TMPDIR:-/tmp}/ei-pyfhel-build.log"
      grep -n -i -E "error|fatal|not found|undefined" "$WORK/build.log" | head -n 40 >&2 || true
      die "building Pyfhel failed; full log: ${TMPDIR:-/tmp}/ei-pyfhel-build.log"
    fi
    log "built in $((SECONDS - t0)) s"
    built="$(ls "$WORK"/dist/[Pp]yfhel-"$PYFHEL_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
    [[ -n "$built" ]] || die "pip wheel produced no wheel (see $WORK/build.log)"
    mkdir -p "$WHEEL_DIR"
    cp "$built" "$WHEEL_DIR/"
    cp "$WORK/build.log" "$WHEEL_DIR/build.log"
    wheel="$WHEEL_DIR/$(basename "$built")"
    log "cached $wheel"
  fi
  "${PIP[@]}" install -q --force-reinstall --no-deps "$wheel"
  pyfhel_ok || die "Pyfhel was installed from $wheel but does not import: $("$VPY" -c 'import Pyfhel' 2>&1 | tail -n1)"
fi

# ---------------------------------------------------------------------------------------------
# 4. Test dependencies (numpy stays at the version Pyfhel was built against).
# ---------------------------------------------------------------------------------------------
if ! "$VPY" -c 'import pytest, numpy, jsonschema, openapi_spec_validator, yaml' >/dev/null 2>&1; then
  log "installing test dependencies: ${TEST_REQS[*]}"
  "${PIP[@]}" install -q "${TEST_REQS[@]}" "$NUMPY_REQ"
fi

# ---------------------------------------------------------------------------------------------
# 5. Verification: a real CKKS round trip through native SEAL.
# ---------------------------------------------------------------------------------------------
if (( VERIFY )); then
  "$VPY" - <<'PYEOF'
import numpy as np
import Pyfhel
from Pyfhel import Pyfhel as HE_t

def round_trip(n, qi_sizes, scale_bits, bound):
    he = HE_t()
    status = he.contextGen(scheme="ckks", n=n, scale=2**scale_bits, qi_sizes=qi_sizes)
    assert "success" in status, status
    he.keyGen()
    x = np.random.default_rng(1).uniform(-1, 1, n // 2)
    enc_err = float(np.max(np.abs(he.decodeFrac(he.encodeFrac(x)) - x)))
    ct = he.encryptFrac(x)
    err = float(np.max(np.abs(he.decryptFrac(ct) - x)))
    print(f"[setup-python] CKKS n={n} qi_sizes={qi_sizes} scale=2^{scale_bits}: "
          f"encode/decode max error {enc_err:.3g}, encrypt/decrypt max error {err:.3g} (bound {bound:.3g})")
    assert enc_err < 1e-6, f"encode/decode error {enc_err} >= 1e-6"
    assert err < bound, f"encrypt/decrypt error {err} >= {bound}"
    return he

# Fresh-encryption noise is about 2^14/scale per slot, so at scale 2^30 the round trip is
# ~1e-5 accurate: 1e-6 is asserted for encode/decode there, and for encrypt/decrypt at 2^40.
he = round_trip(8192, [60, 30, 30, 60], 30, 2**-12)
round_trip(8192, [60, 40, 40, 60], 40, 1e-6)
# to_bytes_context() puts Pyfhel's own prefix (int sec, size_t count, int qi_sizes[count],
# double scale) before SEAL's EncryptionParameters; keys and ciphertexts have no prefix.
hdr = he.to_bytes_context("none")[4 + 8 + 4 * len(he.qi_sizes) + 8:]
assert hdr[:3] == b"\x5e\xa1\x10", hdr[:16].hex()
print(f"[setup-python] OK: Pyfhel {Pyfhel.__version__}, SEAL serialization version "
      f"{hdr[3]}.{hdr[4]} (Pyfhel does not expose SEAL's version; the sdist bundles SEAL 4.1.2)")
PYEOF
fi
log "done: $VENV"
