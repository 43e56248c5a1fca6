"""Mixed precision: fp16 autocast with one shared loss scaler trains on CPU with finite losses; steps with inf/NaN
gradients are skipped the way torch.amp.GradScaler documents and reported; the scaler's state is part of the
checkpoint, so resume stays exact; `precision=` and the older `bf16=` cannot both be given; the CLI has --precision."""
import warnings
import pytest, torch
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.learner import bicycle_learner, StopAfterSteps, save_checkpoint, load_checkpoint, read_checkpoint

@pytest.fixture(scope='module')
def dls(tmp_path_factory):
    path = make_shapes(tmp_path_factory.mktemp('p')/'shapes', n_train=16, n_valid=4, size=32)
    return aligned_dls(path, size=32, bs=4, seed=0)

def _learner(dls, **kw): return bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=0, **kw)

def _fit(learn, steps):
    with learn.no_bar(), learn.no_logging(): learn.fit(100, learn.lr, cbs=StopAfterSteps(steps))   # 4 steps per epoch

@pytest.mark.parametrize('fast', [True, False], ids=['fast', 'separate'])
def test_fp16_trains_with_finite_losses(dls, fast):
    learn = _learner(dls, precision='fp16', fast_step=fast)
    before = {k: v.clone() for k, v in learn.model.G.state_dict().items()}
    _fit(learn, 4)
    tr = learn.bicycle_trainer
    assert tr.precision == 'fp16' and tr.scaler is not None and tr.step_count == 4
    assert all(torch.isfinite(torch.tensor(list(h.values()))).all() for h in tr.history)
    assert tr.skipped_steps < 4                      # at least one step went through, so G moved
    assert any(not torch.equal(before[k], v) for k, v in learn.model.G.state_dict().items())
    assert all(torch.isfinite(p).all() for p in learn.model.parameters())

def test_skipped_steps_are_skipped_counted_and_reported(dls):
    learn = _learner(dls, precision='fp16')
    tr = learn.bicycle_trainer
    tr.scaler = torch.amp.GradScaler('cpu', init_scale=2. ** 80)   # every gradient overflows fp16 until the scale shrinks
    G0 = {k: v.clone() for k, v in learn.model.G.state_dict().items()}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        _fit(learn, 12)
    msgs = [str(x.message) for x in w]
    assert tr.step_count == 12                                 # every batch counts as a step of the schedule
    assert tr.skipped_steps >= 10 and tr.scaler.get_scale() < 2. ** 80
    assert any('10 steps in a row' in m for m in msgs), msgs   # a run of skipped steps is reported ...
    assert any("of this epoch's steps had inf/NaN gradients" in m for m in msgs), msgs   # ... and so is each epoch's count
    if tr.skipped_steps == 12:                                 # nothing stepped: Adam never counted a step, G never moved
        assert all(torch.equal(G0[k], v) for k, v in learn.model.G.state_dict().items())
        assert not learn.opt.opt.state or all(float(s.get('step', 0)) == 0 for s in learn.opt.opt.state.values())
    assert all(torch.isfinite(p).all() for p in learn.model.parameters())

def test_scaler_state_makes_resume_exact(dls, tmp_path):
    a = _learner(dls, precision='fp16'); _fit(a, 2)
    ck = save_checkpoint(a, tmp_path/'ck.pth')
    assert read_checkpoint(ck)['scaler']['scale'] == a.bicycle_trainer.scaler.get_scale()
    _fit(a, 2)
    b = _learner(dls, precision='fp16'); load_checkpoint(ck, b)
    assert b.bicycle_trainer.scaler.get_scale() == read_checkpoint(ck)['scaler']['scale']
    _fit(b, 2)
    for k, v in a.model.G.state_dict().items(): assert torch.equal(v, b.model.G.state_dict()[k]), k

def test_precision_options(dls):
    assert _learner(dls).bicycle_trainer.precision == 'fp32'
    assert _learner(dls, bf16=True).bicycle_trainer.precision == 'bf16'          # the older spelling still works
    assert _learner(dls, precision='bf16').model.opts['bf16']
    with pytest.raises(ValueError, match='not both'): _learner(dls, precision='fp16', bf16=True)
    with pytest.raises(ValueError, match='precision must be one of'): _learner(dls, precision='fp8')

def test_cli_precision(tmp_path):
    from bicycle_nb.cli import train_main
    out = tmp_path/'run'
    train_main(['--out', str(out), '--size', '32', '--bs', '4', '--ngf', '4', '--nef', '4', '--ndf', '4', '--epochs', '1',
                '--epochs_decay', '0', '--n_train', '8', '--precision', 'fp16', '--threads', '1'])
    ck = read_checkpoint(out/'checkpoint.pth')
    assert ck['opts']['precision'] == 'fp16' and ck['scaler'] is not None

def test_gpu_checkpoint_resumes_on_cpu(dls, tmp_path):
    "The CUDA-only branch of the random state: a checkpoint written on a GPU (with a CUDA RNG state) loads on a CPU machine."
    a = _learner(dls); _fit(a, 1)
    ck = read_checkpoint(save_checkpoint(a, tmp_path/'ck.pth'))
    ck['rng']['cuda'] = [torch.zeros(16, dtype=torch.uint8)]          # what torch.cuda.get_rng_state_all() gives
    torch.save(ck, tmp_path/'gpu.pth')
    b = _learner(dls); load_checkpoint(tmp_path/'gpu.pth', b)
    assert b.resume_epoch == ck['epoch'] and b.bicycle_trainer.step_count == ck['step']
