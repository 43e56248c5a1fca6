"""Quality benchmark on the shapes data: does z carry the mode, and how soon?

Every run trains one recipe on the shapes data (64 px, batch 8, widths 16, one CPU thread) for a budget of
*training* seconds, measured as the process's CPU time (with one thread this equals wall-clock seconds on a
quiet core, and a busy machine does not shrink a run's budget). Evaluation pauses the clock. At regular
points it measures, on 50 validation outlines:

- modes_covered_per_input: distinct modes among 20 samples with random z (of 10 in the data);
- encode_accuracy: G(A, mu(E(B_ref))) for a reference of another input shows the reference's mode;
- realism_valid_colour: share of samples whose colour is one of the 10 valid modes;
- shape_iou: IoU of the sample's painted area with the true B's (fidelity to the input's outline);
- z_recovery_l1: mean |mu(E(G(A, z))) - z| over those samples (what the latent regression trains; lower is better);
- z_consistency: for each random z, the share of the 50 outlines given that z's commonest colour (one code, one
  colour whatever the outline: 1; a code that means nothing: near 1/10 to 2/10).

    python bench/quality.py screen --seconds 120            # every candidate against the default, seed 0
    python bench/quality.py final --seconds 600 --seeds 0 1 2 --candidates default bicycle-fast
    python bench/quality.py screen --candidates default ms --jobs 2   # two runs side by side (one thread each)

Prints JSON (and writes it to --out). Each run also writes its own JSON under bench/results/runs/, so an
interrupted sweep keeps what it finished and `--reuse` skips finished runs.
"""
import argparse, json, time, sys, tempfile, os, subprocess
from pathlib import Path
import numpy as np, torch

# name -> (bicycle_learner options, learning rate). 'default' is the faithful official recipe.
CANDIDATES = {
    'default':       (dict(), 2e-4),
    'ms':            (dict(lambda_ms=1.), 2e-4),        # Mao et al. 2019 mode seeking
    'gain1':         (dict(init_gain=1.), 2e-4),        # xavier gain 1.0 instead of 0.02
    'warmup':        (dict(warmup=1000), 2e-4),         # KL and latent terms ramp up over 1000 steps
    'lrE5':          (dict(lr_E_mult=5.), 2e-4),        # encoder learns 5x faster than G
    'nz4':           (dict(nz=4), 2e-4),
    'nz2':           (dict(nz=2), 2e-4),
    'lr1e-3':        (dict(), 1e-3),
    'kl1e-3':        (dict(lambda_kl=1e-3), 2e-4),
    'zE':            (dict(latent_trains_E=True), 2e-4),  # the latent loss trains E as well (as the paper's cLR-GAN)
    # second round: combinations around the first round's winners (lr 1e-3, gain 1)
    'lr1e-3+gain1':          (dict(init_gain=1.), 1e-3),
    'lr2e-3+gain1':          (dict(init_gain=1.), 2e-3),
    'lr1e-3+gain1+ms':       (dict(init_gain=1., lambda_ms=1.), 1e-3),
    'lr1e-3+gain1+ms0.1':    (dict(init_gain=1., lambda_ms=.1), 1e-3),
    'lr1e-3+gain1+zE':       (dict(init_gain=1., latent_trains_E=True), 1e-3),
    'lr1e-3+gain1+kl1e-3':   (dict(init_gain=1., lambda_kl=1e-3), 1e-3),
    'lr1e-3+gain1+warmup':   (dict(init_gain=1., warmup=1000), 1e-3),
    'lr1e-3+gain1+lrE5':     (dict(init_gain=1., lr_E_mult=5.), 1e-3),
    # third round (300 s): the encoder's codes decay after ~4 minutes at lr 1e-3 (posterior collapse); remedies
    'lr1e-3+gain1+kl1e-4':     (dict(init_gain=1., lambda_kl=1e-4), 1e-3),
    'lr1e-3+gain1+zE+kl1e-3':  (dict(init_gain=1., latent_trains_E=True, lambda_kl=1e-3), 1e-3),
    # fourth round (600 s, flatlin): realism of random-z samples (their invalid colours sit just past the palette
    # threshold: blends between modes, where N(0, 1) codes fall between the encoder's clusters)
    # (spelled out: the round-three preset was lr 1e-3, gain 1, kl 1e-3)
    'bicycle-fast+gan2x2':   (dict(init_gain=1., lambda_kl=1e-3, lambda_GAN2=2.), 1e-3),    # twice the cLR-GAN realism term
    'bicycle-fast+kl3e-3':   (dict(init_gain=1., lambda_kl=3e-3), 1e-3),                    # codes pulled closer to the prior
    'bicycle-fast+lrD2':     (dict(init_gain=1., lambda_kl=1e-3, lr_D_mult=2.), 1e-3),      # D and D2 learn 2x faster (two time scales)
    'bicycle-fast+kl3e-3+lrD2': (dict(init_gain=1., lambda_kl=3e-3, lr_D_mult=2.), 1e-3),
    # fifth round (600 s, flatlin, three seeds): a little more KL
    'bicycle-fast+kl5e-3':   (dict(init_gain=1., lambda_kl=5e-3), 1e-3),
    'bicycle-fast-v1':       (dict(init_gain=1., lambda_kl=1e-3), 1e-3),                    # the preset until round four
    'bicycle-fast-v1-bf16':  (dict(init_gain=1., lambda_kl=1e-3, precision='bf16'), 1e-3),
    # sixth round (issue 19, 600 s, flatlin): the aggregate posterior against N(0, I) -- random z that falls between the
    # encoder's clusters gives blends, and clusters of unequal prior mass give unequal modes
    # (the preset they were added to, round five's, spelled out: the preset itself now carries lambda_mmd=10, so
    # `variant='bicycle-fast'` here would add a second MMD term; lambda_mmd is the library's term, notebook 09)
    'bicycle-fast+mmd1':     (dict(init_gain=1., lambda_kl=3e-3, lambda_mmd=1.), 1e-3),
    'bicycle-fast+mmd10':    (dict(init_gain=1., lambda_kl=3e-3, lambda_mmd=10.), 1e-3),
    'bicycle-fast+mmd100':   (dict(init_gain=1., lambda_kl=3e-3, lambda_mmd=100.), 1e-3),
    'bicycle-fast+mmd10nb':  (dict(init_gain=1., lambda_kl=3e-3, extra=dict(mmd=10., bank=0)), 1e-3),    # this batch's codes only
    'bicycle-fast+mmd30':    (dict(init_gain=1., lambda_kl=3e-3, lambda_mmd=30.), 1e-3),
    # the preset after round six, spelled out (the same options as bicycle-fast+mmd10),
    # and what notebooks 01, 03 and 16 compare with it
    'bicycle-fast-v3':       (dict(init_gain=1., lambda_kl=3e-3, lambda_mmd=10.), 1e-3),
    'bicycle-fast-v3+input': (dict(init_gain=1., lambda_kl=3e-3, lambda_mmd=10., inject='input'), 1e-3),   # z at the input only
    'pix2pix+noise-fast':    (dict(variant='pix2pix+noise', init_gain=1.), 1e-3),     # no encoder, no latent loss: z is ignored
    'bicycle-fast':      (dict(variant='bicycle-fast'), None),
    'bicycle-fast-bf16': (dict(variant='bicycle-fast', precision='bf16'), None),
    'bicycle-fast-fp16': (dict(variant='bicycle-fast', precision='fp16'), None),   # for a GPU without fast bf16 (slow on CPU)
}
# the paper's six objectives (notebook 16), each trained the bicycle-fast way (gain 1, lr 1e-3) so that a short budget separates them
for _v in ('pix2pix+noise', 'cAE-GAN', 'cVAE-GAN', 'cVAE-GAN++', 'cLR-GAN', 'bicycle'): CANDIDATES[f'paper:{_v}'] = (dict(variant=_v, init_gain=1.), 1e-3)
# issue 26: does the latent regression earn its place over cVAE-GAN++? the same two with a ten times weaker KL
for _v in ('cVAE-GAN++', 'bicycle'): CANDIDATES[f'paper:{_v}+kl1e-3'] = (dict(variant=_v, init_gain=1., lambda_kl=1e-3), 1e-3)
# ... and the collusion the frozen encoder prevents: the latent loss trains E as well
CANDIDATES['paper:bicycle+zE'] = (dict(variant='bicycle', init_gain=1., latent_trains_E=True), 1e-3)
# ... and z at the input only against the default, z at every level of the down path (notebook 01)
CANDIDATES['paper:bicycle+input'] = (dict(variant='bicycle', init_gain=1., inject='input'), 1e-3)
ROUND1 = ['default', 'ms', 'gain1', 'warmup', 'lrE5', 'nz4', 'nz2', 'lr1e-3', 'kl1e-3', 'zE']

N_MODES = 10

def jsd_uniform(counts):
    "Jensen-Shannon divergence (nats) between the distribution of `counts` and the uniform one over len(counts)."
    p = np.asarray(counts, float); p = p / max(p.sum(), 1)
    u = np.full_like(p, 1 / len(p)); m = (p + u) / 2
    kl = lambda a, b: float(np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1) / b), 0.)))
    return (kl(p, m) + kl(u, m)) / 2

from bicycle_nb.prior import imq_mmd   # the library's own estimator (notebook 09), also used by the screening wrapper below

class ExtraLoss:
    """Screening only, for the one ablation `lambda_mmd` cannot express (bank=0: this batch's codes only): the learner's
    loss plus the MMD of `PriorMatch.prior_gap` (bicycle_nb.prior), computed here with a bank of `bank` codes."""
    def __init__(self, base, mmd=0., bank=128, n_prior=128):
        self.base, self.mmd, self.bank, self.n_prior, self.mem = base, mmd, bank, n_prior, None
    def __call__(self, pred, B):
        loss = self.base(pred, B)
        if not isinstance(pred, dict) or not self.mmd: return loss     # validation: `pred` is G's output
        z = pred['z_encoded']
        x = z if self.mem is None else torch.cat([z, self.mem])
        loss = loss + self.mmd * imq_mmd(x, torch.randn(self.n_prior, z.size(1), device=z.device))
        if self.bank: self.mem = torch.cat([z.detach(), self.mem])[:self.bank] if self.mem is not None else z.detach()
        return loss

def valid_batch(path, size, n):
    "The first n validation pairs (A, B) as tensors in [-1, 1], with their ground-truth modes."
    from bicycle_nb.data import aligned_dls, read_modes
    dls = aligned_dls(path, size=size, bs=n, flip=False)
    A, B = dls.valid.one_batch()
    modes = read_modes(path)
    files = dls.valid.items[:n]
    return A.cpu(), B.cpu(), np.array([modes[f'val/{Path(f).name}'] for f in files])

def classify(imgs, max_dist):
    from bicycle_nb.data import classify_mode
    out = [classify_mode(im) for im in imgs]
    return np.array([m if d <= max_dist else -1 for m, d in out])

def painted(imgs, ignore=80.):
    "Masks [N, H, W] of pixels that are neither background white nor outline black."
    px = (imgs.clamp(-1, 1) + 1) * 127.5
    far_white = (px - 255.).norm(dim=1) > ignore
    far_black = px.norm(dim=1) > ignore
    return far_white & far_black

def iou(a, b):
    inter, union = (a & b).sum((1, 2)).float(), (a | b).sum((1, 2)).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(inter))

@torch.no_grad()
def evaluate(model, A, B, modes, n_samples=20, max_dist=60., seed=0):
    was = model.training
    model.eval()
    g = torch.Generator().manual_seed(seed)
    N = A.size(0)
    z = torch.randn(N * n_samples, model.nz, generator=g)
    outs = model.G(A.repeat_interleave(n_samples, 0), z)
    cls = classify(outs, max_dist).reshape(N, n_samples)
    coverage = [len(set(r[r >= 0].tolist())) for r in cls]
    counts = np.bincount(cls[cls >= 0], minlength=N_MODES)
    ious = iou(painted(outs), painted(B).repeat_interleave(n_samples, 0))
    res = dict(modes_covered_per_input=float(np.mean(coverage)), modes_covered_std=float(np.std(coverage)),
               realism_valid_colour=float((cls >= 0).mean()), shape_iou=float(ious.mean()),
               jsd_uniform=jsd_uniform(counts), mode_counts=counts.tolist())
    if model.E is not None:
        perm = torch.from_numpy(np.random.default_rng(seed).permutation(N))
        mu = model.E(B)[0]
        enc = classify(model.G(A, mu[perm]), max_dist)          # another input, rendered with the reference's code
        res['encode_accuracy'] = float((enc == modes[perm.numpy()]).mean())
        rec = classify(model.G(A, mu), max_dist)                # its own input: the encoded reconstruction
        res['reconstruction_accuracy'] = float((rec == modes).mean())
        # what the latent regression (cLR-GAN) trains: can E read the random code back from G's output?
        z_back = model.E(outs)[0]
        res['z_recovery_l1'] = float((z_back - z).abs().mean())
        # control: does one code give one colour whatever the outline? n_samples codes shared by all N outlines;
        # per code, the share of outlines painted in that code's commonest colour
        zs = torch.randn(n_samples, model.nz, generator=g)
        by_z = classify(model.G(A.repeat(n_samples, 1, 1, 1), zs.repeat_interleave(N, 0)), max_dist).reshape(n_samples, N)
        res['z_consistency'] = float(np.mean([np.bincount(r[r >= 0], minlength=N_MODES).max() / N if (r >= 0).any() else 0. for r in by_z]))
    else:
        res['encode_accuracy'] = None
    model.train(was)
    return res

def make_budget_cb(seconds, eval_every, eval_fn, schedule='constant'):
    from fastai.callback.core import Callback, CancelFitException
    class CPUBudget(Callback):
        "Stop after `seconds` of this process's CPU time spent training; evaluate every `eval_every` seconds."
        order = 100
        def before_fit(self):
            self.used, self.steps, self.curve, self.next_eval = 0., 0, [], eval_every
            self.base_lr = self.learn.opt.hypers[0]['lr']
            self.t0 = time.process_time()
        def before_batch(self):
            # 'flatlin': the official policy in time units: the base lr for the first half, then linearly to 0
            if self.training and schedule == 'flatlin':
                self.learn.opt.set_hyper('lr', self.base_lr * min(1., 2 * (1 - self.used / seconds)))
        def after_batch(self):
            if not self.training: return
            self.steps += 1
            self.used += time.process_time() - self.t0
            if self.used >= self.next_eval or self.used >= seconds:
                self.curve.append(dict(train_seconds=round(self.used, 1), steps=self.steps, **eval_fn(self.learn.model)))
                print(json.dumps(self.curve[-1]), file=sys.stderr, flush=True)
                self.next_eval += eval_every
            if self.used >= seconds: raise CancelFitException()
            self.t0 = time.process_time()
    return CPUBudget()

def run_one(name, seed, a):
    "Train candidate `name` with `seed` for `a.seconds` CPU seconds; its curve and final figures."
    from bicycle_nb.data import make_shapes, aligned_dls
    from bicycle_nb.learner import bicycle_learner
    torch.set_num_threads(1)
    kw, lr = CANDIDATES[name]
    kw = dict(kw)
    extra = kw.pop('extra', None)
    data = Path(a.data or Path(tempfile.gettempdir())/f'bicycle_nb_shapes_{a.size}')
    path = make_shapes(data, n_train=2000, n_valid=200, size=a.size, seed=0)
    A, B, modes = valid_batch(path, a.size, a.n_eval)
    dls = aligned_dls(path, size=a.size, bs=a.bs, seed=seed)
    learn = bicycle_learner(dls, ngf=a.width, nef=a.width, ndf=a.width, seed=seed, **kw)
    if extra: learn.loss_func = ExtraLoss(learn.loss_func, **extra)
    budget = make_budget_cb(a.seconds, a.eval_every, lambda m: evaluate(m, A, B, modes), a.schedule)
    t0 = time.time()
    with learn.no_bar(), learn.no_logging():
        learn.fit(100_000, lr or learn.lr, cbs=budget)
    res = dict(candidate=name, seed=seed, options=dict(kw, **({'extra': extra} if extra else {})), lr=lr or learn.lr, schedule=a.schedule, cpu_seconds=round(budget.used, 1),
               wall_seconds=round(time.time() - t0, 1), steps=budget.steps,
               seconds_per_step=round(budget.used / max(budget.steps, 1), 4),
               **{k: v for k, v in budget.curve[-1].items() if k not in ('steps', 'train_seconds')}, curve=budget.curve)
    if a.save_model:
        from bicycle_nb.checkpoint import save_checkpoint
        save_checkpoint(learn, Path(a.save_model)/f'{name}_seed{seed}.pth')
    return res

def run_file(a, name, seed): return Path(a.runs)/f'{name}_s{seed}_{a.seconds:g}s{"_" + a.schedule if a.schedule != "constant" else ""}.json'

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['screen', 'final', 'one'])
    ap.add_argument('--candidates', nargs='+', default=None)
    ap.add_argument('--seeds', nargs='+', type=int, default=[0])
    ap.add_argument('--seconds', type=float, default=120)
    ap.add_argument('--eval_every', type=float, default=30)
    ap.add_argument('--schedule', default='constant', choices=['constant', 'flatlin'],
                    help='learning rate over the budget: constant, or flat for half then linear to 0 (the official policy in time)')
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--bs', type=int, default=8)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--n_eval', type=int, default=50)
    ap.add_argument('--jobs', type=int, default=1, help='runs side by side, one thread each')
    ap.add_argument('--reuse', action='store_true', help='skip runs whose JSON is already in --runs')
    ap.add_argument('--summarize', action='store_true', help='run nothing: summarise the finished runs in --runs')
    ap.add_argument('--data', default=None)
    ap.add_argument('--save_model', default=None, help='folder for each run\'s final checkpoint')
    ap.add_argument('--runs', default='bench/results/runs')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    names = a.candidates or ROUND1
    for n in names:
        if n not in CANDIDATES: ap.error(f'unknown candidate {n!r}; choose from {", ".join(CANDIDATES)}')
    if a.mode == 'one':    # a single run (used by the parent process below)
        r = run_one(names[0], a.seeds[0], a)
        Path(a.runs).mkdir(parents=True, exist_ok=True)
        f = run_file(a, names[0], a.seeds[0]); tmp = f.with_suffix('.tmp')
        tmp.write_text(json.dumps(r, indent=1)); os.replace(tmp, f)
        return
    todo = [(n, s) for s in a.seeds for n in names]
    queue, running = ([] if a.summarize else list(todo)), []
    while queue or running:
        while queue and len(running) < a.jobs:
            n, s = queue.pop(0)
            f = run_file(a, n, s)
            if a.reuse and f.exists(): continue
            argv = [sys.executable, __file__, 'one', '--candidates', n, '--seeds', str(s), '--runs', a.runs]
            for k in ('seconds', 'eval_every', 'schedule', 'size', 'bs', 'width', 'n_eval', 'data', 'save_model'):
                if getattr(a, k) is not None: argv += [f'--{k}', str(getattr(a, k))]
            env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
            running.append((n, s, subprocess.Popen(argv, env=env)))
        time.sleep(1)
        for item in list(running):
            if item[2].poll() is not None:
                running.remove(item)
                if item[2].returncode: print(f'run {item[0]} seed {item[1]} failed ({item[2].returncode})', file=sys.stderr)
    runs = {}
    for n, s in todo:
        f = run_file(a, n, s)
        if f.exists(): runs.setdefault(n, []).append(json.loads(f.read_text()))
    summary = {}
    keys = ('modes_covered_per_input', 'jsd_uniform', 'encode_accuracy', 'reconstruction_accuracy', 'z_recovery_l1', 'z_consistency', 'realism_valid_colour', 'shape_iou', 'steps', 'seconds_per_step')
    for n, rs in runs.items():
        # std: the sample standard deviation over seeds (ddof=1), the convention of every '±' in the notebooks and READMEs
        summary[n] = {k: dict(mean=float(np.mean([r[k] for r in rs])), std=float(np.std([r[k] for r in rs], ddof=1 if len(rs) > 1 else 0)),
                              per_seed=[r[k] for r in rs]) for k in keys if rs[0].get(k) is not None}
        summary[n]['seeds'] = [r['seed'] for r in rs]
    out = dict(config=dict(mode=a.mode, seconds=a.seconds, schedule=a.schedule, size=a.size, bs=a.bs, width=a.width, n_eval=a.n_eval,
                           threads_per_run=1, budget='process CPU seconds of training (evaluation excluded)', n_modes=10),
               summary=summary, runs=runs)
    dest = Path(a.out or f'bench/results/quality_{a.mode}.json')
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=1))
    print(json.dumps(dict(config=out['config'], summary=summary), indent=1))

if __name__ == '__main__': main()
