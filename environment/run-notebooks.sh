#!/usr/bin/env bash
# Executes every notebook (notebooks/NN-*.ipynb) headless with the pinned dotnet-repl (the same final
# .NET Interactive kernel users run in VS Code), from the notebook's own folder, always on the Tiny profile.
# Executed copies go to out/notebooks/ (git-ignored). Prints "notebooks: N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# CI runs the Tiny profile whatever the environment says (the GPU dev container sets SAMDIFFSR_PROFILE=Gpu for
# interactive use); a larger profile is for a person at a GPU machine, cell by cell, not for the test run.
if [ -n "${SAMDIFFSR_PROFILE:-}" ] && [ "$SAMDIFFSR_PROFILE" != Tiny ]; then
  echo "[notebooks] SAMDIFFSR_PROFILE=$SAMDIFFSR_PROFILE ignored: the headless run always uses Tiny"
fi
export SAMDIFFSR_PROFILE=Tiny

echo "[notebooks] publishing the library to artifacts/lib (what notebooks/setup.dib references)"
dotnet publish SamDiffSR.Lib.csproj -c Release -r linux-x64 --self-contained false -o artifacts/lib -nologo -v q \
  || { echo "notebooks: 0 passed, 1 failed"; exit 1; }
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
  if [ $rc -eq 0 ] && [ "$errs" -eq 0 ] && [ -f "$out/$name" ]; then
    echo "[notebooks] PASS $name (${secs}s)"; pass=$((pass + 1))
  else
    echo "[notebooks] FAIL $name (exit $rc, $errs error outputs, ${secs}s); executed copy: out/notebooks/$name"
    # Show the failing cells' error text to make CI logs useful.
    [ -f "$out/$name" ] && grep -A6 '"output_type": *"error"' "$out/$name" | head -40
    fail=$((fail + 1)); failed+=("$name")
  fi
done
echo "notebooks: $pass passed, $fail failed"
[ $fail -eq 0 ]
