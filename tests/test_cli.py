"""The console scripts as a user runs them: one-line errors without tracebacks, and a training run killed
with SIGKILL mid-epoch that resumes from its last complete checkpoint and finishes."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch

TINY = ['--size', '32', '--bs', '4', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1']

def script(name):
    "The installed console script, or the same entry point through python -c."
    exe = Path(sys.executable).parent/name
    if exe.exists(): return [str(exe)]
    mod = {'bicycle_nb_train': 'train_main', 'bicycle_nb_sample': 'sample_main', 'bicycle_nb_shapes': 'shapes_main'}[name]
    return [sys.executable, '-c', f'import sys; from bicycle_nb.cli import {mod}; sys.argv[0] = "{name}"; {mod}()']

def run(name, *args, **kw):
    return subprocess.run(script(name) + list(args), capture_output=True, text=True, **kw)

@pytest.mark.parametrize('name,args,contains', [
    ('bicycle_nb_train', ['--data', '/nonexistent/folder'], 'does not exist'),
    ('bicycle_nb_train', ['--resume', '--out', '/nonexistent/run'], 'no run to resume'),
    ('bicycle_nb_sample', ['/nonexistent.png', '--checkpoint', '/nonexistent.pth'], 'No checkpoint at'),
    ('bicycle_nb_shapes', ['/tmp/x', '--size', '8'], 'size must be'),
    ('bicycle_nb_train', ['--epochs', '-1'], 'epochs must be >= 0'),
    ('bicycle_nb_train', ['--threads', '0'], 'threads must be >= 1'),
    ('bicycle_nb_train', ['--nz', '0'], '--nz 0 leaves no code'),
])
def test_user_errors_are_one_line(name, args, contains, tmp_path):
    r = run(name, *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert 'Traceback' not in r.stderr and contains in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr

def test_bad_option_is_refused_by_argparse(tmp_path):
    r = run('bicycle_nb_train', '--variant', 'nope', cwd=tmp_path)
    assert r.returncode == 2 and 'invalid choice' in r.stderr and 'Traceback' not in r.stderr
    r = run('bicycle_nb_train', '--lambda_k', '0.1', cwd=tmp_path)     # no abbreviations: too many lambda_* look alike
    assert r.returncode == 2 and 'unrecognized arguments: --lambda_k' in r.stderr and 'Traceback' not in r.stderr

def test_killed_run_resumes_and_finishes(tmp_path):
    out = tmp_path/'run'
    args = ['--out', str(out), '--epochs', '2', '--epochs_decay', '1', '--n_train', '160'] + TINY
    p = subprocess.Popen(script('bicycle_nb_train') + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ck = out/'checkpoint.pth'
    t0 = time.time()
    while not ck.exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.2)
    assert ck.exists(), 'no checkpoint after the first epoch'
    time.sleep(1.0)                                  # well into the second epoch
    p.send_signal(signal.SIGKILL); p.wait()
    first = torch.load(ck, weights_only=True)
    assert first['epoch'] in (1, 2)
    with open(out/'losses.csv', 'a') as f: f.write(f"{first['epoch']},row of an epoch killed before its checkpoint\n")   # always test that window
    r = run('bicycle_nb_train', '--resume', '--out', str(out), '--threads', '1')
    assert r.returncode == 0, r.stderr
    final = torch.load(ck, weights_only=True)
    assert final['epoch'] == 3
    rows = (out/'losses.csv').read_text().strip().splitlines()
    assert rows[0].startswith('epoch') and [int(l.split(',')[0]) for l in rows[1:]] == [0, 1, 2], rows
    assert sorted(p.name for p in (out/'samples').iterdir()) == ['epoch_000.png', 'epoch_001.png', 'epoch_002.png']

def test_successful_commands_exit_zero(tmp_path):
    r = run('bicycle_nb_shapes', str(tmp_path/'s'), '--n_train', '4', '--n_valid', '2', '--size', '32')
    assert r.returncode == 0 and r.stderr.strip() == '', (r.returncode, r.stderr)
