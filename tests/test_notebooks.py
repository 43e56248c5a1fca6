"Run every notebook in nbs/ through nbdev's own runner (what `nbdev_test` does), one pytest test each."
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook   # renamed so pytest does not collect it

NBS = Path(__file__).resolve().parent.parent/'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('_'))

def test_there_are_notebooks(): assert len(NOTEBOOKS) >= 2

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(nb):
    flags = get_config().tst_flags.split()
    ok, secs = run_notebook(nb, skip_flags=flags)
    assert ok, f'{nb.name} failed (see the traceback above)'
