"""Quality benchmark on the shapes data: does z carry the mode?

Trains each variant for the same number of steps (64 px, batch 8, widths 16, official recipe) and reports
per variant: how many of the dataset's modes the samples of one input cover (20 random z per input), how
often an output generated from an encoded reference shows the reference's mode, and a realism proxy (the
share of samples whose colour is a valid mode). Prints JSON (and writes it to --out).

    python bench/quality.py --steps 6000 --variants bicycle pix2pix+noise
"""
import argparse, json, time, sys, tempfile
from pathlib import Path
import numpy as np, torch
from bicycle_nb.data import make_shapes, aligned_dls, classify_mode, read_modes
from bicycle_nb.learner import bicycle_learner, StopAfterSteps

def valid_batch(path, size, n):
    "The first n validation pairs (A, B) as tensors in [-1, 1], with their ground-truth modes."
    dls = aligned_dls(path, size=size, bs=n, flip=False)
    A, B = dls.valid.one_batch()
    modes = read_modes(path)
    files = dls.valid.items[:n]
    return A.cpu(), B.cpu(), np.array([modes[f'val/{Path(f).name}'] for f in files])

def classify(imgs, max_dist):
    out = [classify_mode(im) for im in imgs]
    return np.array([m if d <= max_dist else -1 for m, d in out])

@torch.no_grad()
def evaluate(model, A, B, modes, n_samples=20, max_dist=60., seed=0):
    model.eval()
    g = torch.Generator().manual_seed(seed)
    N = A.size(0)
    z = torch.randn(N * n_samples, model.nz, generator=g)
    outs = model.G(A.repeat_interleave(n_samples, 0), z)
    cls = classify(outs, max_dist).reshape(N, n_samples)
    coverage = [len(set(r[r >= 0].tolist())) for r in cls]
    res = dict(modes_covered_per_input=float(np.mean(coverage)), modes_covered_std=float(np.std(coverage)),
               realism_valid_colour=float((cls >= 0).mean()))
    if model.E is not None:
        perm = torch.from_numpy(np.random.default_rng(seed).permutation(N))
        zr = model.E(B[perm])[0]
        enc = classify(model.G(A, zr), max_dist)
        res['encode_accuracy'] = float((enc == modes[perm.numpy()]).mean())
    else:
        res['encode_accuracy'] = None
    return res

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--variants', nargs='+', default=['bicycle', 'pix2pix+noise'])
    ap.add_argument('--steps', type=int, default=6000)
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--bs', type=int, default=8)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--n_eval', type=int, default=50)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--data', default=None)
    ap.add_argument('--out', default='bench/results/quality.json')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    data = Path(a.data or Path(tempfile.gettempdir())/f'bicycle_nb_shapes_{a.size}')
    path = make_shapes(data, n_train=2000, n_valid=200, size=a.size, seed=0)
    A, B, modes = valid_batch(path, a.size, a.n_eval)
    results = dict(config=dict(vars(a), n_modes=10, dataset=str(path)), variants={})
    for v in a.variants:
        dls = aligned_dls(path, size=a.size, bs=a.bs, seed=a.seed)
        learn = bicycle_learner(dls, variant=v, ngf=a.width, nef=a.width, ndf=a.width, seed=a.seed)
        stop = StopAfterSteps(a.steps)
        t0 = time.time()
        with learn.no_bar(), learn.no_logging():
            learn.fit(10_000, 2e-4, cbs=stop)
        secs = time.time() - t0
        r = dict(steps=stop.done, train_seconds=round(secs, 1), seconds_per_step=round(secs / stop.done, 4),
                 **evaluate(learn.model, A, B, modes))
        results['variants'][v] = r
        print(json.dumps({v: r}), file=sys.stderr, flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))

if __name__ == '__main__': main()
