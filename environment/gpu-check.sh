#!/bin/bash
# The GPU check of issue 17 in one script and one JSON file (docs/gpu.md, "What a user with a GPU runs").
#
#   bash environment/gpu-check.sh run [OUT]      # on a GPU machine: every stage, writes OUT/gpu-check.json
#   bash environment/gpu-check.sh dry-run [OUT]  # here, on the CPU with tiny sizes: same stages, same JSON schema
#   bash environment/gpu-check.sh pack           # here, for a GPU machine without .NET: environment/gpu-smoke.sh pack
#
# Which CLI runs: $SAMDIFFSR_CLI if set; else, on a machine that holds .gpu/app.tar.xz from 'pack' (no .NET SDK, the
# situation of this project's lent GPU machines), the packed CLI with TorchSharp pointed at the machine's PyTorch libtorch
# (as environment/gpu-smoke.sh; an unsupported pairing, see docs/gpu.md); else the CLI built in this checkout
# (`dotnet build -p:TorchBackend=cuda` in .devcontainer/gpu). PyTorch for the side-by-side: $PYTORCH_PYTHON or python3.
# The stages and the JSON keys are described in environment/gpu-check.py. Sized for under 8 minutes on one H100.
set -u
cd "$(dirname "$0")/.."
mode=${1:-}; out=${2:-${OUT:-out/gpu-check}}
case "$mode" in
pack)
    exec bash environment/gpu-smoke.sh pack ;;
run|dry-run)
    if [ "$mode" = run ] && [ -z "${SAMDIFFSR_CLI:-}" ] && [ -f .gpu/app.tar.xz ]; then
        mkdir -p /tmp/gpu-check-dn /tmp/gpu-check-app
        tar xJf .gpu/dotnet.tar.xz -C /tmp/gpu-check-dn && tar xJf .gpu/app.tar.xz -C /tmp/gpu-check-app \
            || { echo "unpack of .gpu/*.tar.xz failed (run 'pack' again)"; exit 3; }
        export DOTNET_ROOT=/tmp/gpu-check-dn DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 SAMDIFFSR_DATA=$PWD/data
        LD_LIBRARY_PATH=$(${PYTORCH_PYTHON:-python3} -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
        export LD_LIBRARY_PATH
        export SAMDIFFSR_CLI="/tmp/gpu-check-dn/dotnet /tmp/gpu-check-app/samdiffsr.dll"
    fi
    if [ -z "${SAMDIFFSR_CLI:-}" ] && [ ! -f cli/bin/Release/net10.0/linux-x64/samdiffsr.dll ]; then
        echo "no CLI build: run 'dotnet build cli -c Release' (GPU: add -p:TorchBackend=cuda) or set SAMDIFFSR_CLI"; exit 3
    fi
    flag=(); [ "$mode" = dry-run ] && flag=(--dry-run)
    exec python3 environment/gpu-check.py --out "$out" "${flag[@]}" ;;
*)
    echo "usage: bash environment/gpu-check.sh run|dry-run [OUT] | pack" >&2; exit 2 ;;
esac
