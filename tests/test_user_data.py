"""Issue 16: practitioners' own data and runs. Each test is one reported case (or one of its kind), on tiny
generated images and a few steps: modes and bit depths, the A|B split rule, non-square sizes, resume and extend,
bit-exact resume through the CLI, direction kept in checkpoints, layout messages, other variants' checkpoints,
fastai's inference entry points, --help and plain logs."""
import json, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
from test_cli import script, run

TINY = ['--bs', '2', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1']

def write_pairs(folder, n=4, wh=(64, 32), seed=0, value=None):
    "n random A|B files of PIL size `wh` (or 16-bit grey files of `value`) in `folder`."
    folder = Path(folder); folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        if value is not None: Image.fromarray(np.full((wh[1], wh[0]), value, np.uint16)).save(folder/f'{i:03d}.png')
        else: Image.fromarray(rng.integers(0, 255, (wh[1], wh[0], 3), dtype=np.uint8)).save(folder/f'{i:03d}.png')
    return folder

def one_line_error(r, contains):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert 'Traceback' not in err and len(err.splitlines()) == 1 and contains in err, err

def nets(path):
    return torch.load(path, weights_only=True)['nets']

# 1. modes and bit depths ------------------------------------------------------------------------------

def test_16bit_pairs_are_rescaled_not_clipped(tmp_path):
    from bicycle_nb.data import aligned_dls
    write_pairs(tmp_path/'d'/'train', n=2, value=30000)
    A, B = aligned_dls(tmp_path/'d', size=32, bs=2).one_batch()
    assert torch.allclose(A, torch.full_like(A, 117 / 127.5 - 1)) and torch.allclose(B, A)

def test_sampler_reads_16bit_like_training(tmp_path):
    from bicycle_nb.inference import load_image
    Image.fromarray(np.full((32, 32), 30000, np.uint16)).save(tmp_path/'g.png')
    assert torch.allclose(load_image(tmp_path/'g.png', 32), torch.full((1, 3, 32, 32), 117 / 127.5 - 1))

def _png16(a, fn):
    "Write uint16 array `a` [H, W, 3] as a 16-bit RGB PNG (PIL cannot write one)."
    import struct, zlib
    h, w, _ = a.shape
    raw = b''.join(b'\x00' + a[y].astype('>u2').tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    Path(fn).write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 16, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))

def test_16bit_rgb_png_keeps_its_levels(tmp_path):
    from bicycle_nb.data import open_image
    a = np.full((32, 64, 3), 30000, np.uint16); a[..., 2] = 65535
    _png16(a, tmp_path/'rgb16.png')
    assert np.asarray(open_image(tmp_path/'rgb16.png'))[0, 0].tolist() == [117, 117, 255]

def test_transparent_pixels_become_white():
    from bicycle_nb.data import to_8bit
    im = Image.new('RGBA', (2, 1), (0, 0, 0, 0)); im.putpixel((1, 0), (0, 0, 255, 255))
    assert np.asarray(to_8bit(im)).tolist() == [[[255, 255, 255], [0, 0, 255]]]

@pytest.mark.parametrize('mode', ['F'])
def test_unreadable_modes_are_refused_by_name(tmp_path, mode):
    from bicycle_nb.data import aligned_dls
    (tmp_path/'d'/'train').mkdir(parents=True)
    for i in range(2): Image.new(mode, (64, 32)).save(tmp_path/'d'/'train'/f'{i}.tif')
    with pytest.raises(ValueError, match=f'0.tif has mode {mode}'): aligned_dls(tmp_path/'d', size=32, bs=2)

# 2. one A|B split rule; non-square sizes ----------------------------------------------------------------

def test_photo_pairs_split_then_resized(tmp_path):
    from bicycle_nb.data import aligned_dls
    write_pairs(tmp_path/'d'/'train', n=2, wh=(1280, 480))
    A, B = aligned_dls(tmp_path/'d', size=32, bs=2).one_batch()
    assert A.shape == B.shape == (2, 3, 32, 32)

@pytest.mark.parametrize('wh,why', [((32, 32), 'narrower than 64'), ((129, 64), 'width is odd'), ((128, 128), '2x or more off')])
def test_files_that_cannot_be_pairs(tmp_path, wh, why):
    from bicycle_nb.data import aligned_dls
    write_pairs(tmp_path/'d'/'train', n=2, wh=wh)
    with pytest.raises(ValueError, match=why): aligned_dls(tmp_path/'d', size=64, bs=2)

def test_non_square_size_checked():
    from bicycle_nb.data import as_hw
    assert as_hw((256, 512)) == (256, 512) and as_hw((64, 192)) == (64, 192)
    with pytest.raises(ValueError, match=r'Try \(64, 128\)'): as_hw((64, 96))
    with pytest.raises(ValueError, match=r'Try \(64, 192\)'): as_hw((96, 192))

# 3-4. resume: extend, change what may change, refuse the rest, bit-exact, one record ---------------------

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "A straight 2-epoch run and a 1-epoch run resumed with --epochs 2, on the same own data (train/ and test/, no val/)."
    root = tmp_path_factory.mktemp('runs')
    write_pairs(root/'data'/'train', n=8); write_pairs(root/'data'/'test', n=2, seed=1)
    base = ['--data', str(root/'data'), '--size', '32', '--epochs_decay', '0', '--lambda_kl', '0.02'] + TINY
    straight = run('bicycle_nb_train', '--out', str(root/'straight'), '--epochs', '2', *base)
    first = run('bicycle_nb_train', '--out', str(root/'resumed'), '--epochs', '1', *base)
    resumed = run('bicycle_nb_train', '--out', str(root/'resumed'), '--resume', '--epochs', '2', '--threads', '1')
    return root, straight, first, resumed

def test_resume_extends_a_finished_run_bit_exactly(runs):
    root, straight, first, resumed = runs
    for r in (straight, first, resumed): assert r.returncode == 0, r.stderr
    assert 'changed: epochs 1 -> 2' in resumed.stdout, resumed.stdout
    a, b = nets(root/'straight'/'checkpoint.pth'), nets(root/'resumed'/'checkpoint.pth')
    for k in a:
        for n in a[k]: assert torch.equal(a[k][n], b[k][n]), (k, n)

def test_run_record_continues(runs):
    root, straight, first, resumed = runs
    rows = (root/'resumed'/'losses.csv').read_text().strip().splitlines()
    assert [r.split(',')[0] for r in rows] == ['epoch', '0', '1']
    straight = (root/'straight'/'losses.csv').read_text().strip().splitlines()
    head = rows[0].split(',')
    assert head[-2:] == ['run_left', 'time'] and 'train_loss' in head
    assert [r.split(',')[:-2] for r in rows] == [r.split(',')[:-2] for r in straight]   # every logged figure, train_loss (smoothed) too
    assert (root/'resumed'/'steps.csv').read_text() == (root/'straight'/'steps.csv').read_text()
    table = [l.split()[0] for l in resumed.stdout.splitlines() if l[:1].isdigit()]
    assert table == ['1'], resumed.stdout                                     # no empty row for epoch 0
    assert 'run_left' in resumed.stdout
    assert sorted(p.name for p in (root/'resumed'/'samples').iterdir()) == ['epoch_000.png', 'epoch_001.png']

def test_options_not_given_keep_the_runs_values(runs):
    root = runs[0]
    opts = json.loads((root/'resumed'/'options.json').read_text())
    assert (opts['lambda_kl'], opts['ngf'], opts['epochs'], opts['bs']) == (0.02, 4, 2, 2)

def test_log_file_has_no_progress_bar_debris(runs):
    out = runs[1].stdout
    assert '\r' not in out and '\x1b' not in out and '|' not in out, out
    assert out.splitlines()[1].split()[:2] == ['epoch', 'train_loss'], out     # after the no-validation note

def test_no_val_folder_trains_without_validation_and_says_so(runs):
    assert 'has no val/ folder: training without validation (--valid NAME' in runs[1].stdout

def test_resume_changes_lr_and_refuses_architecture(runs, tmp_path):
    import shutil
    root = runs[0]
    shutil.copytree(root/'resumed', tmp_path/'r')
    r = run('bicycle_nb_train', '--out', str(tmp_path/'r'), '--resume', '--ngf', '8')
    one_line_error(r, 'was trained with --ngf')
    r = run('bicycle_nb_train', '--out', str(tmp_path/'r'), '--resume', '--direction', 'BtoA')
    one_line_error(r, 'may change on resume')
    r = run('bicycle_nb_train', '--out', str(tmp_path/'r'), '--resume', '--epochs', '0', '--epochs_decay', '1')
    one_line_error(r, 'a run cannot be shortened')
    r = run('bicycle_nb_train', '--out', str(tmp_path/'r'), '--resume', '--data', str(root/'data') + '/.')   # the same folder, spelt otherwise
    assert r.returncode == 0 and 'all 2 epochs are done; to train longer' in r.stdout, r.stdout + r.stderr
    r = run('bicycle_nb_train', '--out', str(tmp_path/'r'), '--resume', '--epochs', '3', '--lr', '1e-4', '--lambda_L1', '5', '--threads', '1')
    assert r.returncode == 0, r.stderr
    assert 'changed: epochs 2 -> 3, lr 0.001 -> 0.0001, lambda_L1 10.0 -> 5.0' in r.stdout, r.stdout
    ck = torch.load(tmp_path/'r'/'checkpoint.pth', weights_only=True)
    assert ck['epoch'] == 3 and ck['recipe']['lambda_L1'] == 5.0
    assert json.loads((tmp_path/'r'/'options.json').read_text())['lr'] == 1e-4

# 5. direction, channels and size come from the checkpoint; sorted folders; non-square end to end ----------

def test_non_square_bto_a_run_and_pairs_sampling(tmp_path):
    d = tmp_path/'wide'
    write_pairs(d/'train', n=2, wh=(128, 32)); write_pairs(d/'val', n=2, wh=(128, 32), seed=3)
    pair = Image.new('RGB', (128, 32), 'black')                             # left half black, right half white
    pair.paste(Image.new('RGB', (64, 32), 'white'), (64, 0)); pair.save(d/'val'/'000.png')
    r = run('bicycle_nb_train', '--data', str(d), '--out', str(tmp_path/'r'), '--size', '32,64', '--direction', 'BtoA',
            '--epochs', '1', '--epochs_decay', '0', *TINY)
    assert r.returncode == 0, r.stderr
    ck = torch.load(tmp_path/'r'/'checkpoint.pth', weights_only=True)
    assert ck['arch']['size'] == (32, 64) and ck['arch']['direction'] == 'BtoA'
    from bicycle_nb.checkpoint import load_checkpoint
    from bicycle_nb.cli import _inputs
    model = load_checkpoint(tmp_path/'r'/'checkpoint.pth')
    files, A, B = _inputs(d/'val', model, pairs=True)
    assert [f.name for f in files] == ['000.png', '001.png']                # sorted
    assert A.shape == (2, 3, 32, 64) and (A[0] == 1).all() and (B[0] == -1).all()   # BtoA: the right (white) half is the input
    from bicycle_nb.widgets import as_images
    assert (as_images(model, [d/'val'/'000.png'], 'A') == 1).all() and (as_images(model, [d/'val'/'000.png'], 'B') == -1).all()
    s = run('bicycle_nb_sample', str(d/'val'), '--checkpoint', str(tmp_path/'r'/'checkpoint.pth'), '--pairs', '--n', '2', '--out', str(tmp_path/'s'))
    assert s.returncode == 0, s.stderr
    with Image.open(tmp_path/'s'/'000_00.png') as im: assert im.size == (64, 32)

def test_sampler_split_rule_and_pair_hint(tmp_path):
    Image.new('RGB', (32, 32)).save(tmp_path/'sketch.png'); Image.new('RGB', (128, 64)).save(tmp_path/'pair.png')
    # the shipped model is not a training checkpoint: make one from it for the sampler
    from bicycle_nb.models import pretrained_shapes
    from bicycle_nb.losses import VARIANTS
    from bicycle_nb.checkpoint import CKPT_FORMAT
    m = pretrained_shapes()
    assert m.arch.direction == 'AtoB' and m.G.size == 64                                 # the shipped model still loads
    torch.save(dict(format=CKPT_FORMAT, version=2, arch=m.arch.asdict(), recipe=VARIANTS[m.info['variant']].asdict(),
                    nets={'G': m.G.state_dict(), 'E': m.E.state_dict()}, epoch=1, step=0), tmp_path/'c.pth')
    one_line_error(run('bicycle_nb_sample', str(tmp_path/'sketch.png'), '--checkpoint', str(tmp_path/'c.pth'), '--pairs', '--out', str(tmp_path/'o')),
                   'sketch.png is 32x32 and cannot be an A|B pair')
    one_line_error(run('bicycle_nb_sample', str(tmp_path/'pair.png'), '--checkpoint', str(tmp_path/'c.pth'), '--out', str(tmp_path/'o')),
                   'looks like an A|B pair: pass --pairs.')
    one_line_error(run('bicycle_nb_sample', str(tmp_path/'pair.png'), '--checkpoint', str(tmp_path/'c.pth'), '--direction', 'BtoA', '--out', str(tmp_path/'o')),
                   'give it with --pairs')

# 6. layouts ---------------------------------------------------------------------------------------------

def test_layout_messages_name_real_folders_and_options(tmp_path):
    write_pairs(tmp_path/'u'/'trainA'); write_pairs(tmp_path/'u'/'trainB')
    one_line_error(run('bicycle_nb_train', '--data', str(tmp_path/'u'), '--out', str(tmp_path/'r')), 'unpaired CycleGAN layout')
    write_pairs(tmp_path/'t'/'train'); write_pairs(tmp_path/'t'/'test')
    one_line_error(run('bicycle_nb_train', '--data', str(tmp_path/'t'), '--valid', 'val', '--out', str(tmp_path/'r')),
                   "has no 'val' folder (it has: test, train): name it with --valid test, or --valid none")
    one_line_error(run('bicycle_nb_train', '--data', str(tmp_path/'t'/'train'), '--out', str(tmp_path/'r')), "has no 'train' folder (it has: no folders)")

# 7-8. fastai entry points; other variants' checkpoints ---------------------------------------------------

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from bicycle_nb.data import aligned_dls
    root = tmp_path_factory.mktemp('tiny')
    write_pairs(root/'train', n=2); write_pairs(root/'val', n=2, seed=1)
    return root, aligned_dls(root, size=32, bs=2)

def learner(dls, **kw):
    from bicycle_nb.learner import bicycle_learner
    return bicycle_learner(dls, ngf=4, nef=4, ndf=4, seed=0, **kw)

def test_predict_gives_samples_and_get_preds_refuses(tiny):
    root, dls = tiny
    learn = learner(dls)
    out = learn.predict(root/'val'/'000.png', n=3, seed=0)                     # an A|B file of the dataset: its A half
    assert out.shape == (3, 3, 32, 32) and out.min() >= -1 and out.max() <= 1
    A = dls.valid.one_batch()[0][:1]                                             # no flip or crop in validation: the same A
    assert torch.allclose(learn.predict(A[0], n=3, seed=0), out, atol=1e-5)
    Image.new('RGB', (32, 128)).save(root/'tall.png')
    with pytest.raises(ValueError, match='crop it to the'): learn.predict(root/'tall.png')
    with pytest.raises(TypeError, match='bicycle_nb.inference.sample'): learn.get_preds()

def test_missing_D2_starts_fresh_and_says_so(tiny, tmp_path, capsys):
    from bicycle_nb.checkpoint import save_checkpoint, load_checkpoint
    _, dls = tiny
    save_checkpoint(learner(dls, variant='cVAE-GAN'), tmp_path/'c.pth')
    learn = learner(dls)
    d2 = {k: v.clone() for k, v in learn.model.D2.state_dict().items()}
    load_checkpoint(tmp_path/'c.pth', learn)
    assert 'has no D2' in capsys.readouterr().out
    assert all(torch.equal(v, learn.model.D2.state_dict()[k]) for k, v in d2.items())

def test_missing_E_refused_with_advice_that_works(tiny, tmp_path):
    from bicycle_nb.checkpoint import save_checkpoint, load_checkpoint
    _, dls = tiny
    save_checkpoint(learner(dls, variant='pix2pix+noise'), tmp_path/'p.pth')
    with pytest.raises(ValueError, match=r"bicycle_learner\(dls, variant='pix2pix\+noise'\)"): load_checkpoint(tmp_path/'p.pth', learner(dls))
    load_checkpoint(tmp_path/'p.pth', learner(dls, variant='pix2pix+noise'))
    save_checkpoint(learner(dls), tmp_path/'b.pth')
    with pytest.raises(ValueError, match=r"variant='bicycle'"): load_checkpoint(tmp_path/'b.pth', learner(dls, variant='cVAE-GAN'))

def test_direction_mismatch_refused(tiny, tmp_path):
    from bicycle_nb.data import aligned_dls
    from bicycle_nb.checkpoint import save_checkpoint, load_checkpoint
    root, dls = tiny
    save_checkpoint(learner(aligned_dls(root, size=32, bs=2, direction='BtoA')), tmp_path/'c.pth')
    with pytest.raises(ValueError, match="direction='BtoA'"): load_checkpoint(tmp_path/'c.pth', learner(dls))

def test_old_checkpoint_without_direction_loads(tiny, tmp_path):
    "A version 1 checkpoint (one flat dict of options, `opts`) written before `direction` was recorded: AtoB."
    from bicycle_nb.checkpoint import save_checkpoint, load_checkpoint
    _, dls = tiny
    save_checkpoint(learner(dls), tmp_path/'c.pth')
    ck = torch.load(tmp_path/'c.pth', weights_only=True)
    opts = {**ck.pop('arch'), **ck.pop('recipe')}; del opts['direction']; del ck['cbs']
    torch.save(dict(ck, version=1, opts=opts), tmp_path/'old.pth')
    load_checkpoint(tmp_path/'old.pth', learner(dls))
    assert load_checkpoint(tmp_path/'old.pth').arch.direction == 'AtoB'

# 9. --help ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('parser', ['_train_parser', '_sample_parser', '_shapes_parser'])
def test_every_option_has_help_and_shows_its_default(parser):
    import bicycle_nb.cli as cli
    p = getattr(cli, parser)()
    missing = [a.dest for a in p._actions if not a.help]
    assert not missing, missing
    assert '(default:' in p.format_help()
