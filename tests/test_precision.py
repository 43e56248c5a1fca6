"""Mixed precision: fp16 autocast with one shared loss scaler trains on CPU with finite losses; steps with inf/NaN
gradients are skipped the way torch.amp.GradScaler documents and reported; the scaler's state is part of the
checkpoint, so resume stays exact; precision is a recipe option, checked; the CLI has --precision."""
import warnings
import pytest, torch
from tiny import tiny_dls, tiny_learner, fit_steps
from bicycle_nb.checkpoint import save_checkpoint, load_checkpoint, read_checkpoint

@pytest.fixture(scope='module')
def dls(tmp_path_factory): return tiny_dls(tmp_path_factory.mktemp('p'))

@pytest.mark.parametrize('fast', [True, False], ids=['fast', 'separate'])
def test_fp16_trains_with_finite_losses(dls, fast):
    learn = tiny_learner(dls, precision='fp16', fast_step=fast)
    before = {k: v.clone() for k, v in learn.model.G.state_dict().items()}
    fit_steps(learn, 4)
    mp = learn.bicycle_mixed_precision
    assert mp.precision == 'fp16' and mp.scaler is not None and learn.bicycle_step.n_steps == 4
    assert all(torch.isfinite(torch.tensor(list(h.values()))).all() for h in learn.loss_log.history)
    assert mp.skipped_steps < 4                      # at least one step went through, so G moved
    assert any(not torch.equal(before[k], v) for k, v in learn.model.G.state_dict().items())
    assert all(torch.isfinite(p).all() for p in learn.model.parameters())

def test_skipped_steps_are_skipped_counted_and_reported(dls):
    learn = tiny_learner(dls, precision='fp16')
    mp = learn.bicycle_mixed_precision
    mp.scaler = torch.amp.GradScaler('cpu', init_scale=2. ** 80)   # every gradient overflows fp16 until the scale shrinks
    G0 = {k: v.clone() for k, v in learn.model.G.state_dict().items()}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        fit_steps(learn, 12)
    msgs = [str(x.message) for x in w]
    assert learn.bicycle_step.n_steps == 12                    # every batch counts as a step of the schedule
    assert mp.skipped_steps >= 10 and mp.scaler.get_scale() < 2. ** 80
    assert any('10 steps in a row' in m for m in msgs), msgs   # a run of skipped steps is reported ...
    assert any("of this epoch's steps had inf/NaN gradients" in m for m in msgs), msgs   # ... and so is each epoch's count
    if mp.skipped_steps == 12:                                 # nothing stepped: Adam never counted a step, G never moved
        assert all(torch.equal(G0[k], v) for k, v in learn.model.G.state_dict().items())
        assert not learn.opt.opt.state or all(float(s.get('step', 0)) == 0 for s in learn.opt.opt.state.values())
    assert all(torch.isfinite(p).all() for p in learn.model.parameters())

def test_scaler_state_makes_resume_exact(dls, tmp_path):
    a = tiny_learner(dls, precision='fp16'); fit_steps(a, 2)
    ck = save_checkpoint(a, tmp_path/'ck.pth')
    assert read_checkpoint(ck)['cbs']['bicycle_mixed_precision']['scaler']['scale'] == a.bicycle_mixed_precision.scaler.get_scale()
    fit_steps(a, 2)
    b = tiny_learner(dls, precision='fp16'); load_checkpoint(ck, b)
    assert b.bicycle_mixed_precision.scaler.get_scale() == read_checkpoint(ck)['cbs']['bicycle_mixed_precision']['scaler']['scale']
    fit_steps(b, 2)
    for k, v in a.model.G.state_dict().items(): assert torch.equal(v, b.model.G.state_dict()[k]), k

def test_precision_options(dls):
    fp32 = tiny_learner(dls)
    assert fp32.recipe.precision == 'fp32' and not hasattr(fp32, 'bicycle_mixed_precision')   # full precision: no autocast callback
    bf16 = tiny_learner(dls, precision='bf16')
    assert bf16.recipe.precision == 'bf16' and bf16.bicycle_mixed_precision.precision == 'bf16'
    with pytest.raises(ValueError, match='precision must be one of'): tiny_learner(dls, precision='fp8')

def test_cli_precision(tmp_path):
    from bicycle_nb.cli import train_main
    out = tmp_path/'run'
    train_main(['--out', str(out), '--size', '32', '--bs', '4', '--ngf', '4', '--nef', '4', '--ndf', '4', '--epochs', '1',
                '--epochs_decay', '0', '--n_train', '8', '--precision', 'fp16', '--threads', '1'])
    ck = read_checkpoint(out/'checkpoint.pth')
    assert ck['recipe']['precision'] == 'fp16' and ck['cbs']['bicycle_mixed_precision']['scaler'] is not None

def test_gpu_checkpoint_resumes_on_cpu(dls, tmp_path):
    "The CUDA-only branch of the random state: a checkpoint written on a GPU (with a CUDA RNG state) loads on a CPU machine."
    a = tiny_learner(dls); fit_steps(a, 1)
    ck = read_checkpoint(save_checkpoint(a, tmp_path/'ck.pth'))
    ck['rng']['cuda'] = [torch.zeros(16, dtype=torch.uint8)]          # what torch.cuda.get_rng_state_all() gives
    torch.save(ck, tmp_path/'gpu.pth')
    b = tiny_learner(dls); load_checkpoint(tmp_path/'gpu.pth', b)
    assert b.resume_epoch == ck['epoch'] and b.bicycle_step.n_steps == ck['step']
