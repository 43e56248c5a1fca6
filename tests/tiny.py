"A tiny training setup shared by the tests that train a few steps: shapes at 32 px, batch 4, widths 4."
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.training import StopAfterSteps
from bicycle_nb.learner import bicycle_learner

def tiny_dls(folder):
    "DataLoaders of 16 training and 4 validation shapes at 32 px (4 steps per epoch), written to `folder`."
    return aligned_dls(make_shapes(folder/'shapes', n_train=16, n_valid=4, size=32), size=32, bs=4, seed=0)

def tiny_learner(dls, **kw): return bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=0, **kw)

def fit_steps(learn, steps):
    "Train `learn` for exactly `steps` steps, quietly."
    with learn.no_bar(), learn.no_logging(): learn.fit(100, learn.lr, cbs=StopAfterSteps(steps))
