#!/usr/bin/env python3
"""PyTorch baseline for `samdiffsr bench`, run side by side with it (environment/bench-side-by-side.sh).

The networks are our own PyTorch transcription of lib/Models (RRDBNet and the conditional U-Net, official module
names), not the official repository's code. `--check` proves the transcription is the official architecture: it loads
data/reference/tiny_denoiser.pt strictly and reproduces the official outputs in tiny_denoiser_io.json.
The timed workloads are those of lib/Benchmarks (TrainStepWorkload, SampleStepWorkload with the official by-products),
which follow the official harness recorded in data/reference/perf_baseline_cpu.json.

Usage:
  python3 bench.py --check
  python3 bench.py train --batch 4 --patch 64 [--threads 2] [--warmup 2 --runs 5]
  python3 bench.py sample --size 128 --steps 10 [--threads 2] [--warmup 1 --runs 3]
  Common: --device cpu|cuda, --precision fp32|bf16|fp16 (torch.autocast; fp16 training with torch.amp.GradScaler),
          --preset paper|tiny (tiny: the dry run of environment/gpu-check.sh)
Prints one JSON object (medians in seconds; for sample: per reverse step; on CUDA also peak allocator memory).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "..", "data", "reference")


class Mish(nn.Module):
    def forward(self, x):
        return x * torch.tanh(F.softplus(x))


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        step = math.log(10000.0) / (half - 1)
        freqs = torch.exp(torch.arange(half, device=t.device) * -step)
        a = t.float()[:, None] * freqs[None, :]
        return torch.cat([a.sin(), a.cos()], dim=1)


class Block(nn.Module):
    def __init__(self, dim, dim_out):
        super().__init__()
        self.block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim_out, 3), Mish())

    def forward(self, x):
        return self.block(x)


class ResnetBlock(nn.Module):
    def __init__(self, dim, dim_out, time_dim):
        super().__init__()
        self.mlp = nn.Sequential(Mish(), nn.Linear(time_dim, dim_out))
        self.block1 = Block(dim, dim_out)
        self.block2 = Block(dim_out, dim_out)
        self.res_conv = nn.Conv2d(dim, dim_out, 1) if dim != dim_out else nn.Identity()

    def forward(self, x, t):
        h = self.block1(x) + self.mlp(t)[:, :, None, None]
        return self.block2(h) + self.res_conv(x)


class Downsample(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, 2))

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Sequential(nn.ConvTranspose2d(dim, dim, 4, 2, 1))

    def forward(self, x):
        return self.conv(x)


class Unet(nn.Module):
    def __init__(self, dim, dim_mults, cond_dim, scale):
        super().__init__()
        dims = [3] + [dim * m for m in dim_mults]
        in_out = list(zip(dims[:-1], dims[1:]))
        self.cond_proj = nn.ConvTranspose2d(cond_dim, dim, scale * 2, scale, scale // 2)
        self.time_pos_emb = SinusoidalPosEmb(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 4), Mish(), nn.Linear(dim * 4, dim))
        self.downs = nn.ModuleList()
        for i, (a, b) in enumerate(in_out):
            last = i >= len(in_out) - 1
            self.downs.append(nn.ModuleList([ResnetBlock(a, b, dim), ResnetBlock(b, b, dim),
                                             Downsample(b) if not last else nn.Identity()]))
        mid = dims[-1]
        self.mid_block1 = ResnetBlock(mid, mid, dim)
        self.mid_block2 = ResnetBlock(mid, mid, dim)
        self.ups = nn.ModuleList()
        for a, b in reversed(in_out[1:]):
            self.ups.append(nn.ModuleList([ResnetBlock(b * 2, a, dim), ResnetBlock(a, a, dim), Upsample(a)]))
        self.final_conv = nn.Sequential(Block(dim, dim), nn.Conv2d(dim, 3, 1))

    def forward(self, x, time, cond):
        t = self.mlp(self.time_pos_emb(time))
        c = self.cond_proj(cond)          # recomputed at every call, as the official loop does
        h = []
        for i, (r1, r2, down) in enumerate(self.downs):
            x = r2(r1(x, t), t)
            if i == 0:
                x = x + c
            h.append(x)
            x = down(x)
        x = self.mid_block2(self.mid_block1(x, t), t)
        for r1, r2, up in self.ups:
            x = torch.cat((x, h.pop()), dim=1)
            x = up(r2(r1(x, t), t))
        return self.final_conv(x)


class RDB5C(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)) * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.RDB1, self.RDB2, self.RDB3 = RDB5C(nf, gc), RDB5C(nf, gc), RDB5C(nf, gc)

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(self, nf, nb, gc, scale):
        super().__init__()
        self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
        self.RRDB_trunk = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.trunk_conv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv2 = nn.Conv2d(nf, nf, 3, 1, 1)   # x4
        self.HRconv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x):
        """Returns (image in [-1, 1], the nb + 1 features), computing the whole network as the official rrdb(x, True)."""
        x = (x + 1) / 2
        fea_first = fea = self.conv_first(x)
        feas = []
        for block in self.RRDB_trunk:
            fea = block(fea)
            feas.append(fea)
        fea = fea_first + self.trunk_conv(fea)
        feas.append(fea)
        fea = self.lrelu(self.upconv1(F.interpolate(fea, scale_factor=2, mode="nearest")))
        fea = self.lrelu(self.upconv2(F.interpolate(fea, scale_factor=2, mode="nearest")))
        out = self.conv_last(self.lrelu(self.HRconv(fea)))
        return out.clamp(0, 1) * 2 - 1, feas


class Nets(nn.Module):
    """Holds the two networks under the official state-dict prefixes (denoise_fn.*, rrdb.*)."""

    def __init__(self, hidden, dim_mults, nf, nb, scale=4):
        super().__init__()
        n_cond = len(range(2, nb + 1, 3))
        self.denoise_fn = Unet(hidden, dim_mults, nf * n_cond, scale)
        self.rrdb = RRDBNet(nf, nb, nf // 2, scale)

    def cond(self, lr):
        out, feas = self.rrdb(lr)
        return out, torch.cat(feas[2::3], 1)


PAPER = dict(hidden=64, dim_mults=(1, 2, 3, 4), nf=64, nb=17)


class Schedule:
    def __init__(self):
        with open(os.path.join(REF, "schedule_T100_cosine.json")) as f:
            d = json.load(f)
        g = lambda k: torch.tensor(d[k + "_f32"], dtype=torch.float32)
        self.T = d["T"]
        self.sac, self.s1m = g("sqrt_alphas_cumprod"), g("sqrt_one_minus_alphas_cumprod")
        self.srac, self.srm1 = g("sqrt_recip_alphas_cumprod"), g("sqrt_recipm1_alphas_cumprod")
        self.c1, self.c2 = g("posterior_mean_coef1"), g("posterior_mean_coef2")
        self.logvar = g("posterior_log_variance_clipped")
        self.betas = g("betas")

    @staticmethod
    def ex(a, t):
        return a.gather(-1, t).reshape(-1, 1, 1, 1)

    def q_sample(self, x0, t, noise):
        """q(x_t | x_0); an index of -1 gives x_0 back (the logged x_{t-1} at t = 0), as lib/Diffusion/ForwardProcess."""
        tc = t.clamp_min(0)
        xt = self.ex(self.sac, tc) * x0 + self.ex(self.s1m, tc) * noise
        return torch.where((t >= 0).reshape(-1, 1, 1, 1), xt, x0)

    def p_sample(self, xt, t, eps_hat, z):
        x0 = (self.ex(self.srac, t) * xt - self.ex(self.srm1, t) * eps_hat).clamp(-1, 1)
        mean = self.ex(self.c1, t) * x0 + self.ex(self.c2, t) * xt
        nonzero = (t != 0).float().reshape(-1, 1, 1, 1)
        return mean + nonzero * (0.5 * self.ex(self.logvar, t)).exp() * z


def check():
    """Strict load of the official tiny state dict and comparison with the official outputs."""
    with open(os.path.join(REF, "tiny_denoiser_io.json")) as f:
        io = json.load(f)
    nets = Nets(16, (1, 2), 8, 2)
    sd = torch.load(os.path.join(REF, "tiny_denoiser.pt"), map_location="cpu")
    sd = {k: v for k, v in sd.items() if k.startswith(("denoise_fn.", "rrdb."))}
    nets.load_state_dict(sd, strict=True)
    nets.eval()
    inp = io["inputs"]
    T = lambda k: torch.tensor(inp[k], dtype=torch.float32).reshape(inp[k + "_shape"])
    worst = {}
    with torch.no_grad():
        out, cond = nets.cond(T("img_lr"))
        ref = torch.tensor(io["outputs"]["rrdb_out"]).reshape(out.shape)
        worst["rrdb_out"] = (out - ref).abs().max().item()
        for case in io["outputs"]["denoise_fn"]:
            pred = nets.denoise_fn(T("x_t"), torch.tensor([case["t_index"]]), cond)
            ref = torch.tensor(case["noise_pred"]).reshape(pred.shape)
            worst["noise_pred_t%d" % case["t_index"]] = (pred - ref).abs().max().item()
    ok = all(v < 1e-5 for v in worst.values())
    print(json.dumps({"check": "official tiny reference", "max_abs_difference": worst, "passed": ok}))
    return 0 if ok else 1


DEV = torch.device("cpu")
PREC = "fp32"
TINY = dict(hidden=16, dim_mults=(1, 2), nf=8, nb=2)


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize()


def amp():
    """torch.autocast for --precision bf16/fp16 (a disabled context for fp32)."""
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(PREC, torch.float32)
    return torch.autocast(device_type=DEV.type, dtype=dtype, enabled=PREC != "fp32")


def median_runs(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return times


def bench_train(batch, patch, warmup, runs, sizes):
    torch.manual_seed(0)
    nets = Nets(**sizes).to(DEV)
    sch = Schedule()
    for k, v in vars(sch).items():
        if torch.is_tensor(v):
            setattr(sch, k, v.to(DEV))
    scaler = torch.amp.GradScaler(DEV.type) if PREC == "fp16" else None
    nets.rrdb.eval()
    for p in nets.rrdb.parameters():
        p.requires_grad_(False)
    nets.denoise_fn.train()
    opt = torch.optim.Adam(nets.parameters(), lr=2e-4)
    lr_side = patch // 4
    hr = (torch.rand(batch, 3, patch, patch) * 2 - 1).to(DEV)
    lr = (torch.rand(batch, 3, lr_side, lr_side) * 2 - 1).to(DEV)
    lr_up = (torch.rand(batch, 3, patch, patch) * 2 - 1).to(DEV)
    mask = torch.rand(batch, 1, patch, patch).to(DEV)
    coef = sch.s1m * sch.betas                      # official code's E coefficient sqrt(1 - abar_t) * beta_t

    def step():
        t = torch.randint(0, sch.T, (batch,), device=DEV)
        with amp():
            with torch.no_grad():
                _, cond = nets.cond(lr)
            x0 = ((hr - lr_up) * 2).clamp(-1, 1)
            noise = torch.randn_like(x0) + Schedule.ex(coef, t) * mask
            xt = sch.q_sample(x0, t, noise)
            xt_gt = sch.q_sample(x0, t - 1, noise)         # logged by-products, as the official p_losses
            opt.zero_grad()
            eps_hat = nets.denoise_fn(xt, t, cond).float()
            with torch.no_grad():
                xt_pred = sch.p_sample(xt, t, eps_hat.detach(), torch.randn_like(xt))
                for r in (xt, xt_gt, xt_pred):
                    _ = r.clamp(-1, 1) / 2 + lr_up
            loss = (noise - eps_hat).abs().mean()
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

    return median_runs(step, warmup, runs), 1


def bench_sample(size, steps, warmup, runs, sizes):
    torch.manual_seed(0)
    nets = Nets(**sizes).to(DEV).eval()
    sch = Schedule()
    for k, v in vars(sch).items():
        if torch.is_tensor(v):
            setattr(sch, k, v.to(DEV))
    lr = (torch.rand(1, 3, size // 4, size // 4) * 2 - 1).to(DEV)
    step_times = []

    def run():
        with torch.no_grad():
            _, cond = nets.cond(lr)
            x = torch.randn(1, 3, size, size, device=DEV)
            for i in range(steps):
                t0 = time.perf_counter()
                t = torch.full((1,), sch.T - 1 - i, dtype=torch.long, device=DEV)
                with amp():
                    eps_hat = nets.denoise_fn(x, t, cond).float()
                x = sch.p_sample(x, t, eps_hat, torch.randn_like(x))
                sync()
                step_times.append(time.perf_counter() - t0)

    median_runs(run, warmup, 0)
    step_times.clear()
    median_runs(run, 0, runs)
    return step_times, steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", choices=["train", "sample"])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--runs", type=int)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    ap.add_argument("--preset", choices=["paper", "tiny"], default="paper")
    a = ap.parse_args()
    global DEV, PREC
    DEV, PREC = torch.device(a.device), a.precision
    torch.set_num_threads(a.threads)
    if a.check:
        return check()
    sizes = PAPER if a.preset == "paper" else TINY
    if DEV.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    if a.what is None:
        ap.error("train, sample or --check")
    c0 = time.process_time()
    if a.what == "train":
        times, _ = bench_train(a.batch, a.patch, a.warmup if a.warmup is not None else 2, a.runs or 5, sizes)
        setting = {"batch": a.batch, "hr_size": a.patch}
    else:
        times, _ = bench_sample(a.size, a.steps, a.warmup if a.warmup is not None else 1, a.runs or 3, sizes)
        setting = {"batch": 1, "hr_size": a.size, "steps_per_run": a.steps}
    print(json.dumps({
        "benchmark": a.what, **setting, "threads": torch.get_num_threads(),
        "torch": torch.__version__, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "count": len(times),
        "process_cpu_s": time.process_time() - c0,
        "device": a.device, "precision": a.precision, "preset": a.preset,
        "cuda_device": torch.cuda.get_device_name(0) if DEV.type == "cuda" else None,
        "peak_allocated_mib": torch.cuda.max_memory_allocated() / 2**20 if DEV.type == "cuda" else None,
        "peak_reserved_mib": torch.cuda.max_memory_reserved() / 2**20 if DEV.type == "cuda" else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
