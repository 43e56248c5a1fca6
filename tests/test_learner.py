"Repeatability and validation behaviour of bicycle_learner (tiny settings: 32 px, widths 4)."
import tempfile
from pathlib import Path
import pytest, torch
from fastai.basics import Callback, CancelFitException
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.learner import bicycle_learner

@pytest.fixture(scope='module')
def shapes():
    return make_shapes(Path(tempfile.mkdtemp())/'shapes', n_train=16, n_valid=8, size=32)

class StopAfter(Callback):
    order = 100
    def __init__(self, n): self.n = n
    def after_batch(self):
        if self.training and self.iter + 1 >= self.n: raise CancelFitException

def _weights(learn):
    return {f'{k}.{n}': p.detach().clone() for k in ('G', 'E', 'D', 'D2') for n, p in getattr(learn.model, k).state_dict().items()}

def _train(shapes, seed, steps=3):
    dls = aligned_dls(shapes, size=32, bs=4, seed=seed)
    learn = bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=seed)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 2e-4, cbs=StopAfter(steps))
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
