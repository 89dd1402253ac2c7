#!/usr/bin/env bash
# Machine setup for a fresh Debian 12 / Ubuntu 24.04 box with the .NET 10 SDK.
# Idempotent: installs only what is missing and says what it does.
set -euo pipefail
need=(); want=()
command -v readelf >/dev/null 2>&1 || need+=(binutils)     # used by the libstdc++ check of the TorchSharp natives
command -v python3 >/dev/null 2>&1 || want+=(python3)      # environment/check-notebook-charts.py (optional: skipped without it)
# Headless Chromium draws the reports and notebook charts offline in the tests (tests/Display/ReportBrowserTests.cs,
# environment/check-notebook-charts.py). Debian's package; on Ubuntu "chromium" is a snap stub, so it is optional there.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && [ -r /etc/debian_version ] \
   && ! grep -qi ubuntu /etc/os-release 2>/dev/null; then
  want+=(chromium)
fi
# Optional tools: the browser checks are skipped (and say so) without them, so a failed install does not stop the build.
if [ ${#want[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[setup] installing (optional): ${want[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}"; } \
    || echo "[setup] could not install ${want[*]}: the headless-browser checks will be skipped"
elif [ ${#want[@]} -gt 0 ]; then
  echo "[setup] optional, not installed: ${want[*]} (sudo apt-get install ${want[*]}); the headless-browser checks will be skipped"
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] installing: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "[setup] please install: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2; exit 1
  fi
fi
command -v dotnet >/dev/null 2>&1 || { echo "[setup] the .NET 10 SDK is required (https://dot.net); not found on PATH" >&2; exit 1; }
echo "[setup] dotnet $(dotnet --version); readelf $(readelf --version | head -1 | awk '{print $NF}'); $( (command -v chromium >/dev/null && chromium --version) || echo 'no chromium: the browser checks will be skipped')"
# Debian's libtorch (python3-torch's libtorch-dev) can shadow ours in notebook kernels: say so if present.
if ls /usr/lib/x86_64-linux-gnu/libtorch_cpu.so >/dev/null 2>&1; then
  echo "[setup] note: a system libtorch_cpu.so is present; environment/run-notebooks.sh points LD_LIBRARY_PATH at ours."
fi
