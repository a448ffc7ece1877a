"""The image network alone (no decoding, no head), variants measured in one run, interleaved:

    python -m benchmarks.bench_network [--batch 32] [--rounds 4] [--compile] [--device cuda]

- "today": the efficientnet-lite-pytorch implementation, channels_last (the code path before
  core/model/lite0.py), the baseline every ratio is against;
- the shipped Lite0 (batch-norm folded, channels_last, ReLU6 fused into each convolution by
  oneDNN), the same without the fusion, contiguous memory, jit-frozen, bf16, torch.compile
  (with --compile: it compiles for a minute or more on 2 cores);
- the shipped network at other batch sizes;
- glibc malloc tuned (what every entry point does) against default, each in a fresh process.

Rows say images/s (best of the rounds), the ratio to "today", and the largest difference of
the class probabilities from the reference's. With --device cuda the network runs on the GPU
with channels_last and autocast (fp16), inputs from pinned memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import torch

from benchmarks.common import matmul_peak_gflops, save, table


def reference_net(device: str):
    from efficientnet_lite_pytorch import EfficientNet

    from core.model.image import reference_state

    net = EfficientNet.from_name("efficientnet-lite0")
    net.load_state_dict(reference_state())
    net = net.eval().to(device).to(memory_format=torch.channels_last)
    return lambda x: net._fc(torch.flatten(net._avg_pooling(net.extract_features(x)), 1))


def variants(x: torch.Tensor, device: str, with_compile: bool) -> dict:
    from core.model.image import load_teacher

    net = load_teacher().to(device)
    out = {"today: efficientnet-lite-pytorch, channels_last": reference_net(device),
           "shipped: Lite0 folded, fused ReLU6, channels_last": lambda v: net(v)[1]}
    if device == "cpu":
        from core.model import lite0

        def unfused(v):  # the network before the fusion: each ReLU6 a pass of its own
            fused, lite0._CONV_ACT = lite0._CONV_ACT, None
            try:
                return net(v)[1]
            finally:
                lite0._CONV_ACT = fused

        out["Lite0 folded, ReLU6 not fused into the convolutions"] = unfused
        plain = load_teacher().to(memory_format=torch.contiguous_format)
        out["Lite0 folded, contiguous"] = lambda v: plain(v.contiguous())[1]
        with torch.inference_mode():
            frozen = torch.jit.freeze(torch.jit.trace(net, x, check_trace=False).eval())
        out["Lite0 + torch.jit.freeze"] = lambda v: frozen(v)[1]
        bf = load_teacher().to(torch.bfloat16)
        out["Lite0 bf16 weights and activations"] = lambda v: bf(v.bfloat16())[1].float()
    else:
        def autocast(v):
            with torch.autocast("cuda", dtype=torch.float16):
                return net(v)[1].float()
        out["Lite0, autocast fp16"] = autocast
    if with_compile:
        t = time.perf_counter()
        comp = torch.compile(net)
        with torch.inference_mode():
            comp(x)
        print(f"torch.compile: {time.perf_counter() - t:.0f} s to compile", flush=True)
        out["Lite0 + torch.compile"] = lambda v: comp(v)[1]
    return out


def interleaved(fns: dict, x: torch.Tensor, rounds: int) -> dict[str, float]:
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    best = {k: 0.0 for k in fns}
    with torch.inference_mode():
        for f in fns.values():
            f(x)
        for _ in range(rounds):
            for k, f in fns.items():
                sync()
                t = time.perf_counter()
                f(x)
                sync()
                best[k] = max(best[k], len(x) / (time.perf_counter() - t))
    return best


def malloc_check(batch: int, rounds: int) -> dict[str, float]:
    """The shipped network in two fresh processes: malloc as every entry point tunes it
    (mallopt through AlignedModel -> tune_allocator) and glibc's default."""
    code = ("import json,sys,torch; from core.model.runtime import tune_allocator; "
            "tune_allocator(); from benchmarks.bench_network import one_rate; "
            f"print(json.dumps(one_rate({batch}, {rounds})))")
    out = {}
    for name, env in (("malloc tuned (mallopt at model load)", {}),
                      ("malloc default", {"SYNESTHESIA_MALLOC": "default"})):
        r = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                           capture_output=True, text=True, check=True)
        out[name] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def one_rate(batch: int, rounds: int) -> float:
    from core.model.image import load_teacher

    net = load_teacher()
    x = torch.randn(batch, 3, 224, 224).contiguous(memory_format=torch.channels_last)
    return interleaved({"n": lambda v: net(v)}, x, rounds)["n"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args(argv)
    from core.model.runtime import tune_allocator

    tune_allocator()
    load = os.getloadavg()[0]
    pinned = torch.randn(a.batch, 3, 224, 224).contiguous(memory_format=torch.channels_last)
    if a.device != "cpu":
        pinned = pinned.pin_memory()
    x = pinned.to(a.device, non_blocking=True)
    fns = variants(x, a.device, a.compile)
    rates = interleaved(fns, x, a.rounds)
    with torch.inference_mode():
        ref = next(iter(fns.values()))(x).float().softmax(1)
        diff = {k: (f(x).float().softmax(1) - ref).abs().max().item() for k, f in fns.items()}
    base = next(iter(rates.values()))
    rows = [[k, a.batch, f"{v:.1f}", f"{v / base:.2f}x", f"{diff[k]:.1e}"]
            for k, v in rates.items()]
    if a.device == "cpu":
        net = fns["shipped: Lite0 folded, fused ReLU6, channels_last"]
        for b in (1, 8, 16, 64):
            xb = torch.randn(b, 3, 224, 224).contiguous(memory_format=torch.channels_last)
            v = interleaved({"n": net}, xb, a.rounds)["n"]
            rows.append(["shipped, other batch", b, f"{v:.1f}", f"{v / base:.2f}x", "-"])
        for k, v in malloc_check(a.batch, a.rounds).items():
            rows.append([f"shipped, fresh process, {k}", a.batch, f"{v:.1f}",
                         f"{v / base:.2f}x", "-"])
    peak = matmul_peak_gflops() if a.device == "cpu" else float("nan")
    print(f"device {a.device}; torch threads {torch.get_num_threads()}; load average "
          f"{load:.1f} at start, {os.getloadavg()[0]:.1f} at end; fp32 matmul peak "
          f"{peak:.0f} GFLOP/s (0.77 GFLOP/image: ceiling {peak / 0.77:.0f} images/s)")
    print(table(["variant", "batch", "images/s", "vs today", "max prob diff"], rows))
    print(f"results: {save(f'network-{a.device}', {'rows': rows, 'load_avg_start': load})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
