#!/usr/bin/env bash
# The project's test command (README): restore, tool restore, build, run every test suite,
# and finish with the plain line "N passed, N failed, N skipped". Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Tests and notebooks always run the Tiny profile, whatever the environment says (the GPU dev container sets
# SAMDIFFSR_PROFILE=Paper for its users; the Paper profile needs DIV2K and a GPU). tests/Repository/EnvironmentScriptTests.cs
export SAMDIFFSR_PROFILE=Tiny
results=${SAMDIFFSR_TEST_RESULTS:-out/test-results}
mkdir -p "$results"
rc=0

step() { echo "== $*"; }

step "dotnet tool restore (dotnet-repl, pinned in .config/dotnet-tools.json)"
dotnet tool restore || rc=1

step "build (Release; includes the logged libstdc++ check/fix for TorchSharp natives)"
dotnet build SamDiffSR.slnx -c Release -nologo -clp:NoSummary || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; skipped=0
step "unit and integration tests (xunit, serial, 1 torch thread)"
log="$results/xunit.log"
dotnet test tests/SamDiffSR.Tests.csproj -c Release --no-build --nologo \
  --logger "trx;LogFileName=xunit.trx" --results-directory "$results" ${SAMDIFFSR_TEST_FILTER:+--filter "$SAMDIFFSR_TEST_FILTER"} 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
# "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total: ..."  (or "Failed!  - ...")
line=$(grep -E "(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+" "$log" | tail -1)
if [ -n "$line" ]; then
  f=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$line"); p=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$line"); s=$(sed -E 's/.*Skipped: +([0-9]+),.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
else
  echo "could not read the xunit summary line"; failed=$((failed + 1)); rc=1
fi

# Notebook suite (added with the notebooks): executes every notebook headless; prints its own summary.
if [ -x environment/run-notebooks.sh ] && [ "${SAMDIFFSR_SKIP_NOTEBOOKS:-0}" != "1" ]; then
  step "notebooks (headless, Tiny profile)"
  nlog="$results/notebooks.log"
  environment/run-notebooks.sh 2>&1 | tee "$nlog"
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  nline=$(grep -E "^notebooks: [0-9]+ passed, [0-9]+ failed" "$nlog" | tail -1)
  if [ -n "$nline" ]; then
    passed=$((passed + $(sed -E 's/^notebooks: ([0-9]+) passed.*/\1/' <<<"$nline")))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$nline")))
  else
    echo "could not read the notebook summary line"; failed=$((failed + 1)); rc=1
  fi
fi

[ "$failed" -eq 0 ] || rc=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
