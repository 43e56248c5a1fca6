"The public names users are told about (README, notebooks) import from where they are told they live."
import importlib, inspect

def test_public_names():
    for mod, names in {'bicycle_nb.data': ['make_shapes', 'aligned_dls', 'classify_mode'],
                       'bicycle_nb.learner': ['bicycle_learner', 'bicycle_step', 'save_checkpoint', 'load_checkpoint', 'VARIANTS',
                                              'BicycleTrainer'],   # the step and the checkpoints moved to their own modules: still here
                       'bicycle_nb.official': ['load_official', 'from_official'],
                       'bicycle_nb.flows': ['cvae_flow', 'clr_flow', 'bicycle_forward', 'ge_losses', 'd_losses'],
                       'bicycle_nb.trainer': ['BicycleTrainer', 'batched_flows', 'train_forward'],
                       'bicycle_nb.checkpoint': ['save_checkpoint', 'load_checkpoint', 'read_checkpoint', 'SaveCheckpoint']}.items():
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
    from bicycle_nb.learner import VARIANTS
    assert set(VARIANTS) >= {'pix2pix+noise', 'cAE-GAN', 'cVAE-GAN', 'cVAE-GAN++', 'cLR-GAN', 'bicycle'}

def test_fit_flat_lin_is_ours_not_a_patch_on_fastai():
    "UPIT patches `Learner.fit_flat_lin` with another signature: ours is a method of BicycleLearner, so the two never clash."
    from fastai.learner import Learner
    from bicycle_nb.learner import BicycleLearner
    assert 'fit_flat_lin' in vars(BicycleLearner)
    assert 'fit_flat_lin' not in vars(Learner)

def test_star_import_of_learner_keeps_the_names_that_moved():
    ns = {}
    exec('from bicycle_nb.learner import *', ns)
    for n in ('BicycleTrainer', 'save_checkpoint', 'load_checkpoint', 'SaveCheckpoint', 'NonFiniteLossError', 'bicycle_step'): assert n in ns, n
