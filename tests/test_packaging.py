"""Packaging: `python -m build` gives an sdist and a wheel; the wheel carries the library and nothing else
(no notebooks, no tests, no data); installed into a fresh virtual environment with the NEWEST fastai and
fastcore from PyPI (not the development pins) it trains a few steps, samples, and its console scripts run."""
import subprocess, sys, textwrap, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp('dist')
    r = subprocess.run([sys.executable, '-m', 'build', '--outdir', str(out), str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out

def test_build_gives_sdist_and_wheel(dist):
    assert len(list(dist.glob('bicycle_nb-*.tar.gz'))) == 1
    whl = list(dist.glob('bicycle_nb-*.whl'))
    assert len(whl) == 1
    names = zipfile.ZipFile(whl[0]).namelist()
    for mod in ('data', 'models', 'losses', 'flows', 'training', 'inference', 'speed', 'checkpoint', 'prior', 'learner', 'official', 'cli'):
        assert f'bicycle_nb/{mod}.py' in names, mod
    assert 'bicycle_nb/assets/shapes_bicycle_fast.pt' in names          # the shipped model, and no other binary
    assert not [n for n in names if (n.endswith(('.ipynb', '.png', '.pt', '.pth')) and n != 'bicycle_nb/assets/shapes_bicycle_fast.pt')
                or n.startswith(('tests/', 'nbs/'))], names
    meta = zipfile.ZipFile(whl[0]).read(next(n for n in names if n.endswith('METADATA'))).decode()
    assert 'Requires-Dist: fastai>=2.7' in meta and 'Requires-Dist: torch' in meta
    ep = zipfile.ZipFile(whl[0]).read(next(n for n in names if n.endswith('entry_points.txt'))).decode()
    for s in ('bicycle_nb_train', 'bicycle_nb_sample', 'bicycle_nb_shapes', 'bicycle_nb_explorer'): assert s in ep

CHECK = textwrap.dedent('''
    import sys, tempfile, fastai, fastcore, bicycle_nb
    from pathlib import Path
    assert Path(bicycle_nb.__file__).is_relative_to(Path(sys.prefix)), bicycle_nb.__file__
    from bicycle_nb.data import make_shapes, aligned_dls
    from bicycle_nb.learner import bicycle_learner
    from bicycle_nb.inference import sample, encode
    path = make_shapes(Path(tempfile.mkdtemp())/'s', n_train=16, n_valid=4, size=32)
    dls = aligned_dls(path, size=32, bs=4)
    learn = bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=0)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 2e-4)
    A, B = dls.valid.one_batch()
    assert tuple(sample(learn.model, A, n=3).shape) == (4, 3, 3, 32, 32)
    assert tuple(encode(learn.model, B).shape) == (4, 8)
    from bicycle_nb.models import pretrained_shapes          # the shipped model loads from the installed wheel, offline
    from bicycle_nb.data import classify_modes
    m = pretrained_shapes()
    A3, _ = aligned_dls(make_shapes(Path(tempfile.mkdtemp())/'s64', n_train=4, n_valid=4, size=64), size=64, bs=4).valid.one_batch()
    assert len(set(classify_modes(sample(m, A3[:1], n=20, seed=0)[0]).tolist()) - {-1}) >= 4
    print('OK', fastai.__version__, fastcore.__version__)
''')

def test_wheel_works_with_newest_fastai(dist, tmp_path):
    venv = tmp_path/'venv'
    # system site packages give the venv this machine's torch/torchvision; fastai and fastcore are upgraded inside it
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', str(venv)], check=True)
    pip, py = str(venv/'bin'/'pip'), str(venv/'bin'/'python')
    r = subprocess.run([pip, 'install', '-q', '--upgrade', 'fastai', 'fastcore'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    whl = next(dist.glob('bicycle_nb-*.whl'))
    r = subprocess.run([pip, 'install', '-q', '--no-deps', '--force-reinstall', str(whl)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run([py, '-c', CHECK], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and 'OK' in r.stdout, r.stdout[-2000:] + r.stderr[-3000:]
    fastai_v = r.stdout.split()[1]
    assert tuple(int(x) for x in fastai_v.split('.')[:3]) >= (2, 8, 8), f'expected the newest fastai, got {fastai_v}'
    r = subprocess.run([str(venv/'bin'/'bicycle_nb_shapes'), str(tmp_path/'shapes'), '--n_train', '4', '--n_valid', '2', '--size', '32'],
                       capture_output=True, text=True)
    assert r.returncode == 0 and 'shapes dataset in' in r.stdout, r.stderr
    for s in ('bicycle_nb_train', 'bicycle_nb_sample'):
        r = subprocess.run([str(venv/'bin'/s), '--help'], capture_output=True, text=True)
        assert r.returncode == 0 and 'usage' in r.stdout, r.stderr
