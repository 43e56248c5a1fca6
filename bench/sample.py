"""Sampling speed: 20 samples per input with the batched `sample` against a one-z-at-a-time loop (as the
official test script does), in the same run, alternating the two, at 64 and 256 pixels. Prints JSON.

    python bench/sample.py
"""
import json, os, sys, time, statistics
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import machine
from bicycle_nb.models import bicycle_model
from bicycle_nb.inference import sample

@torch.no_grad()
def one_at_a_time(model, A, n):
    model.G.eval()
    outs = []
    for a in A:
        for _ in range(n): outs.append(model.G(a[None], torch.randn(1, model.nz)))
    return torch.cat(outs)

def bench(size, N, n=20, ngf=64, reps=3):
    torch.manual_seed(0)
    model = bicycle_model(size, ngf=ngf, use_D=False, use_D2=False, use_E=False)
    A = torch.randn(N, 3, size, size)
    t_loop, t_batch = [], []
    for _ in range(reps):   # alternate the variants so background load hits both alike
        t = time.perf_counter(); one_at_a_time(model, A, n); t_loop.append(time.perf_counter() - t)
        t = time.perf_counter(); sample(model, A, n=n); t_batch.append(time.perf_counter() - t)
    loop, batch = statistics.median(t_loop), statistics.median(t_batch)
    return dict(size=size, inputs=N, samples_per_input=n, ngf=ngf, loop_samples_per_s=round(N * n / loop, 2),
                batched_samples_per_s=round(N * n / batch, 2), speedup=round(loop / batch, 2))

if __name__ == '__main__':
    print(json.dumps(dict(machine=machine(), torch_threads=torch.get_num_threads(), results=[bench(64, 8), bench(256, 2)]), indent=1))
