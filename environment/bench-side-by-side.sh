#!/bin/bash
# Side-by-side CPU benchmark: `samdiffsr bench` (TorchSharp 0.107, libtorch 2.10) against PyTorch on the same machine,
# in the same session, settings interleaved (ours, PyTorch A, PyTorch B, then again), paper preset, 2 threads.
# PyTorch side: environment/pytorch-baseline/bench.py (our transcription of the networks, checked against the official
# reference outputs first) with Debian's python3-torch 1.13 — the build the official baseline was recorded with.
# Debian's torch links the system BLAS; install OpenBLAS for a fair baseline (`apt-get install libopenblas0-pthread`),
# the script prints which one is active.
#   bash environment/bench-side-by-side.sh [rounds=2] [out=out/bench-side-by-side]
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}; OUTDIR=${2:-out/bench-side-by-side}; mkdir -p "$OUTDIR"
PY=${PYTORCH_PYTHON:-/usr/bin/python3}
"$PY" -c "import torch" 2>/dev/null || { echo "no PyTorch for $PY (Debian: apt-get install python3-torch; or set PYTORCH_PYTHON)"; exit 2; }
BLAS=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)
echo "BLAS behind Debian's torch: $BLAS"
"$PY" environment/pytorch-baseline/bench.py --check | tee "$OUTDIR/check.json"
dotnet build cli -c Release -v q -nologo > /dev/null
S="dotnet cli/bin/Release/net10.0/linux-x64/samdiffsr.dll"
declare -a SETTINGS=("train --batch 1 --patch 64" "train --batch 4 --patch 64" "sample --size 64 --steps 10" "sample --size 128 --steps 10")
: > "$OUTDIR/results.jsonl"
for r in $(seq 1 "$ROUNDS"); do
  for s in "${SETTINGS[@]}"; do
    echo "== round $r: $s"
    w=$(echo "$s" | cut -d' ' -f1); rest=${s#* }
    $S bench $w --preset SamDiffSRPaperX4 $rest --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); [print(json.dumps({'round':$r,'setting':'$s','impl':'ours '+v['name'],'median_s':v['median_s'],'clean':'%d/%d'%(v['clean_count'],v['count'])})) for v in d['variants']]" >> "$OUTDIR/results.jsonl"
    for env in "OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2" "OPENBLAS_NUM_THREADS=1"; do
      env $env "$PY" environment/pytorch-baseline/bench.py $w $rest | python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'round':$r,'setting':'$s','impl':'pytorch '+'$env','median_s':d['median_s'],'clean':'-'}))" >> "$OUTDIR/results.jsonl"
    done
    tail -4 "$OUTDIR/results.jsonl"
  done
done
python3 - "$OUTDIR/results.jsonl" <<'PYEOF'
import json, sys, statistics, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
by = collections.defaultdict(list)
for r in rows: by[(r['setting'], r['impl'])].append(r['median_s'])
settings = list(dict.fromkeys(r['setting'] for r in rows)); impls = list(dict.fromkeys(r['impl'] for r in rows))
print("| setting | " + " | ".join(impls) + " |"); print("|---" * (len(impls) + 1) + "|")
for s in settings:
    print("| " + s + " | " + " | ".join("%.3f" % statistics.median(by[(s, i)]) if by[(s, i)] else "-" for i in impls) + " |")
PYEOF
