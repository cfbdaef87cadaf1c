#!/usr/bin/env bash
# Installs the Debian packages the build and tests need (idempotent; root or sudo on Debian 12).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  clang clang-tidy clang-format libclang-rt-14-dev llvm
  libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  libsodium-dev libssl-dev zlib1g-dev libzstd-dev
  libboost1.81-dev libtomlplusplus-dev libsqlite3-dev libcurl4-openssl-dev
  python3 python3-venv python3-dev nodejs npm
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node 20 may come from outside Debian (the machine image); accept any node ≥ 18 with npm.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi
