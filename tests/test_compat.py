"""Files written before the structure change still load: a checkpoint written by main at 9f9ec5c (format version 1,
one flat dict of options; tests/data, made with tests/tiny.py's setup, bicycle-fast, 3 steps) gives the outputs it
gave then, resumes into today's learner with its recipe, optimisers, loss scale and code bank, and the shipped model
(also version 1) loads."""
from pathlib import Path
import pytest, torch
from tiny import tiny_dls, tiny_learner, fit_steps
from bicycle_nb.learner import bicycle_learner
from bicycle_nb.checkpoint import read_checkpoint, load_checkpoint, save_checkpoint, checkpoint_options
from bicycle_nb.inference import sample
from bicycle_nb.models import pretrained_shapes
from bicycle_nb.losses import VARIANTS

DATA = Path(__file__).resolve().parent/'data'
OLD = DATA/'checkpoint_v1_main_9f9ec5c.pth'

def test_old_checkpoint_gives_its_outputs():
    ref = torch.load(DATA/'checkpoint_v1_main_9f9ec5c_outputs.pt', weights_only=True)
    m = load_checkpoint(OLD)
    _, recipe = checkpoint_options(read_checkpoint(OLD))
    assert (m.arch.ngf, m.arch.size, recipe.variant, recipe.lambda_mmd, recipe.lambda_kl) == (4, 32, 'bicycle-fast', 10., 0.003)
    assert recipe.lr == VARIANTS['bicycle-fast'].lr == 1e-3          # version 1 stored no lr: its variant's, not the official default
    nets = read_checkpoint(OLD)['nets']
    for k in ('G', 'E', 'D', 'D2'):                     # every weight loaded where it belongs
        for n, t in getattr(m, k).state_dict().items(): assert torch.equal(t, nets[k][n]), (k, n)
    # the same function: outputs in [-1, 1] within 1e-4 (kernels differ: oneDNN off on one thread moved them by 4e-6,
    # while a misplaced layer or a wrong architecture moves them by 1e-1 or more)
    torch.testing.assert_close(sample(m, ref['A'], n=1, z=ref['z']), ref['out'], rtol=0, atol=1e-4)
    torch.testing.assert_close(m.E(ref['A'])[0].detach(), ref['mu'], rtol=0, atol=1e-4)

def test_old_checkpoint_resumes(tmp_path):
    learn = tiny_learner(tiny_dls(tmp_path), variant='bicycle-fast')
    load_checkpoint(OLD, learn)
    ck = read_checkpoint(OLD)
    assert learn.bicycle_step.n_steps == ck['step'] == 3
    assert torch.equal(learn.prior_match.code_bank, ck['code_bank'])
    assert learn.bicycle_step.opt_D.state_dict()['state'][0]['step'] == ck['opt']['D']['state'][0]['step']
    fit_steps(learn, 2)
    assert learn.bicycle_step.n_steps == 5 and learn.prior_match.code_bank.size(0) == 10
    new = read_checkpoint(save_checkpoint(learn, tmp_path/'new.pth'))
    assert new['version'] == 2 and new['recipe']['lambda_mmd'] == 10. and new['arch']['ngf'] == 4

def test_old_checkpoint_refuses_another_architecture(tmp_path):
    with pytest.raises(ValueError, match='trained with ngf=4 but this learner has ngf=8'):
        load_checkpoint(OLD, bicycle_learner(tiny_dls(tmp_path), variant='bicycle-fast', ngf=8, nef=4, ndf=4))

def test_shipped_model_loads():
    m = pretrained_shapes()
    assert m.arch.size == 64 and m.info['variant'] == 'bicycle-fast' and m.D is None and not m.training
    assert sample(m, torch.zeros(1, 3, 64, 64), n=2, seed=0).shape == (1, 2, 3, 64, 64)
