"""Every G/E/D fixture made by the official code (parity/) loads through `from_official` and reproduces its
outputs in float32, under the default kernels and with oneDNN off on one thread (a forward pass is
well-conditioned: see parity/README.md)."""
from pathlib import Path
import pytest, torch
from bicycle_nb.official import from_official, rel_err, official_config, read_fixture
from kernels import SETTINGS, kernels

PARITY = Path(__file__).resolve().parent.parent/'parity'
FIXTURES = sorted(PARITY.glob('[GED]_*.pt'))

def test_fixtures_are_present():
    # the fixtures are part of the repository: a missing one is a failure, never a skip
    assert len(FIXTURES) == 11, f'expected the 11 G/E/D fixtures in {PARITY}, found {len(FIXTURES)}'

@pytest.mark.parametrize('setting', SETTINGS)
@pytest.mark.parametrize('path', FIXTURES, ids=lambda p: p.stem)
def test_forward_matches_official(path, setting):
    fx, kind = read_fixture(path), path.name[0]
    net = from_official(fx['state_dict'], kind, **fx['config']).eval()
    with kernels(setting), torch.no_grad():
        if kind == 'G': pairs = [(net(fx['x'], fx['z']), fx['y'])]
        elif kind == 'E': pairs = list(zip(net(fx['x']), (fx['mu'], fx['logvar'])))
        else: pairs = list(zip(net(fx['x']), fx['y']))
    for ours, ref in pairs:
        assert ours.shape == ref.shape
        assert rel_err(ours, ref) < 1e-5

@pytest.mark.parametrize('path', FIXTURES, ids=lambda p: p.stem)
def test_config_is_read_off_the_checkpoint(path):
    fx = read_fixture(path)
    found = official_config(fx['state_dict'], path.name[0])
    for k, v in fx['config'].items():
        if k in found: assert found[k] == v, k
