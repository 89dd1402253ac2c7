#!/bin/bash
# GPU smoke check of the CLI on a machine that has an NVIDIA GPU and a CUDA build of PyTorch but neither the .NET SDK
# nor the TorchSharp CUDA packages (the situation of this project's lent GPU machines; see docs/gpu.md).
#
#   bash environment/gpu-smoke.sh pack   # here: build the CLI, write .gpu/app.tar.xz and .gpu/dotnet.tar.xz
#   bash environment/gpu-smoke.sh run    # there, from the repository root: unpack, point TorchSharp at PyTorch's
#                                        # libtorch (CUDA), run verify / quickstart / a paper-preset training run
#
# TorchSharp 0.107 is built for libtorch 2.10; `run` loads the libtorch of the machine's PyTorch instead (2.11 on the
# machine used on 2026-11-26). That worked for everything below, but it is not a supported pairing: with the public
# NuGet feed, build with -p:TorchBackend=cuda instead (README, "GPU path").
set -u
cd "$(dirname "$0")/.."
case "${1:-}" in
pack)
    set -e
    dotnet build cli -c Release -v q -nologo
    mkdir -p .gpu
    grep -qx "/.gpu/" .git/info/exclude 2>/dev/null || echo "/.gpu/" >> .git/info/exclude
    B=cli/bin/Release/net10.0/linux-x64
    # managed assemblies + the TorchSharp glue library; no libtorch (the GPU machine's PyTorch provides it)
    (cd $B && { ls | grep -v -E '\.so(\.|$)|\.xml$|\.pdb$'; echo libLibTorchSharp.so; } | tar cJf "$OLDPWD/.gpu/app.tar.xz" -T -)
    R=$(dirname "$(readlink -f "$(command -v dotnet)")")
    V=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/{v=$2} END{print v}')
    tar cf - -C "$R" dotnet host "shared/Microsoft.NETCore.App/$V" | xz -T2 -6 > .gpu/dotnet.tar.xz
    ls -la .gpu
    ;;
run)
    OUT=${OUT:-/tmp/gpu-smoke-out}; mkdir -p "$OUT" /tmp/dn /tmp/app
    T0=$(date +%s)
    tar xJf .gpu/dotnet.tar.xz -C /tmp/dn && tar xJf .gpu/app.tar.xz -C /tmp/app || { echo "unpack failed (run 'pack' first)"; exit 3; }
    export DOTNET_ROOT=/tmp/dn DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 SAMDIFFSR_DATA=$PWD/data
    python3 -c 'import torch;print("python torch", torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))'
    export LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
    S="/tmp/dn/dotnet /tmp/app/samdiffsr.dll"
    $S info 2>&1 | tee "$OUT/info.txt"
    echo "== verify cuda"; timeout 90 $S verify --device cuda 2>&1 | tee "$OUT/verify-cuda.txt" | grep -v "^verify \["
    echo "== verify cpu"; timeout 60 $S verify --device cpu --threads 8 2>&1 | tail -10
    echo "== quickstart"; ( time timeout 200 $S quickstart --out /tmp/qs ) > "$OUT/qs.log" 2>&1; echo "rc=$?"; tail -9 "$OUT/qs.log"
    echo "== paper preset training, batch 16, patch 160, 60 steps"
    timeout 120 $S train --stage diffusion --hr data/train/T91 --masks /tmp/qs/masks --out /tmp/paper --preset samdiffsrpaperx4 \
        --steps 60 --batch 16 --patch 160 --checkpoint-every 1000 --no-verify > "$OUT/paper-train.log" 2>&1; echo "rc=$?"
    cp /tmp/paper/log.csv "$OUT/paper-log.csv" 2>/dev/null; tail -2 /tmp/paper/log.csv
    echo "== paper preset: Set5 x4 evaluation with that 60-step model (DDPM, 100 steps per image; timing only)"
    ( time timeout 150 $S eval --checkpoint /tmp/paper --hr data/benchmarks/Set5 --scale 4 --out /tmp/paper-sr ) > "$OUT/paper-eval.log" 2>&1
    echo "rc=$?"; grep -v "^eval \[" "$OUT/paper-eval.log" | tail -14
    echo "== tiny training with EMA, resumed 20 -> 30 steps"
    R="timeout 60 $S train --stage diffusion --hr data/train/T91 --masks /tmp/qs/masks --out /tmp/ema --preset tiny --batch 8 --patch 64 --ema 0.999 --checkpoint-every 10 --no-verify --rrdb /tmp/qs/rrdb"
    $R --steps 20 > "$OUT/ema.log" 2>&1; echo "rc=$?"; $R --steps 30 --resume >> "$OUT/ema.log" 2>&1; echo "rc=$?"; tail -1 /tmp/ema/log.csv
    echo "== sample (jump: the 9 exact jumps; DDIM is refused for SAM-DiffSR models)"; timeout 60 $S sample --checkpoint /tmp/qs/samdiffsr --input data/benchmarks/Set5 --out /tmp/s --sampler jump 2>&1 | tail -1
    echo "== total $(( $(date +%s) - T0 )) s"
    ;;
*)
    echo "usage: bash environment/gpu-smoke.sh pack|run" >&2; exit 2 ;;
esac
