"Kernel settings the numerical tests run under: the default, and oneDNN off with one thread."
from contextlib import contextmanager
import torch

SETTINGS = {'default': (None, None), 'onednn-off-1-thread': (False, 1)}

@contextmanager
def kernels(name):
    "Run the body with the kernel setting `name` of `SETTINGS`, then restore the previous one."
    onednn, threads = SETTINGS[name]
    old_threads = torch.get_num_threads()
    if threads: torch.set_num_threads(threads)
    try:
        with torch.backends.mkldnn.flags(enabled=torch.backends.mkldnn.enabled if onednn is None else onednn): yield
    finally: torch.set_num_threads(old_threads)
