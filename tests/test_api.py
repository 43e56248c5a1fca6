"The public names users are told about (README, notebooks) import from where they are told they live."
import importlib, inspect, subprocess, sys

def test_public_names():
    for mod, names in {'bicycle_nb.data': ['make_shapes', 'aligned_dls', 'classify_mode'],
                       'bicycle_nb.learner': ['bicycle_learner'],
                       'bicycle_nb.inference': ['sample', 'encode'],
                       'bicycle_nb.official': ['load_official', 'from_official'],
                       'bicycle_nb.models': ['pretrained_shapes'],
                       'bicycle_nb.fast': ['pretrained_shapes']}.items():   # where the shipped model lived before: still there
        m = importlib.import_module(mod)
        for n in names: assert hasattr(m, n), f'{mod}.{n}'

def test_bicycle_learner_signature_has_every_official_option():
    from bicycle_nb.learner import bicycle_learner
    params = inspect.signature(bicycle_learner).parameters
    for opt in ['variant', 'nz', 'ngf', 'nef', 'ndf', 'inject', 'netE', 'norm', 'nl', 'upsample', 'dropout', 'num_Ds',
                'gan_mode', 'lambda_L1', 'lambda_GAN', 'lambda_GAN2', 'lambda_z', 'lambda_kl', 'use_same_D',
                'conditional_D', 'init', 'init_gain', 'seed', 'lr', 'beta1']:
        assert opt in params, opt

def test_variants_are_the_papers():
    from bicycle_nb.losses import VARIANTS
    assert set(VARIANTS) >= {'pix2pix+noise', 'cAE-GAN', 'cVAE-GAN', 'cVAE-GAN++', 'cLR-GAN', 'bicycle'}

PATCHES = r"""
from fastai.learner import Learner
from bicycle_nb.training import BicycleLearner
import bicycle_nb.inference     # where show_results, predict and get_preds are patched on
assert 'fit_flat_lin' in vars(BicycleLearner)
assert 'fit_flat_lin' not in vars(Learner)
for name in ('show_results', 'predict', 'get_preds'):
    assert vars(BicycleLearner)[name].__module__ == 'bicycle_nb.inference', name
    assert vars(Learner)[name].__module__.startswith('fastai.'), name
"""

def test_fit_flat_lin_and_show_results_are_ours_not_patches_on_fastai():
    """UPIT patches `Learner.fit_flat_lin` with another signature: ours is a method of BicycleLearner, so the two never clash.
    `show_results` (and `predict`, `get_preds`) are patched onto BicycleLearner only: fastai's Learner keeps its own.
    In a fresh interpreter: a test that runs notebook 20's `@patch` cells in this process would repatch them from `__main__`."""
    r = subprocess.run([sys.executable, '-c', PATCHES], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
