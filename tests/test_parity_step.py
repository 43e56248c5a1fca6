"""The official three-step fixtures replay through the Learner's real training path (fastai loop + BicycleTrainer)
and meet the three calibrated criteria of shared/parity/README.md, for both z injections."""
import os
from pathlib import Path
import pytest, torch
from bicycle_nb.learner import replay_official_steps, step_parity_report

PARITY = Path(os.environ.get('BICYCLE_NB_SHARED', Path(__file__).resolve().parents[2]/'shared'))/'parity'

@pytest.fixture(scope='module', params=[('all', True), ('input', True), ('all', False), ('input', False)],
                ids=['all-fast', 'input-fast', 'all-separate', 'input-separate'])
def replay(request):
    "Both injections, through the fast (batched, default) step and the separate-calls step."
    inject, fast = request.param
    path = PARITY/f'step_unet_128_{inject}.pt'
    assert path.exists(), f'missing parity fixture {path}'   # a missing fixture fails, never skips
    fx = torch.load(path)
    res = replay_official_steps(fx, fast_step=fast)
    return fx, res, step_parity_report(fx, res)

def test_losses_of_every_step(replay):
    fx, res, rep = replay
    assert len(res['losses']) == 3
    assert sorted(res['losses'][0]) == sorted(fx['losses'][0])
    assert rep['loss_rel'] < 1e-5, rep

def test_step1_gradients(replay):
    fx, res, rep = replay
    assert rep['grad_rel'] < 1e-4 and rep['grad_abs'] < 1e-5, rep

def test_three_step_updates(replay):
    fx, res, rep = replay
    for k in ('E', 'D', 'D2'): assert rep['update_rel'][k] < 1e-3, (k, rep)
    assert rep['update_rel']['G'] < 0.15, rep

def test_intermediates_of_step1():
    "mu, logvar and the two fakes of step 1 match too (checked on one fixture; cheap)."
    fx = torch.load(PARITY/'step_unet_128_all.pt')
    res = replay_official_steps(fx, steps=1)
    m = res['learn'].model
    # re-run step 1's forward from the official starting weights
    from bicycle_nb.official import from_official
    for k in ('G', 'E', 'D', 'D2'):
        cfg = dict(netG='unet_128', where_add='all') if k == 'G' else {}
        getattr(m, k).load_state_dict(from_official(fx['before'][k], k[0], **cfg).state_dict())
    b = fx['batches'][0]
    noise = [b['eps'].clone(), b['z_random'].clone()]
    m.draw_noise = lambda n, kind='z', like=None: noise.pop(0)
    m.train()
    out = m(b['A'], B=b['B'])
    ref = fx['intermediates_step1']
    for k in ('fake_B_encoded', 'fake_B_random', 'mu', 'logvar', 'mu2'):
        assert ((out[k] - ref[k]).norm() / ref[k].norm()).item() < 1e-5, k
