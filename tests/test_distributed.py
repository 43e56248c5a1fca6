"""Data-parallel training (2 CPU processes, gloo, launched with torchrun) equals one process with the same global
batch; only rank 0 writes; the training CLI runs under torchrun. Fault handling: truncated and foreign checkpoints,
NaN losses that stop training and leave the last checkpoint intact."""
import os, socket, subprocess, sys
from pathlib import Path
import pytest, torch
from fastai.basics import Callback
from bicycle_nb.models import Arch, bicycle_model
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.training import NonFiniteLossError
from bicycle_nb.checkpoint import SaveCheckpoint, load_checkpoint, read_checkpoint
from bicycle_nb.learner import bicycle_learner

DP_RUN = str(Path(__file__).resolve().parent/'dp_run.py')     # the test-only data-parallel training script

ENV = dict(os.environ, OMP_NUM_THREADS='1')

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def torchrun(*args, n=2):
    return [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={n}', f'--master_port={free_port()}', *args]

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp('ddp')
    # 12 steps of 8: across an epoch boundary (64 images). In float64, so that the comparison holds on any CPU: in float32
    # Adam's first steps turn kernel-dependent rounding into +-lr moves of weights whose gradient is ~0 (parity/README.md)
    args = ['--out', str(out), '--steps', '12', '--dump_weights', '--float64']
    r = subprocess.run(torchrun(DP_RUN, *args), env=ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run([sys.executable, DP_RUN, *args], env=ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, {k: torch.load(out/f'weights_world{k[0]}_rank{k[1]}.pt') for k in [(2, 0), (2, 1), (1, 0)]}

NETS = ('G', 'E', 'D', 'D2')

def test_ranks_hold_identical_weights(runs):
    _, w = runs
    assert w[2, 0]['steps'] == w[2, 1]['steps'] == 12
    for n in NETS:
        for (k, a), b in zip(w[2, 0]['nets'][n].items(), w[2, 1]['nets'][n].values()): assert torch.equal(a, b), (n, k)

def _rel(a, b): return ((a - b).norm() / b.norm()).item()

def test_two_processes_equal_one(runs):
    "Same losses at every step and the same networks G, E, D, D2, to float64 rounding (1e-8 on losses, 1e-7 on weights, relative: measured 1e-9 here; holds on any CPU)."
    _, w = runs
    assert all(v.dtype == torch.float64 for v in w[1, 0]['nets']['G'].values() if v.is_floating_point())
    for a, b, one in zip(w[2, 0]['history'], w[2, 1]['history'], w[1, 0]['history']):
        for k in one:   # each rank logs its own share: the mean of the means, and the sum of the KL (a sum over the batch)
            both = a[k] + b[k] if k == 'kl' else (a[k] + b[k]) / 2
            assert abs(both - one[k]) <= 1e-8 * abs(one[k]), (k, a[k], b[k], one[k])
    flat = lambda sd: torch.cat([v.flatten() for v in sd.values() if v.is_floating_point()])
    for n in NETS: assert _rel(flat(w[2, 0]["nets"][n]), flat(w[1, 0]["nets"][n])) < 1e-7, n
    # and training did move the networks: the comparison is not between two untouched initialisations
    fresh = bicycle_model(Arch(**w[1, 0]['arch']))
    assert max((a - b).abs().max().item() for a, b in zip(fresh.G.state_dict().values(), w[1, 0]['nets']['G'].values())) > 1e-4

def test_only_rank0_writes_checkpoints(runs):
    out, _ = runs
    assert (out/'checkpoints_rank0'/'checkpoint.pth').exists()
    assert not (out/'checkpoints_rank1').exists()
    read_checkpoint(out/'checkpoints_rank0'/'checkpoint.pth')

def test_training_cli_under_torchrun(tmp_path):
    out = tmp_path/'run'
    r = subprocess.run(torchrun('--no-python', 'bicycle_nb_train', '--out', str(out), '--size', '32', '--bs', '8', '--ngf', '4',
                                '--nef', '4', '--ndf', '4', '--epochs', '1', '--epochs_decay', '1', '--n_train', '32', '--threads', '1'),
                       env=ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert read_checkpoint(out/'checkpoint.pth')['epoch'] == 2
    rows = (out/'losses.csv').read_text().strip().splitlines()
    assert len(rows) == 3, rows                                        # one header, two epochs: rank 0 alone logged
    assert sorted(p.name for p in (out/'samples').iterdir()) == ['epoch_000.png', 'epoch_001.png']

def test_bad_world_size_is_explained():
    from bicycle_nb.distributed import rank_share
    with pytest.raises(ValueError, match='multiple of 2 x 3'): rank_share(8, 0, 3)

# ---- faults ----

@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    return make_shapes(tmp_path_factory.mktemp('shapes')/'s', n_train=16, n_valid=4, size=32)

def test_truncated_and_foreign_checkpoints(shapes, tmp_path):
    learn = bicycle_learner(aligned_dls(shapes, size=32, bs=4, seed=0), ngf=4, nef=4, ndf=4, seed=0, path=tmp_path)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 2e-4, cbs=SaveCheckpoint(tmp_path/'ck.pth'))
    data = (tmp_path/'ck.pth').read_bytes()
    (tmp_path/'half.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated or not a bicycle_nb checkpoint'): load_checkpoint(tmp_path/'half.pth', learn)
    torch.save({'state_dict': {}}, tmp_path/'foreign.pth')
    with pytest.raises(ValueError, match='is not a bicycle_nb checkpoint'): load_checkpoint(tmp_path/'foreign.pth', learn)
    (tmp_path/'text.pth').write_text('hello')
    with pytest.raises(ValueError, match='not a readable checkpoint'): load_checkpoint(tmp_path/'text.pth')

class PoisonG(Callback):
    "Turns one of G's weights to NaN before training step `at`."
    order = 0
    def __init__(self, at): self.at, self.n = at, 0
    def before_batch(self):
        if self.training:
            if self.n == self.at:
                with torch.no_grad(): next(self.model.G.parameters()).view(-1)[0] = float('nan')
            self.n += 1

def test_nan_stops_training_and_keeps_the_last_checkpoint(shapes, tmp_path):
    learn = bicycle_learner(aligned_dls(shapes, size=32, bs=4, seed=0), ngf=4, nef=4, ndf=4, seed=0)
    ck = tmp_path/'ck.pth'
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 2e-4, cbs=SaveCheckpoint(ck))
    before = ck.read_bytes()
    with pytest.raises(NonFiniteLossError, match=r'Loss \w+ became nan .*\(step 6\)'):
        with learn.no_bar(), learn.no_logging(): learn.fit(3, 2e-4, cbs=[SaveCheckpoint(ck), PoisonG(2)])
    assert ck.read_bytes() == before
    assert all(torch.isfinite(p).all() for p in load_checkpoint(ck).G.parameters())
