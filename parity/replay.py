"""Replay the official three-step fixtures through `bicycle_learner`'s real training path (fastai loop and the step
callback), in the fixture's dtype, and compare with the official losses, step-1 gradients and 3-step updates.
The parity tests (tests/test_parity_step.py) and notebook 11 use it; it is not part of the wheel."""
import torch
from fastai.basics import Callback
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from bicycle_nb.official import from_official, to_official_names
from bicycle_nb.learner import bicycle_learner

class KeepFloat64(Callback):
    "fastai keeps its smoothed loss in float32 (`tensor()`): a float64 run keeps it in the loss's dtype."
    order = 55
    def after_loss(self):
        sl = getattr(getattr(self.learn, 'recorder', None), 'smooth_loss', None)
        if sl is not None and self.learn.loss.dtype == torch.float64: sl.val = sl.val.double()

class Capture(Callback):
    "Records the step-1 gradients (G and E before `learn.opt` steps, D and D2 before theirs) and the weights after `steps` steps."
    order = -6
    def __init__(self, res, steps): self.res, self.steps = res, steps
    def before_step(self):
        if self.iter == 0:
            for k in ('G', 'E'): self.res['grads'][k] = {n: p.grad.clone() for n, p in getattr(self.model, k).named_parameters()}
    def before_D_step(self):
        step = self.learn.bicycle_step
        if step.n_steps == 0:
            k = 'D' if step.d_opt is step.opt_D else 'D2'
            self.res['grads'][k] = {n: p.grad.clone() for n, p in getattr(self.model, k).named_parameters()}
    def after_batch(self):
        if self.iter == self.steps - 1:
            self.res['after'] = {k: {n: p.detach().clone() for n, p in getattr(self.model, k).state_dict().items()} for k in ('G', 'E', 'D', 'D2')}

def fixture_learner(fixture, steps=3, fast_step=True, device=None):
    "A `bicycle_learner` with the fixture's options and official starting weights, on its batches, with its noise injected."
    o = fixture['options']
    items = [(b['A'][i], b['B'][i]) for b in fixture['batches'][:steps] for i in range(b['A'].size(0))]
    dls = DataLoaders(DataLoader(items, bs=o['batch_size'], shuffle=False), DataLoader(items[:o['batch_size']], bs=o['batch_size']), device=device)
    learn = bicycle_learner(dls, nz=o['nz'], ngf=o['ngf'], nef=o['nef'], ndf=o['ndf'], inject=o['where_add'],
                            netE=o['netE'].split('_')[0], norm=o['norm'], nl=o['nl'], upsample=o['upsample'],
                            dropout=o['use_dropout'], num_Ds=o['num_Ds'], gan_mode=o['gan_mode'], lambda_L1=o['lambda_L1'],
                            lambda_GAN=o['lambda_GAN'], lambda_GAN2=o['lambda_GAN2'], lambda_z=o['lambda_z'],
                            lambda_kl=o['lambda_kl'], use_same_D=o['use_same_D'], conditional_D=o['conditional_D'],
                            lr=o['lr'], beta1=o['beta1'], fast_step=fast_step, cbs=KeepFloat64())
    m = learn.model
    for k in ('G', 'E', 'D', 'D2'):
        cfg = dict(netG=o['netG'], where_add=o['where_add']) if k == 'G' else {}
        getattr(m, k).load_state_dict(from_official(fixture['before'][k], k[0], **cfg).state_dict())
    m.to(device)
    noise = [t.to(device) for b in fixture['batches'][:steps] for t in (b['eps'], b['z_random'])]
    learn.bicycle_step.noise = lambda n, nz, like, kind='z': noise.pop(0).clone()   # the official eps and z, in order
    return learn

def replay_official_steps(fixture, steps=3, fast_step=True, plant=None, device=None):
    "Replay a step fixture (from `read_fixture`) through `bicycle_learner`'s real training path; returns what happened."
    dtype = fixture['batches'][0]['A'].dtype
    old = torch.get_default_dtype(); torch.set_default_dtype(dtype)
    try:
        learn = fixture_learner(fixture, steps, fast_step, torch.device(device or 'cpu'))
        res = dict(grads={}, after={})
        if plant is not None: plant(learn)
        with learn.no_bar(), learn.no_logging(): learn.fit(1, fixture['options']['lr'], cbs=Capture(res, steps))
    finally: torch.set_default_dtype(old)
    res.update(losses=learn.loss_log.history[:steps], learn=learn)
    return res

STEP_CRITERIA = dict(loss_rel=1e-9, grad_rel=1e-6, grad_abs=1e-12, update_rel=1e-6)

def step_parity_report(fixture, res):
    "Worst loss error, worst step-1 gradient error (relative, or absolute where the official one is ~0) and 3-step update error per network, with `ok` against `STEP_CRITERIA`."
    rel = lambda a, b: ((a.double().cpu() - b.double()).norm() / b.double().norm()).item()
    loss_rel = max(abs(r[k] - f[k]) / abs(f[k]) for r, f in zip(res['losses'], fixture['losses']) for k in f)
    m = res['learn'].model
    grad_rel = grad_abs = 0.
    for k in ('G', 'E', 'D', 'D2'):
        ours = to_official_names(k, getattr(m, k), res['grads'][k])
        for n, ref in fixture['grads_step1'][k].items():
            if ref.norm() > 1e-10: grad_rel = max(grad_rel, rel(ours[n], ref))
            else: grad_abs = max(grad_abs, (ours[n].double().cpu() - ref.double()).abs().max().item())
    update_rel = {}
    for k, d in fixture['update_step3'].items():
        ours, before = to_official_names(k, getattr(m, k), res['after'][k]), fixture['before'][k]
        update_rel[k] = rel(torch.cat([(ours[n].double().cpu() - before[n].double()).flatten() for n in d]),
                            torch.cat([d[n].flatten() for n in d]))
    c = STEP_CRITERIA
    ok = (loss_rel < c['loss_rel'] and grad_rel < c['grad_rel'] and grad_abs < c['grad_abs']
          and all(v < c['update_rel'] for v in update_rel.values()))
    return dict(loss_rel=loss_rel, grad_rel=grad_rel, grad_abs=grad_abs, update_rel=update_rel, ok=ok)
