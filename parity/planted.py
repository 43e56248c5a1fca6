"""Do the step-parity criteria catch real mistakes? Plant each one in our training path and replay.

Usage:  python parity/planted.py [--fixtures parity]

Prints a Markdown table (the one in this folder's README): for each planted mistake and each step fixture,
the worst loss, gradient and update errors of the float64 replay, and whether the criteria pass.
"""
import argparse, contextlib
from pathlib import Path
import torch
import bicycle_nb.flows as flows
from bicycle_nb.flows import d_losses
from bicycle_nb.training import set_requires_grad
from bicycle_nb.official import read_fixture
from replay import replay_official_steps, step_parity_report

HERE = Path(__file__).resolve().parent


def d_beta_09(learn):
    "D and D2 with Adam's beta1 = 0.9 instead of 0.5."
    tr = learn.bicycle_step
    tr.create_opts()
    for o in (tr.opt_D, tr.opt_D2):
        for g in o.param_groups: g['betas'] = (0.9, 0.999)

def latent_trains_E(learn):
    "The latent loss |E(G(A, z)) - z| also trains E."
    learn.recipe.latent_trains_E = True

def D_before_G(learn):
    "D and D2 step first, on the fakes of this batch; then G and E train against the updated discriminators."
    tr, m = learn.bicycle_step, learn.model
    tr.create_opts()
    steps, make_fakes = {id(o): o.step for o in (tr.opt_D, tr.opt_D2)}, tr.fakes_from
    def fakes_then_D(pred):
        make_fakes(pred)
        set_requires_grad([m.D, m.D2], True)
        dl = d_losses(m, {k: (v.detach() if torch.is_tensor(v) else v) for k, v in tr.out.items()}, learn.recipe)
        for o, k in ((tr.opt_D, 'D'), (tr.opt_D2, 'D2')):
            o.zero_grad(); dl[k].backward(); steps[id(o)]()
        set_requires_grad([m.D, m.D2], tr.reuse_scores)
    tr.fakes_from = fakes_then_D
    for o in (tr.opt_D, tr.opt_D2): o.step = lambda *a, **k: None   # the usual update after G's has been done above

def fastai_adam(learn):
    "fastai's Adam defaults on every network: betas (0.9, 0.99), eps 1e-5, decoupled weight decay 0.01."
    from fastai.optimizer import Adam
    tr, m = learn.bicycle_step, learn.model
    learn.opt_func = Adam; learn.create_opt()
    tr.opt_D, tr.opt_D2 = [torch.optim.AdamW(n.parameters(), lr=learn.recipe.lr, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
                           for n in (m.D, m.D2)]

def lambda_L1_plus_10_percent(learn):
    "lambda_L1 = 11 instead of 10."
    learn.recipe.lambda_L1 *= 1.1

@contextlib.contextmanager
def kl_as_mean():
    "The KL term averaged over batch and dimensions instead of summed."
    orig = flows.kl_loss
    flows.kl_loss = lambda mu, logvar: torch.mean(1 + logvar - mu.pow(2) - logvar.exp()) * -0.5
    try: yield
    finally: flows.kl_loss = orig

PLANTS = [('none (the faithful step)', None, contextlib.nullcontext), ("D's beta1 0.9", d_beta_09, contextlib.nullcontext),
          ('E trained by the latent loss', latent_trains_E, contextlib.nullcontext), ('D updated before G', D_before_G, contextlib.nullcontext),
          ("fastai's Adam defaults", fastai_adam, contextlib.nullcontext), ('lambda_L1 off by 10 %', lambda_L1_plus_10_percent, contextlib.nullcontext),
          ('KL as a mean, not a sum', None, kl_as_mean)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--fixtures', default=str(HERE))
    a = p.parse_args(argv)
    print('| planted mistake | fixture | loss | step-1 gradient | 3-step update (worst net) | criteria |')
    print('|---|---|---|---|---|---|')
    for name, plant, ctx in PLANTS:
        for where in ('all', 'input'):
            fx = read_fixture(Path(a.fixtures)/f'step_unet_128_{where}.pt')
            with ctx(): rep = step_parity_report(fx, replay_official_steps(fx, plant=plant))
            print(f"| {name} | {where} | {rep['loss_rel']:.1e} | {rep['grad_rel']:.1e} | {max(rep['update_rel'].values()):.1e} | "
                  f"{'pass' if rep['ok'] else 'FAIL'} |", flush=True)


if __name__ == '__main__': main()
