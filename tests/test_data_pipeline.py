"""Issue 28: the loader at the paper's scale. Each pair decoded once; loader workers give the same batches for a seed and a
worker count, and a run resumed with workers redraws what a straight run draws; the default worker count."""
import json, contextlib, io
from pathlib import Path
import numpy as np, pytest, torch
import bicycle_nb.data as data
from bicycle_nb.data import make_shapes, aligned_dls, default_workers
from bicycle_nb.cli import train_main

@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    return make_shapes(tmp_path_factory.mktemp('pipe')/'s', n_train=12, n_valid=4, size=32)

def batches(dls, epochs=2):
    return [t.clone() for _ in range(epochs) for b in dls.train for t in b] + [t.clone() for b in dls.valid for t in b]

def test_each_pair_is_decoded_once(shapes, monkeypatch):
    calls = []
    real = data.read_image
    monkeypatch.setattr(data, 'read_image', lambda fn: calls.append(fn) or real(fn))
    dls = aligned_dls(shapes, size=32, bs=4, num_workers=0, seed=0)
    calls.clear()
    for _ in dls.train: pass
    assert len(calls) == len(dls.train) * 4 and len(set(calls)) == len(calls)     # 12 files, 12 decodes, not 24

@pytest.mark.parametrize('workers', [0, 2])
def test_a_seed_and_a_worker_count_give_the_same_batches(shapes, workers):
    a = batches(aligned_dls(shapes, size=32, bs=4, load_size=40, num_workers=workers, seed=1))
    b = batches(aligned_dls(shapes, size=32, bs=4, load_size=40, num_workers=workers, seed=1))
    assert len(a) == 2 * 2 * 3 + 2 and all(torch.equal(x, y) for x, y in zip(a, b))
    c = batches(aligned_dls(shapes, size=32, bs=4, load_size=40, num_workers=workers, seed=2))
    assert not all(torch.equal(x, y) for x, y in zip(a, c))                       # the seed matters

def _plain(dls):
    for dl in dls.loaders: dl.ring_shapes = None                                   # fastai's own collation, no ring
    return dls

@pytest.mark.parametrize('input_nc', [3, 1])
def test_workers_hand_batches_through_the_ring_unchanged(shapes, monkeypatch, input_nc):
    taken = []
    real = data.BatchRing.take
    monkeypatch.setattr(data.BatchRing, 'take', lambda self, ref, f: taken.append(ref.n) or real(self, ref, f))
    kw = dict(size=32, bs=4, load_size=40, num_workers=2, input_nc=input_nc, val_bs=3)   # valid: 4 images in batches of 3 and 1
    ring = batches(aligned_dls(shapes, seed=3, **kw))
    assert len(taken) == 2 * (2 * 3 + 2) and sorted(set(taken)) == [1, 3, 4]       # every batch came through the ring, the short one too
    plain = batches(_plain(aligned_dls(shapes, seed=3, **kw)))
    assert len(ring) == len(plain) and all(torch.equal(x, y) and type(x) == type(y) for x, y in zip(ring, plain))
    assert ring[0].shape == (4, input_nc, 32, 32) and ring[0].dtype == torch.float32 and -1 <= ring[0].min() and ring[0].max() <= 1

def test_a_batch_the_ring_does_not_fit_is_collated_as_usual(shapes, monkeypatch):
    taken = []
    monkeypatch.setattr(data.BatchRing, 'take', lambda self, ref, f: taken.append(ref))
    dls = aligned_dls(shapes, size=32, bs=4, num_workers=2, seed=4)
    for dl in dls.loaders: dl.ring_shapes = [(3, 16, 16), (3, 16, 16)]           # not the batch's shape
    odd = batches(dls, epochs=1)
    assert taken == [] and all(torch.equal(x, y) for x, y in zip(odd, batches(_plain(aligned_dls(shapes, size=32, bs=4, num_workers=2, seed=4)), epochs=1)))

ONE_EPOCH_UNDER = """
import multiprocessing as mp, sys
if __name__ == '__main__':
    mp.set_start_method(sys.argv[2], force=True)                                # Python 3.14's default on Linux is forkserver
    from bicycle_nb.data import aligned_dls
    print(sum(len(b[0]) for b in aligned_dls(sys.argv[1], size=32, bs=4, num_workers=2, seed=0).train))
"""

@pytest.mark.parametrize('method', ['forkserver', 'spawn'])
def test_workers_start_whatever_the_default_start_method(shapes, tmp_path, method):
    import subprocess, sys
    (tmp_path/'run.py').write_text(ONE_EPOCH_UNDER)
    r = subprocess.run([sys.executable, str(tmp_path/'run.py'), str(shapes), method], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.split()[-1] == '12', r.stderr[-2000:]  # fastai's transforms cannot be pickled: workers fork

def test_a_worker_whose_slot_is_never_freed_says_so(monkeypatch):
    monkeypatch.setattr(data, 'get_worker_info', lambda: type('Info', (), {'id': 0})())   # play loader worker 0
    ring = data.BatchRing(1, 1, 2, [(1, 4, 4)], timeout=0.2)
    item = [(data.TensorImageBW(torch.zeros(1, 4, 4, dtype=torch.uint8)),)]
    ring.put(item)                                                                # slot 0 taken; nobody reads it
    with pytest.raises(RuntimeError, match='waited 0.2 s for its batch slot 0: the main process stopped reading batches'): ring.put(item)

def test_default_workers_use_the_cores_only_for_a_gpu():
    assert default_workers('cpu') == 0
    assert 1 <= default_workers('cuda') <= 8                                       # the device's type decides; no GPU needed to ask
    with pytest.raises(ValueError, match='num_workers must be an integer from 0 to 64'): aligned_dls('x', size=32, bs=2, num_workers=-1)

def run(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: train_main(argv); code = 0
        except SystemExit as e: code = e.code
    assert code in (0, None), err.getvalue()

def test_resume_with_workers_is_bit_exact(shapes, tmp_path):
    base = ['--data', str(shapes), '--size', '32', '--load_size', '36', '--bs', '4', '--ngf', '4', '--nef', '4', '--ndf', '4',
            '--threads', '1', '--num_workers', '2', '--epochs_decay', '0']
    run(base + ['--out', str(tmp_path/'straight'), '--epochs', '2'])
    run(base + ['--out', str(tmp_path/'split'), '--epochs', '1'])
    run(['--resume', '--out', str(tmp_path/'split'), '--epochs', '2', '--threads', '1'])
    a, b = (torch.load(tmp_path/r/'checkpoint.pth', weights_only=True)['nets'] for r in ('straight', 'split'))
    for net in a: assert all(torch.equal(a[net][k], b[net][k]) for k in a[net]), net
    assert json.loads((tmp_path/'split'/'options.json').read_text())['num_workers'] == 2

def test_a_damaged_file_found_while_loading_is_named_in_one_line(tmp_path):
    "Pairs are checked from their headers (fast on 50,000 files); a file whose pixels are cut short fails when it is read, in one line, even in a worker."
    data = make_shapes(tmp_path/'d', n_train=4, n_valid=0, size=32)
    bad = sorted((data/'train').iterdir())[1]
    bad.write_bytes(bad.read_bytes()[:-200])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), pytest.raises(SystemExit):
        train_main(['--data', str(data), '--size', '32', '--bs', '2', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1',
                    '--num_workers', '2', '--epochs', '1', '--epochs_decay', '0', '--out', str(tmp_path/'r')])
    msg = err.getvalue().strip()
    assert len(msg.splitlines()) == 1 and f'Cannot read image {bad}' in msg and 'Traceback' not in msg, msg

def test_tensorboard_logs_steps_epochs_and_grids(shapes, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    run(['--data', str(shapes), '--size', '32', '--bs', '4', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1',
         '--epochs', '1', '--epochs_decay', '1', '--out', str(tmp_path/'r'), '--tensorboard'])
    ea = EventAccumulator(str(tmp_path/'r'/'tensorboard'), size_guidance={'images': 0, 'scalars': 0}); ea.Reload()
    steps = [e.step for e in ea.Scalars('train/G_L1')]
    assert steps == list(range(1, 7))                                          # 3 steps per epoch, the run's global step
    assert [e.step for e in ea.Scalars('epoch/diversity')] == [0, 1] and 'epoch/colours' in ea.Tags()['scalars']   # epochs from 0
    assert len(ea.Images('samples')) == 2
    rows = (tmp_path/'r'/'losses.csv').read_text().splitlines()
    assert rows[0].split(',')[-4:] == ['diversity', 'colours', 'run_left', 'time'] and len(rows) == 3

def test_tensorboard_missing_is_one_line(shapes, tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a: None if name == 'tensorboard' else real(name, *a))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
        train_main(['--data', str(shapes), '--size', '32', '--bs', '4', '--out', str(tmp_path/'r'), '--tensorboard'])
    assert "pip install 'bicycle_nb[tensorboard]'" in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1
    assert not (tmp_path/'r').exists()

def test_an_older_log_gets_the_new_columns_on_resume(shapes, tmp_path):
    base = ['--data', str(shapes), '--size', '32', '--bs', '4', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1', '--epochs_decay', '0']
    run(base + ['--out', str(tmp_path/'r'), '--epochs', '1'])
    log = tmp_path/'r'/'losses.csv'
    rows = [r.split(',') for r in log.read_text().splitlines()]
    keep = [i for i, k in enumerate(rows[0]) if k not in ('diversity', 'colours')]   # the log as an older version wrote it
    log.write_text(''.join(','.join(r[i] for i in keep) + '\n' for r in rows))
    run(['--resume', '--out', str(tmp_path/'r'), '--epochs', '2', '--threads', '1'])
    import csv
    rows = list(csv.DictReader(open(log)))
    assert len(rows) == 2 and rows[0]['diversity'] == '' and float(rows[1]['diversity']) >= 0 and rows[0]['G_L1'] != ''

def test_default_workers_share_the_cores_among_local_processes(monkeypatch):
    import os
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setenv('LOCAL_WORLD_SIZE', str(cores * 2))
    assert default_workers('cuda') == 1                                        # never none on a GPU
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '1')
    assert default_workers('cuda') == min(8, cores)

@pytest.mark.parametrize('kind', ['noise', 'smooth'])
def test_the_fast_transform_stays_within_one_level_on_photo_sizes(kind):
    "Notebook 00 checks the fast transform against fastai's on the shapes; here on 256 px halves, 286 -> 256 as the official recipe, noise too."
    import random
    from fastai.vision.all import PILImage, Pipeline, ToTensor
    from bicycle_nb.data import PairResizeCropFlip, pair_transforms
    rng = np.random.default_rng(0)
    if kind == 'noise': arr = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    else:
        yy, xx = np.mgrid[0:256, 0:256] / 256
        arr = np.stack([127 + 120 * np.sin(7 * xx + 3 * k) * np.cos(5 * yy) for k in range(3)], -1).astype(np.uint8)
    item = (PILImage.create(arr), PILImage.create(arr[:, ::-1].copy()))
    for split in (0, 1):
        outs = []
        for tfms in (pair_transforms(256, 286), [PairResizeCropFlip(256, 286)]):
            random.seed(7)
            outs.append([np.asarray(ToTensor()(im)).astype(int) for _ in range(4) for im in Pipeline(tfms, split_idx=split)(item)])
        d = np.concatenate([np.abs(a - b).ravel() for a, b in zip(*outs)])
        assert d.max() <= 1 and (d > 0).mean() < 0.01, (kind, split, d.max(), (d > 0).mean())
