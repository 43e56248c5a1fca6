"The package builds as a wheel that carries the library (pip install bicycle_nb means installing it)."
import subprocess, sys, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_wheel_contains_the_library(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(ROOT), '--no-deps', '-w', str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    wheels = list(tmp_path.glob('bicycle_nb-*.whl'))
    assert len(wheels) == 1, wheels
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert 'bicycle_nb/data.py' in names and 'bicycle_nb/__init__.py' in names, names
    meta = next(n for n in names if n.endswith('METADATA'))
    text = zipfile.ZipFile(wheels[0]).read(meta).decode()
    assert 'Requires-Dist: fastai>=2.7' in text and 'Requires-Dist: torch' in text
