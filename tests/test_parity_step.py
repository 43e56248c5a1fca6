"""The official three-step fixtures (float64, parity/) replay through the Learner's real training path (fastai loop +
its step callback) and meet the criteria of `parity/replay.py`'s `STEP_CRITERIA`, for both z injections, through the
fast and the separate-calls step, under the default kernels and with oneDNN off on one thread. Each planted
mistake of parity/README.md fails them."""
import sys
from pathlib import Path
import pytest, torch
from bicycle_nb.official import read_fixture, from_official
from bicycle_nb.flows import bicycle_forward
from kernels import SETTINGS, kernels

PARITY = Path(__file__).resolve().parent.parent/'parity'
sys.path.insert(0, str(PARITY))
import planted
from replay import replay_official_steps, step_parity_report, STEP_CRITERIA

CASES = [(inject, fast, setting) for setting in SETTINGS for fast in (True, False) for inject in ('all', 'input')]

@pytest.fixture(scope='module', params=CASES, ids=lambda c: f"{c[0]}-{'fast' if c[1] else 'separate'}-{c[2]}")
def replay(request):
    inject, fast, setting = request.param
    path = PARITY/f'step_unet_128_{inject}.pt'
    assert path.exists(), f'missing parity fixture {path}'   # a missing fixture fails, never skips
    fx = read_fixture(path)
    with kernels(setting): res = replay_official_steps(fx, fast_step=fast)
    return fx, res, step_parity_report(fx, res)

def test_replay_is_float64(replay):
    fx, res, rep = replay
    assert fx['batches'][0]['A'].dtype == torch.float64
    assert all(p.dtype == torch.float64 for p in res['learn'].model.parameters())

def test_losses_of_every_step(replay):
    fx, res, rep = replay
    assert len(res['losses']) == 3
    assert sorted(res['losses'][0]) == sorted(fx['losses'][0])
    assert rep['loss_rel'] < STEP_CRITERIA['loss_rel'], rep

def test_step1_gradients(replay):
    fx, res, rep = replay
    assert rep['grad_rel'] < STEP_CRITERIA['grad_rel'] and rep['grad_abs'] < STEP_CRITERIA['grad_abs'], rep

def test_three_step_updates(replay):
    fx, res, rep = replay
    assert sorted(rep['update_rel']) == ['D', 'D2', 'E', 'G']
    for k, v in rep['update_rel'].items(): assert v < STEP_CRITERIA['update_rel'], (k, rep)

def test_intermediates_of_step1():
    "mu and logvar of E(B1), and mu2 = E(G(A1, z_random)), of step 1 match too."
    fx = read_fixture(PARITY/'step_unet_128_all.pt')
    learn = replay_official_steps(fx, steps=1)['learn']
    m = learn.model
    old = torch.get_default_dtype(); torch.set_default_dtype(torch.float64)
    try:
        for k in ('G', 'E', 'D', 'D2'):   # back to the official starting weights
            cfg = dict(netG='unet_128', where_add='all') if k == 'G' else {}
            getattr(m, k).load_state_dict(from_official(fx['before'][k], k[0], **cfg).state_dict())
        b = fx['batches'][0]
        noise = [b['eps'].clone(), b['z_random'].clone()]
        m.train()
        out = bicycle_forward(m, b['A'], b['B'], learn.recipe, noise=lambda n, nz, like, kind='z': noise.pop(0))
    finally: torch.set_default_dtype(old)
    for k in ('mu', 'logvar', 'mu2'):
        ref = fx['intermediates_step1'][k]
        assert ((out[k].double() - ref.double()).norm() / ref.double().norm()).item() < 1e-6, k

@pytest.mark.parametrize('name,plant,ctx', planted.PLANTS[1:], ids=[p[0] for p in planted.PLANTS[1:]])
def test_planted_mistake_fails(name, plant, ctx):
    fx = read_fixture(PARITY/'step_unet_128_input.pt')
    with ctx(): rep = step_parity_report(fx, replay_official_steps(fx, fast_step=False, plant=plant))
    assert not rep['ok'], (name, rep)
