"""One device check: is bicycle_nb right, and how fast, on a GPU? Prints JSON and writes it under bench/results/.

    python bench/device_check.py            # on a CUDA GPU: about 5 minutes on one H200
    python bench/device_check.py --smoke    # the same checks on CPU at tiny sizes, without compile (< 2 minutes)

The checks, in order (each one's result is recorded; a failed check does not stop the others):
1. parity: both float64 step fixtures of parity/ replayed through the real Learner path on the device, fast and
   separate-calls step, against `STEP_CRITERIA` of parity/replay.py (the portable criteria of parity/README.md);
2. fast == plain: the fast and the separate-calls step give the same weights after three steps (float64);
3. precision: fp32, bf16, fp16 (with loss scaling) and torch.compile each train `--train_steps` steps on the
   shapes data without a NaN (compile is left out with --smoke);
4. speed and memory: seconds per step and peak CUDA memory at 256 px batch 2 (widths 64) and 128 px batch 8
   (widths 16), ours in fp32 / bf16 / fp16 against the official-style baseline of bench/step.py, alternated
   in one run (with --smoke: 32 px, batch 2, widths 4, on CPU).

The device machine lacks fastai and its pure-Python companions: `bash bench/device_wheels.sh` downloads them
into .whl/ (ignored by git) to be carried there; bench/README.md has the command line.
"""
import argparse, json, math, os, platform, statistics, sys, tempfile, time, traceback
from pathlib import Path
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT/'parity')]   # parity/: the replay harness (replay.py)


def check(results, name):
    "Decorator: run a check, record its result or its error under `name`, keep going."
    def deco(f):
        t = time.perf_counter()
        try: results[name] = f()
        except Exception as e: results[name] = dict(ok=False, error=f'{type(e).__name__}: {e}', traceback=traceback.format_exc()[-2000:])
        results[name]['seconds'] = round(time.perf_counter() - t, 1)
        print(json.dumps({name: {k: v for k, v in results[name].items() if k != 'traceback'}}), file=sys.stderr, flush=True)
        return f
    return deco


def parity(device):
    from bicycle_nb.official import read_fixture
    from replay import replay_official_steps, step_parity_report
    out, after = {}, {}
    for inject in ('all', 'input'):
        fx = read_fixture(ROOT/'parity'/f'step_unet_128_{inject}.pt')
        for fast in (True, False):
            res = replay_official_steps(fx, fast_step=fast, device=device)
            rep = step_parity_report(fx, res)
            out[f"{inject}-{'fast' if fast else 'separate'}"] = rep
            after[inject, fast] = {k: {n: t.double().cpu() for n, t in sd.items()} for k, sd in res['after'].items()}
    fast_vs_plain = {}
    for inject in ('all', 'input'):
        a, b = after[inject, True], after[inject, False]
        num = sum(((a[k][n] - b[k][n]) ** 2).sum().item() for k in a for n in a[k] if a[k][n].is_floating_point())
        den = sum((b[k][n] ** 2).sum().item() for k in b for n in b[k] if b[k][n].is_floating_point())
        fast_vs_plain[inject] = math.sqrt(num / den)
    return dict(ok=all(r['ok'] for r in out.values()), reports=out), dict(ok=all(v < 1e-9 for v in fast_vs_plain.values()),
                                                                        weights_rel_diff=fast_vs_plain)


def precision_runs(device, size, width, bs, steps, with_compile):
    from bicycle_nb.data import make_shapes, aligned_dls
    from bicycle_nb.training import StopAfterSteps
    from bicycle_nb.learner import bicycle_learner
    tmp = Path(tempfile.mkdtemp())
    path = make_shapes(tmp/'shapes', n_train=max(4 * bs, 32), n_valid=bs, size=size)
    out = {}
    for prec in ('fp32', 'bf16', 'fp16') + (('compile',) if with_compile else ()):
        dls = aligned_dls(path, size=size, bs=bs, seed=0, device=device)
        learn = bicycle_learner(dls, ngf=width, nef=width, ndf=width, seed=0, compile=prec == 'compile',
                                precision='fp32' if prec == 'compile' else prec)
        learn.model.to(device)
        t = time.perf_counter()
        with learn.no_bar(), learn.no_logging(): learn.fit(10_000, learn.lr, cbs=StopAfterSteps(steps))
        hist, n = learn.loss_log.history, learn.bicycle_step.n_steps
        finite = all(math.isfinite(v) for h in hist for v in h.values()) and \
                 all(torch.isfinite(p).all().item() for p in learn.model.parameters())
        mp = getattr(learn, 'bicycle_mixed_precision', None)     # absent in fp32 runs
        out[prec] = dict(ok=finite and n == steps, steps=n, seconds=round(time.perf_counter() - t, 1),
                         last_losses={k: round(v, 4) for k, v in hist[-1].items()},
                         skipped_steps=mp.skipped_steps if mp is not None else 0)
    return dict(ok=all(v['ok'] for v in out.values()), runs=out)


def speed(configs, steps, rounds):
    import step as S
    cuda = torch.cuda.is_available()
    names = ['baseline', 'ours', 'ours_bf16', 'ours_fp16']
    out = {}
    for cname, cfg in configs.items():
        data = S.make_data(cfg)
        vs = {n: S.variant(cfg, n) for n in names}
        for v in vs.values(): v.run(data, 1)                       # warm-up
        times, peak = {n: [] for n in names}, {}
        for _ in range(rounds):                                    # alternate the variants
            for n in names:
                if cuda: torch.cuda.reset_peak_memory_stats()
                times[n] += vs[n].run(data, steps)
                if cuda: peak[n] = max(peak.get(n, 0), torch.cuda.max_memory_allocated() / 2**20)
        med = {n: statistics.median(t) for n, t in times.items()}
        out[cname] = dict(**cfg, seconds_per_step={n: round(v, 5) for n, v in med.items()},
                          ratio_to_baseline={n: round(med[n] / med['baseline'], 3) for n in names if n != 'baseline'},
                          peak_cuda_mb={n: round(v, 1) for n, v in peak.items()} if cuda else 'CPU: not measured per variant')
        del vs
        if cuda: torch.cuda.empty_cache()
    return dict(ok=True, configs=out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--smoke', action='store_true', help='CPU, tiny sizes, no compile: checks that the script works')
    ap.add_argument('--train_steps', type=int, default=None, help='steps per precision run (default: 200; 4 with --smoke)')
    ap.add_argument('--out', default=None, help='JSON file (default: bench/results/device_check_<cuda|cpu-smoke>.json)')
    a = ap.parse_args(argv)
    cuda = torch.cuda.is_available() and not a.smoke
    if not cuda and not a.smoke: ap.error('no CUDA device: run with --smoke for the CPU version of the checks')
    device = 'cuda' if cuda else 'cpu'
    if not cuda: torch.set_num_threads(min(2, os.cpu_count()))
    steps = a.train_steps or (200 if cuda else 4)
    res = dict(device=torch.cuda.get_device_name() if cuda else f'CPU ({platform.processor() or platform.machine()}), smoke',
               torch=torch.__version__, python=platform.python_version(), checks={})
    checks = res['checks']
    @check(checks, 'parity')
    def _():
        p, fvp = parity(device)
        checks['fast_equals_plain'] = fvp
        return p
    @check(checks, 'precision')
    def _():
        return precision_runs(device, *((128, 16, 8) if cuda else (32, 4, 2)), steps, with_compile=cuda)
    @check(checks, 'speed_memory')
    def _():
        cfgs = dict(a=dict(size=256, bs=2, width=64), b=dict(size=128, bs=8, width=16)) if cuda else \
               dict(smoke=dict(size=32, bs=2, width=4))
        return speed(cfgs, steps=5 if cuda else 1, rounds=3 if cuda else 1)
    res['ok'] = all(c.get('ok', False) for c in checks.values())
    out = Path(a.out or HERE/'results'/f"device_check_{'cuda' if cuda else 'cpu-smoke'}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + '\n')
    print(json.dumps(res, indent=1))
    return 0 if res['ok'] else 1


if __name__ == '__main__': sys.exit(main())
