"Every G/E/D fixture made by the official code loads through `from_official` and reproduces its outputs."
import os
from pathlib import Path
import pytest, torch
from bicycle_nb.official import from_official, rel_err, official_config

PARITY = Path(os.environ.get('BICYCLE_NB_SHARED', Path(__file__).resolve().parents[2]/'shared'))/'parity'
FIXTURES = sorted(PARITY.glob('[GED]_*.pt'))

def test_fixtures_are_present():
    # CI has ../shared: a missing fixture folder is a failure, never a skip
    assert len(FIXTURES) == 11, f'expected the 11 G/E/D fixtures in {PARITY}, found {len(FIXTURES)}'

@pytest.mark.parametrize('path', FIXTURES, ids=lambda p: p.stem)
def test_forward_matches_official(path):
    fx, kind = torch.load(path), path.name[0]
    net = from_official(fx['state_dict'], kind, **fx['config']).eval()
    with torch.no_grad():
        if kind == 'G': pairs = [(net(fx['x'], fx['z']), fx['y'])]
        elif kind == 'E': pairs = list(zip(net(fx['x']), (fx['mu'], fx['logvar'])))
        else: pairs = list(zip(net(fx['x']), fx['y']))
    for ours, ref in pairs:
        assert ours.shape == ref.shape
        assert rel_err(ours, ref) < 1e-5

@pytest.mark.parametrize('path', FIXTURES, ids=lambda p: p.stem)
def test_config_is_read_off_the_checkpoint(path):
    fx = torch.load(path)
    found = official_config(fx['state_dict'], path.name[0])
    for k, v in fx['config'].items():
        if k in found: assert found[k] == v, k
