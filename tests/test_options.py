"""Options are checked where they are declared: wrong types, out-of-range and non-finite values, typos and combinations
that cannot train are refused in one line that names the option; every variant trains a step through both learners."""
import math
import pytest, torch
from tiny import tiny_dls, fit_steps
from bicycle_nb.models import Arch
from bicycle_nb.losses import VARIANTS, Recipe, recipe_for
from bicycle_nb.training import BicycleLearner, recipe_model
from bicycle_nb.learner import bicycle_learner

@pytest.fixture(scope='module')
def dls(tmp_path_factory): return tiny_dls(tmp_path_factory.mktemp('o'))

@pytest.mark.parametrize('kw,msg', [
    (dict(ngf=6.5), 'ngf must be an integer'), (dict(ngf=0), 'ngf must be >= 1'), (dict(nz=-1), 'nz must be >= 0'),
    (dict(dropout='no'), 'dropout must be True or False'), (dict(use_E='False'), 'use_E must be True or False'),
    (dict(lambda_kl=-1.), 'lambda_kl must be >= 0'), (dict(lambda_kl=math.nan), 'lambda_kl must be a finite number'),
    (dict(lr=0.), 'lr must be > 0'), (dict(lr=math.inf), 'lr must be a finite number'), (dict(beta1=1.), 'beta1 must be < 1'),
    (dict(precision='fp8'), 'precision must be one of'), (dict(variant='bicyle'), 'Unknown variant'),
    (dict(lamda_kl=0.1), "did you mean 'lambda_kl'"), (dict(size=64), 'size comes from the DataLoaders'),
    (dict(nz=0), 'nz=0 leaves no code'), (dict(use_E=False), 'use_E=False leaves no encoder'),
    (dict(num_Ds=3), 'num_Ds=3 at size 32'), (dict(num_Ds=2, ndf=1), 'would have no channels'),
])
def test_bad_options_are_refused_in_one_line(dls, kw, msg):
    with pytest.raises((ValueError, TypeError), match=msg) as e: bicycle_learner(dls, **{'ngf': 4, 'nef': 4, 'ndf': 4, **kw})
    assert len(str(e.value).splitlines()) == 1

@pytest.mark.parametrize('variant', list(VARIANTS))
def test_every_variant_trains_through_both_learners(dls, variant):
    for fast in (True, False):
        learn = bicycle_learner(dls, variant=variant, ngf=4, nef=4, ndf=4, fast_step=fast, seed=0)
        fit_steps(learn, 1)
        assert all(math.isfinite(v) for v in learn.loss_log.history[-1].values())
    plain = recipe_for(variant, lambda_mmd=0.)
    learn = BicycleLearner(dls, recipe_model(Arch(size=32, ngf=4, nef=4, ndf=4), plain), plain)
    fit_steps(learn, 1)
    assert learn.bicycle_step.n_steps == 1

def test_nz0_pix2pix_trains(dls):
    learn = bicycle_learner(dls, variant='pix2pix+noise', nz=0, ngf=4, ndf=4, seed=0)
    fit_steps(learn, 1)
    assert set(learn.loss_log.history[-1]) == {'G_GAN', 'G_L1', 'kl', 'D'}

def test_a_recipe_term_without_its_callback_is_refused(dls):
    r = VARIANTS['bicycle-fast']
    with pytest.raises(ValueError, match='add bicycle_nb.prior.PriorMatch'): BicycleLearner(dls, recipe_model(Arch(size=32, ngf=4, nef=4, ndf=4), r), r)
