#!/usr/bin/env bash
# fix-libtorchsharp-glibcxx.sh — make TorchSharp 0.107.0's native shim load on systems whose libstdc++
# is older than GCC 13 (Debian 12 ships GCC 12: GLIBCXX up to 3.4.30).
#
# Why: libLibTorchSharp.so declares a *required* version GLIBCXX_3.4.32 for exactly one symbol,
# std::ios_base_library_init(), a link-time marker that GCC 13 emits and that is never called.
# The dynamic loader refuses the whole library when a required version is missing, and TorchSharp then
# reports a misleading "missing libtorch reference" error. Marking that one version requirement WEAK
# (VER_FLG_WEAK in its Elf64_Vernaux entry of .gnu.version_r) makes the loader accept the older libstdc++.
#
# What it does, in order (every step is logged, nothing is hidden):
#   1. If the system libstdc++ already defines the version (Ubuntu 24.04, GCC >= 13): do nothing.
#   2. If the library has no such requirement, or it is already weak: do nothing (idempotent).
#   3. Otherwise set the flag byte in place (one byte, no other change).
#
# Usage: fix-libtorchsharp-glibcxx.sh <path/to/libLibTorchSharp.so> [...more paths]
# Env:   SAMDIFFSR_LIBSTDCXX  path of the libstdc++ to test against (default: the one ldconfig finds)
#        SAMDIFFSR_GLIBCXX_VERSION  version to weaken (default GLIBCXX_3.4.32)
set -euo pipefail
ver="${SAMDIFFSR_GLIBCXX_VERSION:-GLIBCXX_3.4.32}"
tag="[samdiffsr glibcxx-fix]"

command -v readelf >/dev/null 2>&1 || {
  echo "$tag error: 'readelf' not found. Install binutils (Debian/Ubuntu: apt-get install binutils) and rebuild." >&2
  exit 3
}

libstdcxx="${SAMDIFFSR_LIBSTDCXX:-}"
if [ -z "$libstdcxx" ]; then
  libstdcxx=$( (ldconfig -p 2>/dev/null || true) | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  [ -n "$libstdcxx" ] || libstdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
fi
if [ ! -e "$libstdcxx" ]; then
  echo "$tag no system libstdc++ found at '$libstdcxx'; nothing to check against, leaving TorchSharp as shipped."
  exit 0
fi
# Version *definitions* of the system library (readelf -V prints them under "Version definition section").
if readelf -V -W "$libstdcxx" 2>/dev/null | awk '/Version definition section/{d=1} /Version needs section/{d=0} d' | grep -q "Name: $ver\$\|Name: $ver "; then
  echo "$tag $libstdcxx defines $ver: no patch needed."
  exit 0
fi

for so in "$@"; do
  if [ ! -f "$so" ]; then
    echo "$tag $so not found (TorchSharp not restored yet?), skipped."
    continue
  fi
  line=$(readelf -V -W "$so" | grep -E "Name: $ver +Flags:" || true)
  if [ -z "$line" ]; then
    echo "$tag $so does not require $ver: nothing to do."
    continue
  fi
  case "$line" in
    *WEAK*) echo "$tag $so: $ver already weak (patched earlier)."; continue ;;
  esac
  # File offset of .gnu.version_r: first 'Offset:' after the 'Version needs section' header.
  sec=$(readelf -V -W "$so" | awk '/Version needs section/ {f=1; next} f && /Offset:/ && !done {for (i=1;i<=NF;i++) if ($i=="Offset:") print $(i+1); done=1}')
  ent=$(printf '%s\n' "$line" | awk '{sub(":", "", $1); print $1}')
  [ -n "$sec" ] && [ -n "$ent" ] || { echo "$tag error: could not locate the $ver entry in $so" >&2; exit 4; }
  # Elf64_Vernaux = { u32 vna_hash; u16 vna_flags; u16 vna_other; u32 vna_name; u32 vna_next }: flags at +4.
  off=$(( sec + ent + 4 ))
  printf '\x02' | dd of="$so" bs=1 seek="$off" conv=notrunc status=none
  if readelf -V -W "$so" | grep -E "Name: $ver +Flags:" | grep -q WEAK; then
    echo "$tag $so: marked the $ver requirement weak (system libstdc++ $libstdcxx lacks it)."
  else
    echo "$tag error: patch of $so did not take" >&2; exit 5
  fi
done
