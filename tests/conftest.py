"""Suite-wide switches, so that the whole suite can be run under other kernel settings:
BICYCLE_NB_ONEDNN=0 switches oneDNN (mkldnn) off, BICYCLE_NB_THREADS=n sets torch's thread count.
torch has only a Python flag for oneDNN, so it is set here, before any test runs."""
import os, sys
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if os.environ.get('BICYCLE_NB_ONEDNN', '1') == '0': torch.backends.mkldnn.enabled = False
if os.environ.get('BICYCLE_NB_THREADS'): torch.set_num_threads(int(os.environ['BICYCLE_NB_THREADS']))

def pytest_report_header(config):
    return f"bicycle_nb kernels: oneDNN {'on' if torch.backends.mkldnn.enabled else 'off'}, {torch.get_num_threads()} threads"
