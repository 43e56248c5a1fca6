"""Seconds per BicycleGAN training step: our Learner path against a baseline built like the official step.

Configurations: (a) 256x256, batch 2, default widths (the official recipe); (b) 128x128, batch 8, widths 16.
For each, in one process, alternating 3 times: the baseline (one G call per flow, the latent loss as a second
backward pass with E frozen, separate D calls for reals and fakes, four torch Adams, z concatenated as tiled maps),
ours in float32 (the real fastai Learner path: batched flows, D's fake scores reused by D's update, one backward,
fused Adam, ConvCatZ), and ours with bf16 autocast. Medians and ratios to
the baseline. Then FLOPs per step (torch.utils.flop_counter) over the measured float32 rate of a 4x4 stride-2
convolution: the step's floor on this machine. Peak memory per configuration and variant comes from a separate
subprocess each (peak RSS never goes down within a process; on a GPU: CUDA max allocated).

    python bench/step.py                 # both configurations, prints JSON
    python bench/step.py --configs b --steps 5 --compile
"""
import argparse, json, os, statistics, subprocess, sys, time
import torch
from torch.utils.flop_counter import FlopCounterMode
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import machine, describe

CONFIGS = dict(a=dict(size=256, bs=2, width=64), b=dict(size=128, bs=8, width=16))

def device(): return 'cuda' if torch.cuda.is_available() else 'cpu'
def sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

def make_data(cfg, n_batches=4):
    g = torch.Generator().manual_seed(0)
    return [(torch.rand(cfg['bs'], 3, cfg['size'], cfg['size'], generator=g) * 2 - 1,
             torch.rand(cfg['bs'], 3, cfg['size'], cfg['size'], generator=g) * 2 - 1) for _ in range(n_batches)]

# ---------------- the baseline: the official step, written out ----------------
class OfficialStep:
    "The official BicycleGAN update: separate G calls per flow, backward_EG then backward_G_alone with E frozen, then D, D2."
    def __init__(self, cfg, lr=2e-4):
        from bicycle_nb.models import bicycle_model
        # a plain `UnetG` (not switched to `FastUnetG` by `fast_z`): z fed the official way, as concatenated tiled maps
        self.m = bicycle_model(cfg['size'], ngf=cfg['width'], nef=cfg['width'], ndf=cfg['width'], dropout=True).to(device()).train()
        mk = lambda net: torch.optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_G, self.opt_E, self.opt_D, self.opt_D2 = mk(self.m.G), mk(self.m.E), mk(self.m.D), mk(self.m.D2)

    def step(self, A, B):
        from bicycle_nb.losses import gan_loss, l1_loss, kl_loss, latent_l1
        m = self.m
        A, B = A.to(device()), B.to(device())
        h = A.size(0) // 2
        A1, B1, A2, B2 = A[:h], B[:h], A[h:], B[h:]
        mu, logvar = m.E(B1)
        z_enc = torch.randn_like(mu) * torch.exp(0.5 * logvar) + mu
        fake_enc = m.G(A1, z_enc)
        z_rand = torch.randn_like(mu)
        fake_rand = m.G(A1, z_rand)
        mu2 = m.E(fake_rand)[0]
        for net in (m.D, m.D2): net.requires_grad_(False)
        self.opt_G.zero_grad(); self.opt_E.zero_grad()
        loss = gan_loss(m.D(fake_enc), True) + gan_loss(m.D2(fake_rand), True) + 10 * l1_loss(fake_enc, B1) + 0.01 * kl_loss(mu, logvar)
        loss.backward(retain_graph=True)
        m.E.requires_grad_(False)
        (0.5 * latent_l1(mu2, z_rand)).backward()           # backward_G_alone: a second pass through G
        m.E.requires_grad_(True)
        self.opt_E.step(); self.opt_G.step()
        for net in (m.D, m.D2): net.requires_grad_(True)
        for D, opt, real, fake in ((m.D, self.opt_D, B1, fake_enc), (m.D2, self.opt_D2, B2, fake_rand)):
            opt.zero_grad()
            (gan_loss(D(fake.detach()), False) + gan_loss(D(real), True)).backward()
            opt.step()

    def run(self, data, steps):
        ts = []
        for i in range(steps):
            sync(); t = time.perf_counter(); self.step(*data[i % len(data)]); sync(); ts.append(time.perf_counter() - t)
        return ts

# ---------------- ours: the real Learner path ----------------
class Ours:
    def __init__(self, cfg, precision='fp32', compile=False, lr=2e-4):
        from fastai.data.core import DataLoaders
        from fastai.data.load import DataLoader
        from bicycle_nb.learner import bicycle_learner
        from fastai.callback.core import Callback
        items = [(a[i], b[i]) for a, b in make_data(cfg) for i in range(a.size(0))]
        dls = DataLoaders(DataLoader(items, bs=cfg['bs'], shuffle=False, drop_last=True),
                          DataLoader(items[:cfg['bs']], bs=cfg['bs']), device=device())
        self.learn = bicycle_learner(dls, ngf=cfg['width'], nef=cfg['width'], ndf=cfg['width'], compile=compile, lr=lr,
                                     precision=precision)
        self.learn.model.to(device())
        outer = self
        class Timer(Callback):
            order = -100
            def before_batch(self): sync(); self.t = time.perf_counter()
            def after_batch(self):
                if self.training: sync(); outer.times.append(time.perf_counter() - self.t)
        self.timer = Timer()

    def run(self, data, steps):
        from bicycle_nb.training import StopAfterSteps
        self.times = []
        with self.learn.no_bar(), self.learn.no_logging():
            self.learn.fit(1000, self.learn.lr, cbs=[StopAfterSteps(steps), self.timer])
        return self.times

def variant(cfg, name):
    if name == 'baseline': return OfficialStep(cfg)
    return Ours(cfg, precision='fp16' if name.endswith('fp16') else 'bf16' if name.endswith('bf16') else 'fp32', compile='compile' in name)

def count_flops(cfg):
    "FLOPs of one of our training steps (forward + backward of G/E, then the D steps)."
    v = Ours(cfg)
    v.run(None, 1)                          # build the optimiser states outside the count
    with FlopCounterMode(display=False) as fc: v.run(None, 1)
    return fc.get_total_flops()

def conv_rate(reps=5):
    "Measured float32 rate (FLOP/s) of a 4x4 stride-2 convolution (the most common layer of G and D)."
    conv = torch.nn.Conv2d(64, 128, 4, 2, 1).to(device())
    x = torch.randn(4, 64, 128, 128, device=device())
    with torch.no_grad():
        with FlopCounterMode(display=False) as fc: conv(x)
        flops = fc.get_total_flops()
        conv(x); sync()
        ts = []
        for _ in range(reps):
            t = time.perf_counter(); conv(x); sync(); ts.append(time.perf_counter() - t)
    return flops / statistics.median(ts)

def peak_memory(cfg_name, name, steps):
    "Peak memory of `steps` steps of one variant, measured in a fresh subprocess."
    r = subprocess.run([sys.executable, __file__, '--memory_of', cfg_name, name, '--steps', str(steps)], capture_output=True, text=True)
    if r.returncode: return dict(error=r.stderr[-500:])
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--configs', nargs='+', default=['a', 'b'], choices=list(CONFIGS))
    ap.add_argument('--steps', type=int, default=3, help='timed steps per variant per round')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--compile', action='store_true', help='also time torch.compile (slow to compile on CPU)')
    ap.add_argument('--no_memory', action='store_true')
    ap.add_argument('--memory_of', nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument('--out', default='bench/results/step.json')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.memory_of:
        cfg_name, name = a.memory_of
        cfg = CONFIGS[cfg_name]
        v = variant(cfg, name); v.run(make_data(cfg), a.steps)
        if torch.cuda.is_available(): peak = dict(cuda_max_allocated_mb=torch.cuda.max_memory_allocated() / 2**20)
        else:   # VmHWM: this process's peak resident set (ru_maxrss would carry the parent's peak across exec)
            hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))
            peak = dict(peak_rss_mb=round(int(hwm.split()[1]) / 1024, 1))
        print(json.dumps(peak)); return
    names = ['baseline', 'ours', 'ours_bf16'] + (['ours_compile'] if a.compile else [])
    res = dict(device=torch.cuda.get_device_name() if torch.cuda.is_available() else f'CPU ({a.threads} threads)',
               machine=machine(threads=a.threads), torch=torch.__version__, configs={})
    rate = conv_rate()
    res['conv4x4_gflops_per_s'] = round(rate / 1e9, 1)
    for c in a.configs:
        cfg = CONFIGS[c]
        data = make_data(cfg)
        vs = {n: variant(cfg, n) for n in names}
        for n, v in vs.items(): v.run(data, 1)                     # warm-up (and compilation)
        times = {n: [] for n in names}
        for r in range(a.rounds):                                  # alternate the variants
            for n in names: times[n] += vs[n].run(data, a.steps)
            print(json.dumps({c: {n: round(statistics.median(t), 4) for n, t in times.items()}}), file=sys.stderr, flush=True)
        del vs
        med = {n: statistics.median(t) for n, t in times.items()}
        flops = count_flops(cfg)
        out = dict(**cfg, seconds_per_step={n: round(v, 4) for n, v in med.items()},
                   ratio_to_baseline={n: round(med[n] / med['baseline'], 3) for n in names if n != 'baseline'},
                   gflop_per_step=round(flops / 1e9, 1), floor_seconds=round(flops / rate, 3),
                   ours_over_floor=round(med['ours'] / (flops / rate), 2))
        if not a.no_memory: out['peak_memory'] = {n: peak_memory(c, n, 2) for n in names if n != 'ours_compile'}
        res['configs'][c] = out
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, 'w') as f: json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))

if __name__ == '__main__': main()
