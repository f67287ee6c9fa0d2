#!/usr/bin/env bash
# Installs the Debian 12 packages framerpc needs that are not installed yet.
# Does nothing when everything is present. Usage:
#   scripts/install_deps.sh            # build + test dependencies
#   scripts/install_deps.sh --bench    # also what bench/ needs (gRPC, Cap'n Proto
#                                      # and Thrift peers, gnuplot)
#   scripts/install_deps.sh --fuzz     # also clang + libFuzzer runtime
set -euo pipefail

# libc-ares-dev: the Channel's DNS resolver. dnsmasq-base: the DNS server the
# resolver tests start (the binary only; the dnsmasq package would also
# install and start a system service). libssl-dev: TLS (OpenSSL 3); openssl:
# the command the kv binaries test and bench/ make certificates with.
# prometheus: promtool and the server the metrics tests validate and scrape
# /metrics with (the tests start their own on loopback, by PID).
packages=(cmake ninja-build g++ pkg-config protobuf-compiler libprotobuf-dev strace
          libprotoc-dev libabsl-dev libgtest-dev libgmock-dev libc-ares-dev
          dnsmasq-base libssl-dev openssl prometheus)
for arg in "$@"; do
  case "$arg" in
    # libthrift-dev's headers include Boost's without depending on it.
    --bench) packages+=(libgrpc++-dev protobuf-compiler-grpc capnproto
                        libcapnp-dev libthrift-dev thrift-compiler libevent-dev
                        libboost-dev gnuplot-nox util-linux) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "install_deps.sh: unknown option '$arg' (known: --bench, --fuzz)" >&2
       exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install_deps.sh: installing missing packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install_deps.sh: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq; then
  echo "install_deps.sh: 'apt-get update' failed; cannot install ${missing[*]}" >&2
  exit 1
fi
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "install_deps.sh: 'apt-get install' failed for: ${missing[*]}" >&2
  exit 1
fi
