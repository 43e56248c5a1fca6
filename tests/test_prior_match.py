"""lambda_mmd (the bicycle-fast preset's aggregate-posterior term, `PriorMatch`, notebook 09): it is logged, it trains E towards
codes that fill N(0, I), its recent codes are part of the checkpoint (resume stays exact), and it is off in the
faithful recipe."""
import pytest, torch
from tiny import tiny_dls, tiny_learner, fit_steps
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.losses import VARIANTS
from bicycle_nb.checkpoint import save_checkpoint, load_checkpoint, read_checkpoint
from bicycle_nb.prior import imq_mmd

@pytest.fixture(scope='module')
def dls(tmp_path_factory): return tiny_dls(tmp_path_factory.mktemp('m'))

def test_imq_mmd_separates_distributions():
    g = torch.Generator().manual_seed(0)
    same = imq_mmd(torch.randn(300, 8, generator=g), torch.randn(300, 8, generator=g))
    shifted = imq_mmd(torch.randn(300, 8, generator=g) * .3 + .5, torch.randn(300, 8, generator=g))
    assert abs(same) < 5e-3 and shifted > 0.1

def test_faithful_recipe_has_no_mmd(dls):
    learn = tiny_learner(dls); fit_steps(learn, 2)
    assert learn.recipe.lambda_mmd == 0 and 'mmd' not in learn.loss_log.history[-1]
    assert learn.prior_match.code_bank is None

def test_mmd_is_logged_and_banks_codes(dls):
    learn = tiny_learner(dls, lambda_mmd=10.); fit_steps(learn, 3)
    pm = learn.prior_match
    vals = [h['mmd'] for h in learn.loss_log.history]     # the unbiased estimate of a handful of codes may dip below 0
    assert len(vals) == 3 and torch.isfinite(torch.tensor(vals)).all() and any(v != 0 for v in vals)
    assert pm.code_bank.shape == (3 * 2, 8) and not pm.code_bank.requires_grad   # 2 codes per step (half of bs 4)
    assert 'mmd' in learn.recorder.metric_names

def test_mmd_reaches_E(dls):
    learn = tiny_learner(dls, lambda_mmd=10.)
    learn.model.train()
    A, B = dls.one_batch()
    z = learn.model.E(B)[0]
    gap = learn.prior_match.prior_gap(z)
    grads = torch.autograd.grad(gap, list(learn.model.E.parameters()), allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)

def test_code_bank_makes_resume_exact(dls, tmp_path):
    a = tiny_learner(dls, lambda_mmd=10.); fit_steps(a, 2)
    ck = save_checkpoint(a, tmp_path/'ck.pth')
    assert torch.equal(read_checkpoint(ck)['cbs']['prior_match']['code_bank'], a.prior_match.code_bank)
    fit_steps(a, 2)
    b = tiny_learner(dls, lambda_mmd=10.); load_checkpoint(ck, b)
    fit_steps(b, 2)
    for k, v in a.model.E.state_dict().items(): assert torch.equal(v, b.model.E.state_dict()[k]), k

def test_bicycle_fast_preset_uses_it():
    assert VARIANTS['bicycle-fast'].lambda_mmd > 0 and VARIANTS['bicycle'].lambda_mmd == 0

def test_batch_of_two_has_one_code_at_first(tmp_path_factory):
    "bs=2 gives one code per step: the first step has no pair to compare, and training goes on (the bank fills)."
    path = make_shapes(tmp_path_factory.mktemp('m2')/'shapes', n_train=4, n_valid=2, size=32)
    learn = tiny_learner(aligned_dls(path, size=32, bs=2, seed=0), lambda_mmd=10.); fit_steps(learn, 3)
    vals = [h['mmd'] for h in learn.loss_log.history]
    assert vals[0] == 0 and all(torch.isfinite(torch.tensor(vals))) and learn.prior_match.code_bank.shape == (3, 8)

def test_imq_mmd_refuses_single_samples():
    with pytest.raises(ValueError, match='at least two samples'): imq_mmd(torch.zeros(1, 8), torch.randn(5, 8))
