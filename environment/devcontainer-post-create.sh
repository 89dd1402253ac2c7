#!/usr/bin/env bash
# Post-create step of the dev containers: restore, build, publish the library for notebooks, device check.
# Usage: devcontainer-post-create.sh cpu|cuda
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-cpu}"
export TorchBackend="$backend"
bash environment/setup.sh
dotnet tool restore
dotnet build SamDiffSR.slnx -c Release -p:TorchBackend="$backend"
dotnet publish SamDiffSR.Lib.csproj -c Release -r linux-x64 --self-contained false -o artifacts/lib -p:TorchBackend="$backend"
echo "[post-create] device check:"
dotnet run --project cli -c Release --no-build -- info
if [ "$backend" = cuda ] && ! dotnet run --project cli -c Release --no-build -- info | grep -q "device CUDA"; then
  echo "[post-create] warning: CUDA backend built but no GPU is visible (is the NVIDIA Container Toolkit installed on the host?)" >&2
fi
