#!/usr/bin/env bash
# Executes every notebook (notebooks/NN-*.ipynb) headless with the pinned dotnet-repl (the same final
# .NET Interactive kernel users run in VS Code), from the notebook's own folder, always on the Tiny profile.
# Executed copies go to out/notebooks/ (git-ignored). Prints "notebooks: N passed, N failed"; exit 1 on failure.
# Fresh-clone path: artifacts/lib is removed first, so the first notebook's setup cell (notebooks/setup.dib) must
# publish the library itself, as it does for a user who just cloned (SAMDIFFSR_KEEP_LIB=1 keeps an existing build).
# Each passing notebook's Plotly charts are then opened in headless Chromium, offline, and must draw
# (environment/check-notebook-charts.py; skipped with a note when chromium or python3 is missing).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Always the Tiny profile, whatever the environment says (the GPU dev container sets SAMDIFFSR_PROFILE=Gpu for
# interactive use): CI and tests never need DIV2K or hours of training. tests/Repository/EnvironmentScriptTests.cs checks this.
if [ -n "${SAMDIFFSR_PROFILE:-}" ] && [ "$SAMDIFFSR_PROFILE" != Tiny ]; then
  echo "[notebooks] SAMDIFFSR_PROFILE=$SAMDIFFSR_PROFILE ignored: the headless run always uses Tiny"
fi
export SAMDIFFSR_PROFILE=Tiny

if [ "${SAMDIFFSR_KEEP_LIB:-0}" != "1" ]; then
  echo "[notebooks] removing artifacts/lib: the first notebook's setup cell must publish the library (fresh-clone path)"
  rm -rf artifacts/lib
fi
# Keep the (empty) folder: the dynamic loader drops an LD_LIBRARY_PATH entry that does not exist when first searched,
# and a system libtorch would then shadow the one the setup cell publishes there.
mkdir -p artifacts/lib
fresh_checked=0
[ -f artifacts/lib/SamDiffSR.Lib.dll ] && fresh_checked=1
dotnet tool restore >/dev/null || { echo "notebooks: 0 passed, 1 failed"; exit 1; }
# A system libtorch (Debian python3-torch -> libtorch-dev) must not shadow the one next to TorchSharp.dll.
export LD_LIBRARY_PATH="$root/artifacts/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

out="$root/out/notebooks"; mkdir -p "$out"
pass=0; fail=0; failed=()
only="${SAMDIFFSR_NOTEBOOKS:-}"
for nb in notebooks/[0-9][0-9]-*.ipynb; do
  [ -e "$nb" ] || continue
  name=$(basename "$nb")
  if [ -n "$only" ] && [[ ",$only," != *",${name%.ipynb},"* ]] && [[ ",$only," != *",${name%%-*},"* ]]; then continue; fi
  start=$(date +%s)
  run_once() {
    rm -f "$out/$name"
    ( cd notebooks && timeout "${SAMDIFFSR_NOTEBOOK_TIMEOUT:-900}" dotnet repl --run "$name" --exit-after-run --output-path "$out/$name" )
    rc=$?
    errs=0
    if [ -f "$out/$name" ]; then errs=$(grep -c '"output_type": *"error"' "$out/$name" || true); fi
  }
  run_once
  # One retry, only for a native libtorch error (c10::Error): TorchSharp 0.107 can free an implicitly converted
  # Scalar while a native call still uses it (dotnet/TorchSharp PR 1496), which shows up rarely and at random.
  if { [ $rc -ne 0 ] || [ "$errs" -ne 0 ]; } && [ -f "$out/$name" ] && grep -q 'c10::Error' "$out/$name"; then
    echo "[notebooks] RETRY $name: native libtorch error (see out/notebooks/$name.first-try.ipynb)"
    cp "$out/$name" "$out/$name.first-try.ipynb"
    run_once
  fi
  secs=$(( $(date +%s) - start ))
  notes=""
  if [ $fresh_checked -eq 0 ] && [ -f "$out/$name" ]; then
    # The first notebook ran without a library: its setup cell must have published one.
    fresh_checked=1
    if grep -q "library: published to artifacts/lib" "$out/$name" && [ -f artifacts/lib/SamDiffSR.Lib.dll ] && [ -f artifacts/lib/charts/SamDiffSR.Charts.dll ]; then
      notes=" (its setup cell published the library)"
    else
      echo "[notebooks] $name: the setup cell did not publish the library to artifacts/lib"; errs=$((errs + 1))
    fi
  fi
  if [ $rc -eq 0 ] && [ "$errs" -eq 0 ] && [ -f "$out/$name" ] && grep -q 'renderPlotly_' "$out/$name"; then
    if command -v python3 >/dev/null; then
      python3 environment/check-notebook-charts.py "$out/$name" "$out/charts"; crc=$?
      [ $crc -eq 1 ] && errs=$((errs + 1))
    else
      echo "[notebooks] charts of $name not checked: python3 is not installed"
    fi
  fi
  if [ $rc -eq 0 ] && [ "$errs" -eq 0 ] && [ -f "$out/$name" ]; then
    echo "[notebooks] PASS $name (${secs}s)$notes"; pass=$((pass + 1))
  else
    echo "[notebooks] FAIL $name (exit $rc, $errs error outputs, ${secs}s); executed copy: out/notebooks/$name"
    # Show the failing cells' error text to make CI logs useful.
    [ -f "$out/$name" ] && grep -A6 '"output_type": *"error"' "$out/$name" | head -40
    fail=$((fail + 1)); failed+=("$name")
  fi
done
echo "notebooks: $pass passed, $fail failed"
[ $fail -eq 0 ]
