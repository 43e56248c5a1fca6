"Repeatability and validation behaviour of bicycle_learner (tiny settings: 32 px, widths 4)."
import tempfile
from pathlib import Path
import pytest, torch
from fastai.basics import Callback, CancelFitException
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.training import StopAfterSteps
from bicycle_nb.learner import bicycle_learner

@pytest.fixture(scope='module')
def shapes():
    return make_shapes(Path(tempfile.mkdtemp())/'shapes', n_train=16, n_valid=8, size=32)

def _weights(learn):
    return {f'{k}.{n}': p.detach().clone() for k in ('G', 'E', 'D', 'D2') for n, p in getattr(learn.model, k).state_dict().items()}

def _train(shapes, seed, steps=3):
    dls = aligned_dls(shapes, size=32, bs=4, seed=seed)
    learn = bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=seed)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 2e-4, cbs=StopAfterSteps(steps))
    return learn

def test_same_seed_same_run(shapes):
    a, b = _weights(_train(shapes, 3)), _weights(_train(shapes, 3))
    assert all(torch.equal(a[k], b[k]) for k in a)

def test_other_seed_other_run(shapes):
    a, b = _weights(_train(shapes, 3)), _weights(_train(shapes, 4))
    assert any(not torch.equal(a[k], b[k]) for k in a if a[k].is_floating_point())

def test_validation_steps_nothing(shapes):
    learn = _train(shapes, 0, steps=1)
    before = _weights(learn)
    with learn.no_bar(): loss = learn.validate()[0]
    after = _weights(learn)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert 0 < loss < 2      # the L1 of the encoded reconstruction, in [-1, 1] image units

def test_all_four_optimisers_follow_the_schedule(shapes):
    dls = aligned_dls(shapes, size=32, bs=4, seed=0)
    learn = bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=0)
    seen = []
    class Spy(Callback):
        order = 100
        def after_batch(self):
            tr = self.learn.bicycle_step
            if self.training: seen.append((self.epoch, [float(g['lr']) for g in self.learn.opt.opt.param_groups],
                                           tr.opt_D.param_groups[0]['lr'], tr.opt_D2.param_groups[0]['lr']))
    with learn.no_bar(), learn.no_logging(): learn.fit_flat_lin(1, 1, 2e-4, cbs=Spy())
    for epoch, ge, d, d2 in seen:
        want = 2e-4 * (1 if epoch == 0 else 0.5)      # official linear policy: ends at lr / (n_decay + 1)
        assert all(abs(x - want) < 1e-12 for x in ge + [d, d2]), (epoch, ge, d, d2)

def test_show_samples_writes_a_grid_per_epoch(shapes, tmp_path):
    from bicycle_nb.inference import ShowSamples
    dls = aligned_dls(shapes, size=32, bs=4, seed=0)
    learn = bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=0)
    with learn.no_bar(), learn.no_logging(): learn.fit(2, 2e-4, cbs=ShowSamples(every=1, n=3, fname=str(tmp_path/'grid_{epoch}.png')))
    assert sorted(p.name for p in tmp_path.glob('grid_*.png')) == ['grid_0.png', 'grid_1.png']
