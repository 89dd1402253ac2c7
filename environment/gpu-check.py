#!/usr/bin/env python3
"""The GPU part of issue 17 in one run, one JSON file (called by environment/gpu-check.sh; standard library only).

Stages (each records status "ok", "failed" or "skipped" with a reason; a failing stage never stops the others):
  device          nvidia-smi name/driver, `samdiffsr info`
  pytorch_check   environment/pytorch-baseline/bench.py --check (our PyTorch transcription vs the official outputs)
  verify          `samdiffsr verify --device cuda` (cpu in the dry run)
  train_step      paper-size training step (SAM-DiffSR, batch 16, 160 px) per precision: ours (`samdiffsr bench train`)
                  vs PyTorch (bench.py train), same networks, same device, ratio ours / PyTorch
  reverse_step    one DDPM reverse step at a Set5-size image (512 x 512 HR, baby.png) per precision, same comparison
  peak_memory     peak GPU memory of each of those processes (nvidia-smi polled every 0.1 s; PyTorch also reports its
                  allocator peak; TorchSharp 0.107 exposes no allocator statistics)
  cudnn_benchmark ours, fp32 training step with --cudnn-benchmark
  training_run    `samdiffsr train` (paper preset, batch 16, 160 px, masks from the embedded segmenter) per precision:
                  step time and data wait per step from log.csv (columns seconds, data_wait_s)
  notebooks       notebooks 00 and 05 (Tiny profile) through environment/run-notebooks.sh, where the .NET SDK and
                  dotnet-repl exist (the GPU dev container); skipped otherwise, with the reason

  python3 environment/gpu-check.py --out DIR [--dry-run]
The CLI is $SAMDIFFSR_CLI (a command prefix) or `dotnet cli/bin/Release/net10.0/linux-x64/samdiffsr.dll`.
--dry-run: the CPU, tiny sizes, fp32 and bf16 only: every stage runs and the JSON has the same schema (the test
tests/Repository/GpuCheckScriptTests.cs runs it).
"""
import argparse
import csv
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time

SCHEMA = "samdiffsr-gpu-check/1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def now_utc():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class MemoryPoller:
    """Peak GPU memory while a process runs: its own row in --query-compute-apps if visible, else the whole GPU's
    memory.used minus the value before the process started."""

    def __init__(self, enabled):
        self.enabled = enabled and shutil.which("nvidia-smi") is not None
        self.peak_process = None
        self.peak_gpu = None
        self.base = None
        self._stop = threading.Event()
        self._pid = None

    @staticmethod
    def _gpu_used():
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5).stdout
        return float(out.split()[0])

    def _apps(self):
        out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5).stdout
        rows = {}
        for line in out.strip().splitlines():
            parts = [p.strip() for p in line.split(",")]
            if len(parts) == 2 and parts[0].isdigit():
                rows[int(parts[0])] = float(parts[1])
        return rows

    def start(self, pid):
        if not self.enabled:
            return
        self._pid = pid
        try:
            self.base = self._gpu_used()
        except Exception:
            self.enabled = False
            return
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                used = self._gpu_used() - self.base
                self.peak_gpu = used if self.peak_gpu is None else max(self.peak_gpu, used)
                mine = self._apps().get(self._pid)
                if mine is not None:
                    self.peak_process = mine if self.peak_process is None else max(self.peak_process, mine)
            except Exception:
                pass
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        if not self.enabled:
            return None
        return {"process_mib": self.peak_process, "gpu_delta_mib": self.peak_gpu,
                "method": "nvidia-smi every 0.1 s (process row if visible; else whole-GPU memory.used minus the value before)"}


def run(cmd, timeout, poll_memory=False, env=None):
    """Runs a command; returns (rc, stdout, stderr, seconds, memory)."""
    t0 = time.time()
    poller = MemoryPoller(poll_memory)
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, **(env or {})})
    except OSError as e:
        return 127, "", str(e), 0.0, None
    poller.start(p.pid)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = 124
    return rc, out, err, round(time.time() - t0, 2), poller.stop()


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def tail(text, n=400):
    return text[-n:] if text else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--settings-only", action="store_true", help="print the mode's settings as JSON and stop")
    a = ap.parse_args()
    dry = a.dry_run
    t_start = time.time()
    cli = shlex.split(os.environ.get("SAMDIFFSR_CLI", "dotnet cli/bin/Release/net10.0/linux-x64/samdiffsr.dll"))
    py = os.environ.get("PYTORCH_PYTHON", sys.executable)
    bench_py = os.path.join(ROOT, "environment", "pytorch-baseline", "bench.py")
    dev = "cpu" if dry else "cuda"
    s = dict(preset="tiny" if dry else "samdiffsrpaperx4", bench_preset="tiny" if dry else "paper",
             method="samdiffsr", train_batch=2 if dry else 16, train_patch=32 if dry else 160,
             sample_size=32 if dry else 512, sample_steps=3 if dry else 20, warmup=1 if dry else 3,
             runs=2 if dry else 10, train_run_steps=4 if dry else 40,
             precisions=["fp32", "bf16"] if dry else ["fp32", "bf16", "fp16"],
             train_images="data/benchmarks/Set5" if dry else "data/train/T91", device=dev,
             threads=1 if dry else 0)
    if a.settings_only:
        print(json.dumps(s))
        return 0
    os.makedirs(a.out, exist_ok=True)
    report = {"schema": SCHEMA, "mode": "dry-run" if dry else "gpu", "started_utc": now_utc(), "settings": s, "errors": []}
    work = os.path.join(a.out, "work")
    os.makedirs(work, exist_ok=True)

    def save():
        report["total_seconds"] = round(time.time() - t_start, 1)
        tmp = os.path.join(a.out, "gpu-check.json.tmp")
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2)
        os.replace(tmp, os.path.join(a.out, "gpu-check.json"))

    def err(stage, msg):
        report["errors"].append({"stage": stage, "message": msg})

    threads = ["--threads", str(s["threads"])] if s["threads"] else []
    has_torch = subprocess.run([py, "-c", "import torch"], capture_output=True).returncode == 0

    # -- device
    d = {"status": "ok"}
    if shutil.which("nvidia-smi"):
        q = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                           capture_output=True, text=True).stdout.strip()
        d["nvidia_smi"] = q
    else:
        d["nvidia_smi"] = None
    rc, out, errt, sec, _ = run(cli + ["info"], 60)
    d["samdiffsr_info"] = (out + errt).strip()[-600:]
    d["cuda_in_info"] = "device CUDA" in out + errt
    if has_torch:
        d["pytorch"] = subprocess.run([py, "-c", "import torch;print(torch.__version__, torch.version.cuda)"],
                                      capture_output=True, text=True).stdout.strip()
    if rc != 0:
        d["status"] = "failed"; err("device", tail(errt))
    elif not dry and not d["cuda_in_info"]:
        d["status"] = "failed"; err("device", "samdiffsr info does not print 'device CUDA'")
    report["device"] = d
    save()

    # -- PyTorch transcription against the official outputs
    if has_torch:
        rc, out, errt, sec, _ = run([py, bench_py, "--check"], 120)
        j = last_json(out)
        report["pytorch_check"] = {"status": "ok" if rc == 0 and j and j.get("passed") else "failed", "result": j, "seconds": sec}
        if report["pytorch_check"]["status"] != "ok":
            err("pytorch_check", tail(out + errt))
    else:
        report["pytorch_check"] = {"status": "skipped", "reason": f"no PyTorch for {py} (set PYTORCH_PYTHON)"}
    save()

    # -- verify
    rc, out, errt, sec, _ = run(cli + ["verify", "--device", dev], 120 if not dry else 90)
    summary = [l for l in (out + errt).splitlines() if " passed, " in l]
    report["verify"] = {"status": "ok" if rc == 0 else "failed", "device": dev, "summary": summary[-1] if summary else None, "seconds": sec}
    if rc != 0:
        err("verify", tail(out + errt))
    save()

    # -- side-by-side steps and memory
    def ours_bench(kind, precision, extra=()):
        variant = "baseline" if precision == "fp32" else precision
        args = cli + ["bench", kind, "--preset", s["preset"], "--variants", variant, "--warmup", str(s["warmup"]),
                      "--runs", str(s["runs"] if kind == "train" else max(2, s["runs"] // 3)), "--device", dev, "--json"] + threads
        args += ["--batch", str(s["train_batch"]), "--patch", str(s["train_patch"])] if kind == "train" else \
                ["--size", str(s["sample_size"]), "--steps", str(s["sample_steps"])]
        rc, out, errt, sec, mem = run(args + list(extra), 300, poll_memory=not dry)
        j = last_json(out)
        if rc != 0 or not j:
            err(f"ours {kind} {precision}", tail(errt or out))
            return None, mem, sec
        return j["variants"][0]["median_s"], mem, sec

    def torch_bench(kind, precision):
        if not has_torch:
            return None, None, 0.0, "no PyTorch"
        args = [py, bench_py, kind, "--device", dev, "--precision", precision, "--preset", s["bench_preset"],
                "--warmup", str(s["warmup"]), "--runs", str(s["runs"] if kind == "train" else max(2, s["runs"] // 3))]
        args += ["--batch", str(s["train_batch"]), "--patch", str(s["train_patch"])] if kind == "train" else \
                ["--size", str(s["sample_size"]), "--steps", str(s["sample_steps"])]
        if dry:
            args += ["--threads", "1"]
        rc, out, errt, sec, mem = run(args, 300, poll_memory=not dry)
        j = last_json(out)
        if rc != 0 or not j:
            err(f"pytorch {kind} {precision}", tail(errt or out))
            return None, mem, sec, "failed"
        m = dict(mem or {})
        m["pytorch_peak_allocated_mib"] = j.get("peak_allocated_mib")
        m["pytorch_peak_reserved_mib"] = j.get("peak_reserved_mib")
        return j["median_s"], m, sec, None

    memory = {}
    for kind, key in (("train", "train_step"), ("sample", "reverse_step")):
        block = {"unit": "seconds (median)", "per_precision": {}}
        for prec in s["precisions"]:
            o, omem, osec = ours_bench(kind, prec)
            p, pmem, psec, why = torch_bench(kind, prec)
            block["per_precision"][prec] = {
                "ours_s": o, "pytorch_s": p, "ratio_ours_to_pytorch": round(o / p, 3) if o and p else None,
                "pytorch_note": why, "wall_s": {"ours": osec, "pytorch": psec}}
            memory.setdefault(key, {})[prec] = {"ours": omem, "pytorch": pmem}
            save()
        fp32 = block["per_precision"]["fp32"]
        for prec in s["precisions"][1:]:
            e = block["per_precision"][prec]
            e["speedup_vs_fp32_ours"] = round(fp32["ours_s"] / e["ours_s"], 3) if fp32["ours_s"] and e["ours_s"] else None
            e["speedup_vs_fp32_pytorch"] = round(fp32["pytorch_s"] / e["pytorch_s"], 3) if fp32["pytorch_s"] and e["pytorch_s"] else None
        block["status"] = "ok" if all(v["ours_s"] for v in block["per_precision"].values()) else "failed"
        # PyTorch numbers count only if its transcription reproduced the official outputs first.
        block["pytorch_transcription_checked"] = report["pytorch_check"]["status"] == "ok"
        report[key] = block
        save()
    report["peak_memory"] = {"status": "ok" if not dry else "skipped",
                             "reason": None if not dry else "the CPU dry run has no GPU memory to poll",
                             "settings": {"train": f"batch {s['train_batch']}, {s['train_patch']} px",
                                          "sample": f"{s['sample_size']} px"},
                             "per_stage": memory}
    o, _, _ = ours_bench("train", "fp32", ["--cudnn-benchmark"])
    report["cudnn_benchmark"] = {"status": "ok" if o else "failed", "train_step_ours_s": o,
                                 "train_step_ours_fp32_default_s": report["train_step"]["per_precision"]["fp32"]["ours_s"]}
    save()

    # -- real training runs: step time and data wait from log.csv
    masks = os.path.join(work, "masks")
    rc, out, errt, sec, _ = run(cli + ["masks", "generate", "--images", s["train_images"], "--out", masks], 300)
    tr = {"status": "ok", "masks_seconds": sec, "per_precision": {}}
    if rc != 0:
        tr["status"] = "failed"; err("training_run masks", tail(errt))
    else:
        for prec in s["precisions"][:2]:
            rundir = os.path.join(work, "train-" + prec)
            shutil.rmtree(rundir, ignore_errors=True)
            rc, out, errt, sec, _ = run(cli + ["train", "--stage", "diffusion", "--hr", s["train_images"], "--masks", masks,
                                              "--out", rundir, "--preset", s["preset"], "--steps", str(s["train_run_steps"]),
                                              "--batch", str(s["train_batch"]), "--patch", str(s["train_patch"]),
                                              "--checkpoint-every", "100000", "--no-verify", "--precision", prec] + threads, 400)
            e = {"wall_s": sec}
            log = os.path.join(rundir, "log.csv")
            if rc == 0 and os.path.exists(log):
                rows = list(csv.DictReader(open(log)))
                secs = [float(r["seconds"]) for r in rows]
                steps = [b - a for a, b in zip(secs, secs[1:])]        # step k's time: cumulative difference
                data = [float(r["data_wait_s"]) for r in rows[1:]]
                e.update(steps_logged=len(rows), median_step_s=round(statistics.median(steps), 4) if steps else None,
                         median_data_wait_s=statistics.median(data) if data else None,
                         data_wait_fraction=round(sum(data) / sum(steps), 4) if steps and sum(steps) > 0 else None,
                         last_loss=float(rows[-1]["loss"]), note="step 0 (warm-up) excluded")
            else:
                tr["status"] = "failed"; err(f"training_run {prec}", tail(errt or out))
            tr["per_precision"][prec] = e
            save()
    report["training_run"] = tr
    save()

    # -- notebooks 00 and 05
    sdk = subprocess.run(["dotnet", "--list-sdks"], capture_output=True, text=True) if shutil.which("dotnet") else None
    if dry:
        report["notebooks"] = {"status": "skipped", "reason": "dry run (the notebook suite runs in environment/test.sh)", "results": {}}
    elif not sdk or not sdk.stdout.strip():
        report["notebooks"] = {"status": "skipped", "results": {},
                               "reason": "no .NET SDK here (dotnet-repl and the notebooks' NuGet restore need it): run in .devcontainer/gpu"}
    else:
        rc, out, errt, sec, _ = run(["bash", "environment/run-notebooks.sh"], 900, env={"SAMDIFFSR_NOTEBOOKS": "00,05"})
        res = {}
        for line in out.splitlines():
            if line.startswith("[notebooks] PASS") or line.startswith("[notebooks] FAIL"):
                res[line.split()[2]] = line.split()[1]
        report["notebooks"] = {"status": "ok" if rc == 0 else "failed", "results": res, "seconds": sec,
                               "profile": "Tiny (run-notebooks.sh forces it)"}
        if rc != 0:
            err("notebooks", tail(out))
    report["finished_utc"] = now_utc()
    save()
    print(json.dumps({k: report[k].get("status") if isinstance(report[k], dict) else None
                      for k in ("device", "pytorch_check", "verify", "train_step", "reverse_step", "peak_memory",
                                "cudnn_benchmark", "training_run", "notebooks")}))
    print(f"wrote {os.path.join(a.out, 'gpu-check.json')} in {report['total_seconds']} s; {len(report['errors'])} errors")
    return 0 if not report["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
