"""nbdev's docs step without Quarto: `nbdev_docs` first processes every notebook (it runs each cell that holds an import,
out of context, and renders `show_doc` for every exported name), then hands the result to Quarto. This test runs that
processing step on each notebook, so a notebook that would break the site fails here, on any machine."""
import os, tempfile, warnings
from pathlib import Path
import pytest
import nbdev.serve as serve
import nbdev.serve_drv as serve_drv

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT/'nbs').glob('*.ipynb'))

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_docs_processing(nb, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        job = serve._proc_file(nb, mtime=0, cache=tmp_path, path=ROOT/'nbs')
        serve_drv.main(job)                                   # raises, naming the cell, if a cell fails out of context
    assert (tmp_path/nb.name).exists()
    mixed = [str(w.message).split('---')[1].strip() for w in caught if 'imports and other code' in str(w.message)]
    safe = lambda l: not l.strip() or l.startswith(('import ', 'from ', 'warnings.', '#'))   # imports and warning filters run anywhere
    mixed = [m for m in mixed if not all(safe(l) for l in m.splitlines())]
    assert not mixed, f'cells mixing imports with code (nbdev runs them out of context; split them): {mixed}'
