"""The library is generated from the notebooks: `nbdev_clean` + `nbdev_export` must change nothing,
and README.md must be what nbconvert makes of nbs/index.ipynb (quarto is not available here), i.e.
`jupyter nbconvert --to markdown nbs/index.ipynb --TemplateExporter.exclude_input=True --output-dir . --output README`."""
import hashlib, os, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _snapshot():
    files = sorted(list((ROOT/'nbs').glob('*.ipynb')) + list((ROOT/'bicycle_nb').rglob('*.py')))
    return {str(f.relative_to(ROOT)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}

def _run(*cmd):
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}   # nbdev_export is a no-op under IN_TEST
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, f'{cmd} failed:\n{r.stdout}\n{r.stderr}'

def test_clean_and_export_change_nothing():
    before = _snapshot()
    _run('nbdev_clean'); _run('nbdev_export')
    after = _snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f'not in sync with the notebooks (run nbdev_clean and nbdev_export, then commit): {changed}'

def test_readme_is_generated_from_index():
    with tempfile.TemporaryDirectory() as d:
        _run(sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'markdown', 'nbs/index.ipynb',
             '--TemplateExporter.exclude_input=True', '--output-dir', d, '--output', 'README')
        assert (Path(d)/'README.md').read_text() == (ROOT/'README.md').read_text(), \
            'README.md is stale: regenerate it from nbs/index.ipynb (command in this file\'s docstring)'
