"""Issue 27: every input checked at the door. One test per kind of report: ranges (every option of every command,
walked with an out-of-range value), the command line and Python accepting the same things, nothing given silently
ignored, degenerate sizes (metrics, sampling thousands), advice that works where the user is, and resume restoring
the logged smoothed loss (in test_user_data's resume tests)."""
import contextlib, io, json
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
import bicycle_nb.cli as cli
from bicycle_nb.cli import train_main, sample_main, shapes_main, Run, Sample, Shapes
from bicycle_nb.models import Arch, shipped_path, pretrained_shapes
from bicycle_nb.losses import Recipe
from bicycle_nb.data import aligned_dls, make_shapes, on_command_line, open_image

def call(main, argv):
    "(exit status, stderr) of a console script's main, run in this process."
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: main(argv); code = 0
        except SystemExit as e: code = e.code
    return code, err.getvalue().strip()

def refused(main, argv, *contains):
    code, err = call(main, argv)
    assert code == 2 and 'Traceback' not in err and len(err.splitlines()) == 1, (argv, code, err)
    for c in contains: assert c in err, (argv, err)
    return err

# 1. ranges: every declared option of every command, with a value it does not take ---------------------------

def bad_values(f):
    "Every kind of value outside what the declared option `f` takes, as typed on the command line (below, above, not a choice)."
    m = f.metadata
    if m['choices']: return ['nope' if isinstance(m['choices'][0], str) else '2']
    num = str(f.type).split('|')[0].strip()
    if num not in ('int', 'float'): return []
    return [str(v) for v in (m['gt'], m['lt'], None if m['min'] is None else m['min'] - 1, None if m['max'] is None else m['max'] + 1) if v is not None]

def walk(decl, skip=()):
    return [(name, v) for name, f in decl.declared().items() if name not in skip and not isinstance(f.default, bool) for v in bad_values(f)]

TRAIN_BASE = ['--n_train', '4', '--epochs', '0', '--epochs_decay', '1', '--size', '32', '--bs', '2', '--ngf', '4', '--nef', '4', '--ndf', '4']

@pytest.mark.parametrize('name,value', walk(Run) + walk(Arch, skip=('size', 'input_nc', 'output_nc', 'direction')) + walk(Recipe, skip=('variant',)))
def test_every_train_option_out_of_range_is_one_line(tmp_path, name, value):
    out = tmp_path/'run'
    refused(train_main, TRAIN_BASE + ['--out', str(out), f'--{name}', value], f'--{name}')
    assert not out.exists()                                  # refused before anything is written

@pytest.mark.parametrize('name,value', [('size', '48'), ('size', '0'), ('load_size', '0'), ('load_size', '16'), ('input_nc', '2'),
                                        ('direction', 'up'), ('variant', 'bicyle'), ('bs', '3'), ('lambda_kl', 'nan'), ('lr', 'inf')])
def test_train_values_of_other_kinds(tmp_path, name, value):
    out = tmp_path/'run'
    refused(train_main, TRAIN_BASE + ['--out', str(out), f'--{name}', value], name)
    assert not out.exists()

@pytest.mark.parametrize('name,value', walk(Sample))
def test_every_sample_option_out_of_range_is_one_line(tmp_path, name, value):
    Image.new('RGB', (64, 64), 'white').save(tmp_path/'a.png')
    refused(sample_main, [str(tmp_path/'a.png'), '--checkpoint', 'shapes', '--out', str(tmp_path/'o'), f'--{name}', value], f'--{name}')

@pytest.mark.parametrize('name,value', walk(Shapes))
def test_every_shapes_option_out_of_range_is_one_line(tmp_path, name, value):
    refused(shapes_main, [str(tmp_path/'s'), f'--{name}', value], f'--{name}')
    assert not (tmp_path/'s').exists()

def test_the_walk_covers_the_numbers():
    "The walk above is not empty by accident: the bounded options it must reach."
    names = {n for n, _ in walk(Run) + walk(Arch) + walk(Recipe) + walk(Sample) + walk(Shapes)}
    assert {'bs', 'epochs', 'threads', 'seed', 'ngf', 'nz', 'num_Ds', 'lambda_kl', 'lambda_mmd', 'lr', 'beta1', 'n', 'grid', 'n_valid'} <= names
    above = {n for n, v in walk(Arch) + walk(Sample) + walk(Shapes) if v.isdigit() and int(v) > 100}     # upper bounds too
    assert {'nz', 'ngf', 'nef', 'ndf', 'n', 'size'} <= above

def test_a_negative_weight_never_reaches_options_json(tmp_path):
    refused(train_main, TRAIN_BASE + ['--out', str(tmp_path/'r'), '--lambda_z', '-0.5'], '--lambda_z must be >= 0')
    assert not (tmp_path/'r'/'options.json').exists()

# 2. the command line and Python accept the same things --------------------------------------------------------

def test_official_load_size_from_the_command_line(tmp_path):
    "--load_size is any size >= --size (the official 286 -> 256 and 143 -> 128 crops), as aligned_dls(load_size=...) takes."
    test = cli._train_parser().parse_args(['--size', '256', '--load_size', '286'])
    assert (test.size, test.load_size) == (256, 286)
    assert cli._train_parser().parse_args(['--size', '128', '--load_size', '143,150']).load_size == (143, 150)
    data = make_shapes(tmp_path/'d', n_train=4, n_valid=2, size=36)
    assert aligned_dls(data, size=32, bs=2, load_size=35).one_batch()[0].shape[-1] == 32
    code, err = call(train_main, ['--data', str(data), '--load_size', '35', '--out', str(tmp_path/'r'), '--epochs', '1', '--epochs_decay', '0',
                                  '--size', '32', '--bs', '2', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1'])
    assert code == 0, err
    assert json.loads((tmp_path/'r'/'options.json').read_text())['load_size'] == 35

# 3. nothing given is silently ignored ---------------------------------------------------------------------------

@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp('in')
    data = make_shapes(root/'shapes', n_train=2, n_valid=2, size=64)
    for i, f in enumerate(sorted((data/'val').iterdir())[:2]):
        a, b = (Image.open(f).crop((0, 0, 64, 64)), Image.open(f).crop((64, 0, 128, 64)))
        a.save(root/f'outline{i}.png'); b.save(root/f'colour{i}.png')
    (root/'two').mkdir()
    for i in range(2): (root/f'outline{i}.png').rename(root/'two'/f'outline{i}.png')
    return root

@pytest.mark.parametrize('extra,contains', [(['--n', '5'], '--n and --sync do not apply'), (['--sync'], '--n and --sync do not apply'),
                                            (['--seed', '3'], '--seed does not apply')])
def test_encode_refuses_options_it_would_ignore(inputs, tmp_path, extra, contains):
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--encode', str(inputs/'colour0.png'), '--out', str(tmp_path/'o')] + extra, contains)

def test_encode_gives_one_output_per_input_and_a_grid(inputs, tmp_path):
    code, err = call(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--encode', str(inputs/'colour0.png'), '--out', str(tmp_path/'o')])
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path/'o').iterdir()) == ['grid.png', 'outline0_00.png', 'outline1_00.png']
    with Image.open(tmp_path/'o'/'grid.png') as g: assert g.size == (2 * 64, 2 * 64)       # input | encoded output, per input

def test_official_options_with_a_checkpoint_are_refused(inputs, tmp_path):
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--nz', '8', '--out', str(tmp_path/'o')], '--nz describes official weights')

# 4. degenerate sizes ---------------------------------------------------------------------------------------------

def test_metrics_refuse_what_they_cannot_estimate():
    from bicycle_nb.metrics import fid, fid_kid, lpips_diversity, lpips_real_bound
    one, two = torch.zeros(1, 3, 32, 32), torch.zeros(2, 3, 32, 32)
    with pytest.raises(ValueError, match='needs at least 2'): fid(one, two)          # refused at once, before any Inception pass
    with pytest.raises(ValueError, match='needs at least 3'): fid_kid(two, two)
    with pytest.raises(ValueError, match=r'RGB images \[N, 3, H, W\]'): fid(torch.zeros(4, 1, 32, 32), two)
    m = pretrained_shapes()
    with pytest.raises(ValueError, match='n >= 2'): lpips_diversity(m, torch.zeros(1, 3, 64, 64), n=1, dist=lambda x, y: (x - y).abs().mean((1, 2, 3)))
    with pytest.raises(ValueError, match='at least 2'): lpips_real_bound(one, dist=lambda x, y: (x - y).abs().mean((1, 2, 3)))

def test_many_samples_stream_in_chunks_and_keep_a_readable_grid(inputs, tmp_path, monkeypatch):
    seen = []
    real = cli.sample
    monkeypatch.setattr(cli, 'sample', lambda model, A, n, z, **kw: seen.append((len(A), n)) or real(model, A, n=n, z=z, **kw))
    code, err = call(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--n', '150', '--grid', '5', '--out', str(tmp_path/'o')])
    assert code == 0, err
    files = sorted(p.name for p in (tmp_path/'o').glob('outline*.png'))
    assert len(files) == 300 and files[0] == 'outline0_000.png' and files[-1] == 'outline1_149.png'
    assert max(n for _, n in seen) <= cli.CHUNK and all(a == 1 for a, _ in seen)      # one input, one chunk at a time
    with Image.open(tmp_path/'o'/'grid.png') as g: assert g.size == ((1 + 5) * 64, 2 * 64)
    # the grid shows the files' own images (the first 5 codes), not a second draw
    grid = np.asarray(Image.open(tmp_path/'o'/'grid.png'))
    assert np.abs(grid[:64, 64:128].astype(int) - np.asarray(Image.open(tmp_path/'o'/'outline0_000.png')).astype(int)).max() <= 1

def test_sampled_files_equal_the_library_sample(inputs, tmp_path):
    from bicycle_nb.inference import sample, load_image, to_pil
    code, err = call(sample_main, [str(inputs/'two'/'outline0.png'), '--checkpoint', 'shapes', '--n', '3', '--seed', '4', '--out', str(tmp_path/'o')])
    assert code == 0, err
    m = pretrained_shapes()
    ref = sample(m, load_image(inputs/'two'/'outline0.png', 64), n=3, seed=4)[0]
    for i in range(3):
        got = np.asarray(Image.open(tmp_path/'o'/f'outline0_{i:02d}.png')).astype(int)
        assert np.abs(got - np.asarray(to_pil(ref[i])).astype(int)).max() <= 1

# 5. advice that points the right way -----------------------------------------------------------------------------

def test_the_shipped_model_samples_from_the_command_line(inputs, tmp_path):
    for ck in ('shapes', str(shipped_path())):
        code, err = call(sample_main, [str(inputs/'two'), '--checkpoint', ck, '--n', '2', '--out', str(tmp_path/ck[-4:])])
        assert code == 0, err
        assert len(list((tmp_path/ck[-4:]).glob('outline*_0?.png'))) == 4

def test_shipped_model_into_a_learner_gets_python_advice(tmp_path):
    from bicycle_nb.checkpoint import load_checkpoint
    from bicycle_nb.learner import bicycle_learner
    data = make_shapes(tmp_path/'d', n_train=2, n_valid=2, size=64)
    learn = bicycle_learner(aligned_dls(data, size=64, bs=2), variant='bicycle-fast', ngf=16, nef=16, ndf=16)
    with pytest.raises(ValueError, match=r'is a shipped model.*load_shipped\(path\)'): load_checkpoint(shipped_path(), learn)

def test_folders_are_called_folders(inputs, tmp_path):
    refused(sample_main, [str(inputs/'two'), '--checkpoint', str(inputs)], 'is a folder, not a checkpoint file')
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--encode', str(inputs/'two'), '--out', str(tmp_path/'o')], 'is a folder, not an image file')
    with pytest.raises(ValueError, match='is a folder, not an image file'): open_image(inputs/'two')

def test_advice_is_spelled_where_the_user_is(tmp_path):
    (tmp_path/'d'/'train').mkdir(parents=True); (tmp_path/'d'/'test').mkdir()
    Image.new('RGB', (64, 32)).save(tmp_path/'d'/'train'/'0.png')
    with pytest.raises(FileNotFoundError, match="valid='test', or valid=False") as e: aligned_dls(tmp_path/'d', size=32, bs=2, valid='val')
    assert '--' not in str(e.value)                                       # Python advice in Python
    with on_command_line(), pytest.raises(FileNotFoundError, match='--valid test, or --valid none'): aligned_dls(tmp_path/'d', size=32, bs=2, valid='val')
    refused(train_main, ['--data', str(tmp_path/'d'), '--valid', 'val', '--size', '32', '--bs', '2', '--out', str(tmp_path/'r')], '--valid test')
    with pytest.raises(ValueError, match=r'^ngf must be >= 1'): Arch(ngf=0)
    with on_command_line(), pytest.raises(ValueError, match=r'^--ngf must be >= 1'): Arch(ngf=0)

# 6. the third round of careless inputs: upper bounds, paths, damaged files, combinations that do nothing ----------

@pytest.mark.parametrize('extra,contains', [
    (['--load_size', '1000000'], '--load_size (1000000) must be at most 4x --size'),
    (['--nz', '100000000'], '--nz must be <= 1024'),
    (['--size', '8192'], '--size must be at most 4096'),
    (['--variant', 'pix2pix+noise', '--nz', '0', '--warmup', '10'], '--warmup ramps up'),
    (['--variant', 'pix2pix+noise', '--nz', '0', '--nef', '8'], '--nef shapes the encoder'),
    (['--variant', 'cVAE-GAN++', '--latent_trains_E'], '--latent_trains_E lets the latent L1 train E'),
    (['--variant', 'cVAE-GAN', '--use_same_D'], '--use_same_D shares D'),
    (['--variant', 'cLR-GAN', '--no_use_vae'], '--no_use_vae changes the cVAE-GAN flow'),
    (['--nz', '0'], '--nz 0 leaves no code'),
    (['--bs', '3'], 'Try --bs 2'),
    (['--valid', 'foo'], 'the generated shapes data has only train/ and val/'),
    (['--n_train', '1'], '--n_train 1 is fewer than --bs 2'),
    (['--out', ''], '--out is empty')])
def test_train_refuses_before_writing_anything(tmp_path, extra, contains):
    argv = TRAIN_BASE + ['--out', str(tmp_path/'run')] + extra
    refused(train_main, argv, contains)
    assert not (tmp_path/'run').exists() and sorted(p.name for p in tmp_path.iterdir()) == []

def test_paths_that_are_files(tmp_path):
    (tmp_path/'afile').write_text('x')
    refused(train_main, TRAIN_BASE + ['--out', str(tmp_path/'afile'/'x')], 'which is a file, not a folder')
    refused(train_main, TRAIN_BASE[2:] + ['--data', str(tmp_path/'afile'), '--out', str(tmp_path/'r')], 'is a file, not a dataset folder')
    refused(shapes_main, [str(tmp_path/'afile')], 'is a file, not a folder')
    refused(shapes_main, [''], 'path is empty')
    (tmp_path/'dd').mkdir()
    refused(train_main, TRAIN_BASE + ['--data', str(tmp_path/'dd'), '--out', str(tmp_path/'r')], '--n_train sets the size of the generated shapes data')

def test_a_diverging_run_leaves_no_half_written_files(tmp_path):
    err = refused(train_main, TRAIN_BASE + ['--out', str(tmp_path/'r'), '--lambda_L1', '1e308', '--threads', '1'], 'became inf', 'start again')
    assert 'Exception occured' not in err
    assert sorted(p.name for p in (tmp_path/'r').iterdir()) == ['shapes']          # the complete data stays, nothing of the run

@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny')
    data = make_shapes(root/'d', n_train=4, n_valid=2, size=32)
    code, err = call(train_main, TRAIN_BASE[2:] + ['--data', str(data), '--out', str(root/'r'), '--threads', '1'])
    assert code == 0, err
    return root

def test_damaged_checkpoints_get_one_line(tiny_run, tmp_path, inputs):
    from bicycle_nb.checkpoint import load_checkpoint
    ck = torch.load(tiny_run/'r'/'checkpoint.pth', weights_only=True)
    cases = {'nonets': {k: v for k, v in ck.items() if k != 'nets'}, 'extra': {**ck, 'arch': {**ck['arch'], 'wings': 2}},
             'mismatch': {**ck, 'arch': {**ck['arch'], 'ngf': 8}}}
    for name, contains in (('nonets', 'is damaged: it has no nets'), ('extra', "'wings'"), ('mismatch', 'the weights of G do not fit')):
        torch.save(cases[name], tmp_path/f'{name}.pth')
        refused(sample_main, [str(inputs/'two'), '--checkpoint', str(tmp_path/f'{name}.pth'), '--out', str(tmp_path/'o')], contains)
        with pytest.raises(ValueError, match=contains.replace('(', r'\(')): load_checkpoint(tmp_path/f'{name}.pth')
    (tmp_path/'cut.pth').write_bytes((tiny_run/'r'/'checkpoint.pth').read_bytes()[:1000])
    refused(sample_main, [str(inputs/'two'), '--checkpoint', str(tmp_path/'cut.pth'), '--out', str(tmp_path/'o')], 'truncated')
    assert not (tmp_path/'o').exists()

def test_resume_finds_the_data_from_another_folder_and_keeps_no_lost_change(tiny_run, monkeypatch):
    run = tiny_run/'r'
    assert Path(json.loads((run/'options.json').read_text())['data']).is_absolute()
    (tiny_run/'elsewhere').mkdir(); monkeypatch.chdir(tiny_run/'elsewhere')
    before = (run/'options.json').read_text()
    refused(train_main, ['--resume', '--out', str(run), '--lr', '0.0001'], 'would apply to no epoch', '--epochs')
    assert (run/'options.json').read_text() == before                            # the refused change is not recorded
    code, err = call(train_main, ['--resume', '--out', str(run), '--epochs', '1', '--threads', '1'])
    assert code == 0, err

def test_sampling_writes_nothing_for_a_refused_reference_and_names_stale_files(inputs, tmp_path, capsys):
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--encode', str(tmp_path/'none.png'), '--out', str(tmp_path/'o')], 'No image')
    assert not (tmp_path/'o').exists()
    assert call(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--n', '4', '--out', str(tmp_path/'o')])[0] == 0
    out = io.StringIO()
    with contextlib.redirect_stdout(out): sample_main([str(inputs/'two'), '--checkpoint', 'shapes', '--n', '2', '--out', str(tmp_path/'o')])
    assert 'also holds 4 older images' in out.getvalue()
    refused(sample_main, [str(inputs/'two'), '--G', 'g.pth', '--E', 'e.pth', '--out', str(tmp_path/'o')], '--E (an official encoder) is used only by')
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--n', '20000000'], '--n must be <= 10000')

def test_help_shows_no_default_for_switches():
    text = cli._train_parser().format_help()
    assert '--no_dropout' in text and '(default: True)' not in text and '(default: False)' not in text and '(default: 8)' in text

def test_interrupts_name_what_is_kept(capsys):
    def stop(argv): raise KeyboardInterrupt
    for prog, says in (('bicycle_nb_sample', 'images written so far'), ('bicycle_nb_train', '--resume')):
        with pytest.raises(SystemExit): cli.friendly_errors(prog, stop)
        assert says in capsys.readouterr().err

def test_python_api_refuses_the_same_things():
    from bicycle_nb.inference import sample, encode
    from bicycle_nb.models import load_shipped
    from bicycle_nb.metrics import mode_coverage, kid, fid
    m, A = pretrained_shapes(), torch.zeros(1, 3, 64, 64)
    for kw, msg in ((dict(n=0), 'n must be an integer >= 1'), (dict(n=2.5), 'n must be'), (dict(chunk=0), 'chunk must be'),
                    (dict(seed=-1), 'seed must be an integer >= 0'), (dict(n=2, z=torch.zeros(2, 8), seed=1), 'seed would do nothing')):
        with pytest.raises(ValueError, match=msg): sample(m, A, **kw)
    with pytest.raises(ValueError, match=r'B is \(32, 32\)'): encode(m, torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match='3-channel targets'): encode(m, torch.zeros(1, 1, 64, 64))
    with pytest.raises(ValueError, match='size must be an integer >= 32 and <= 1024'): make_shapes('x', size=64.0)
    with pytest.raises(ValueError, match='is a folder'): load_shipped(Path(__file__).parent)
    with pytest.raises(TypeError, match="unexpected keyword 'shufle'"): aligned_dls('x', size=32, bs=2, shufle=True)
    for kw, msg in ((dict(n_modes=0), 'n_modes'), (dict(n_modes=11), 'n_modes'), (dict(max_dist=-1), 'max_dist')):
        with pytest.raises(ValueError, match=msg): mode_coverage(m, A, n=2, **kw)
    with pytest.raises(ValueError, match='one width'): kid(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match='NaN'): kid(np.full((4, 3), np.nan), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r'values in \[-1, 1\]'): fid(torch.full((2, 3, 32, 32), 255.), torch.zeros(2, 3, 32, 32))

def test_valid_cannot_be_the_training_folder(tmp_path):
    data = make_shapes(tmp_path/'d', n_train=4, n_valid=2, size=32)
    with pytest.raises(ValueError, match='valid=False'): aligned_dls(data, size=32, bs=2, valid='train')
    refused(train_main, TRAIN_BASE[2:] + ['--data', str(data), '--valid', 'train', '--out', str(tmp_path/'r')], '--valid none')

def test_encoder_options_without_an_encoder_are_named_in_python(tmp_path, capsys):
    "Python: one architecture for a loop over variants is natural, so it is said, not refused (the command line refuses a typed --nef)."
    from bicycle_nb.learner import bicycle_learner
    dls = aligned_dls(make_shapes(tmp_path/'d', n_train=2, n_valid=0, size=32), size=32, bs=2)
    bicycle_learner(dls, variant='pix2pix+noise', nz=0, ngf=4, nef=4, ndf=4)
    assert "variant='pix2pix+noise' has no encoder, so nef=4 is not used" in capsys.readouterr().out

# 7. the fourth round (helper 4) ---------------------------------------------------------------------------------

def test_a_resume_keeps_the_runs_thread_count(tiny_run, tmp_path):
    data = tiny_run/'d'
    base = ['--size', '32', '--bs', '2', '--ngf', '4', '--nef', '4', '--ndf', '4', '--data', str(data), '--epochs_decay', '0']
    assert call(train_main, base + ['--out', str(tmp_path/'straight'), '--epochs', '2', '--threads', '1'])[0] == 0
    assert call(train_main, base + ['--out', str(tmp_path/'split'), '--epochs', '1', '--threads', '1'])[0] == 0
    assert json.loads((tmp_path/'split'/'options.json').read_text())['threads'] == 1
    torch.set_num_threads(2)
    assert call(train_main, ['--resume', '--out', str(tmp_path/'split'), '--epochs', '2'])[0] == 0     # no --threads: the run's 1
    assert torch.get_num_threads() == 1
    a, b = (torch.load(tmp_path/r/'checkpoint.pth', weights_only=True)['nets'] for r in ('straight', 'split'))
    assert all(torch.equal(a[n][k], b[n][k]) for n in a for k in a[n])

@pytest.mark.parametrize('extra,contains', [(['--variant', 'cLR-GAN', '--lambda_kl', '1'], '--lambda_kl weighs the KL'),
                                            (['--valid', ''], '--valid is empty'), (['--out', '/'], 'root of the file system'),
                                            (['--n_train', '2000000'], '--n_train must be <= 1000000')])
def test_more_train_inputs_refused(tmp_path, extra, contains):
    refused(train_main, TRAIN_BASE + ['--out', str(tmp_path/'run')] + extra if '--out' not in extra else TRAIN_BASE + extra, contains)
    assert not (tmp_path/'run').exists()

def test_a_run_cannot_write_into_its_data(tiny_run):
    refused(train_main, TRAIN_BASE[2:] + ['--data', str(tiny_run/'d'), '--out', str(tiny_run/'d'/'run')], 'lies inside it')
    refused(train_main, TRAIN_BASE[2:] + ['--data', str(tiny_run/'d'), '--out', str(tiny_run/'d')], 'is the data folder')
    assert not (tiny_run/'d'/'run').exists()

def test_a_failed_fresh_run_leaves_no_folder(tiny_run, tmp_path):
    refused(train_main, TRAIN_BASE[2:] + ['--data', str(tiny_run/'d'), '--out', str(tmp_path/'r'), '--lr', '1e308', '--threads', '1'], 'start again')
    assert not (tmp_path/'r').exists()

@pytest.mark.parametrize('content,contains', [('not json', 'is not readable JSON'), ('[1, 2]', 'holds a list'),
                                              ('EDIT bs 3', 'options.json: --bs must be'), ('EDIT bogus 1', 'does not know (bogus)')])
def test_a_damaged_options_json_is_named(tiny_run, tmp_path, content, contains):
    import shutil
    run = tmp_path/'r'; shutil.copytree(tiny_run/'r', run)
    if content.startswith('EDIT'):
        _, k, v = content.split(); opts = json.loads((run/'options.json').read_text()); opts[k] = int(v)
        content = json.dumps(opts)
    (run/'options.json').write_text(content)
    refused(train_main, ['--resume', '--out', str(run), '--epochs', '2'], contains)

def test_n_train_on_a_resumed_data_run_says_why(tiny_run):
    refused(train_main, ['--resume', '--out', str(tiny_run/'r'), '--n_train', '10'], '--n_train sets the size of the generated shapes data')

def test_sample_inputs_that_would_collide_or_loop(inputs, tmp_path):
    (tmp_path/'col'/'a').mkdir(parents=True); (tmp_path/'col'/'b').mkdir()
    for sub in ('a', 'b'): Image.new('RGB', (64, 64), 'white').save(tmp_path/'col'/sub/'x.png')
    refused(sample_main, [str(tmp_path/'col'), '--checkpoint', 'shapes', '--out', str(tmp_path/'o')], 'would write the same sample files')
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--out', str(inputs/'two'/'o')], 'lies inside it')
    refused(sample_main, [str(inputs/'two'), '--checkpoint', '', '--out', str(tmp_path/'o')], '--checkpoint is empty')
    refused(sample_main, ['', '--checkpoint', 'shapes', '--out', str(tmp_path/'o')], 'the inputs are empty')
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'shapes', '--n', '2', '--grid', '5', '--out', str(tmp_path/'o')], '--grid 5 asks for more')
    refused(sample_main, [str(inputs/'shapes'/'val'), '--checkpoint', 'shapes', '--pairs', '--direction', 'BtoA', '--out', str(tmp_path/'o')],
            'this checkpoint was trained AtoB')
    assert not (tmp_path/'o').exists() and not (inputs/'two'/'o').exists()

def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    import subprocess, sys, time, signal
    p = subprocess.Popen([sys.executable, '-c', 'from bicycle_nb.cli import shapes_main; shapes_main()', str(tmp_path/'s'), '--n_train', '200000'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not any(tmp_path.glob('.s.tmp-*')) and time.time() < deadline: time.sleep(0.1)
    time.sleep(0.5); p.send_signal(signal.SIGTERM); err = p.communicate(timeout=60)[1]
    assert p.returncode == 130 and 'interrupted' in err, err
    assert list(tmp_path.iterdir()) == []                                       # no hidden half-written data

def test_compile_failures_are_one_line(capsys):
    Failed = type('BackendCompilerFailed', (RuntimeError,), {'__module__': 'torch._dynamo.exc'})
    def main(argv): raise Failed('60 lines of inductor traceback')
    with pytest.raises(SystemExit): cli.friendly_errors('bicycle_nb_train', main)
    err = capsys.readouterr().err.strip()
    assert err == 'bicycle_nb_train: error: --compile failed in torch.compile (BackendCompilerFailed); train without --compile.'

def test_python_sample_refuses_what_it_cannot_use():
    from bicycle_nb.inference import sample
    from bicycle_nb.checkpoint import load_checkpoint
    from bicycle_nb.models import load_shipped
    m = pretrained_shapes()
    for A, err, msg in ((np.zeros((1, 3, 64, 64), np.float32), TypeError, 'torch tensor'), (torch.zeros(1, 3, 64, 64, dtype=torch.uint8), ValueError, 'float images'),
                        (torch.full((1, 3, 64, 64), 200.), ValueError, r'values in \[-1, 1\]'), (torch.full((1, 3, 64, 64), float('nan')), ValueError, r'values in \[-1, 1\]'),
                        (torch.zeros(0, 3, 64, 64), ValueError, 'no images'), (torch.zeros(1, 3, 32, 32), ValueError, 'not one this model takes')):
        with pytest.raises(err, match=msg): sample(m, A, n=2)
    assert sample(m, torch.zeros(1, 3, 64, 64, dtype=torch.float64), n=2).dtype == torch.float32
    with pytest.raises(TypeError, match='model must be a BicycleGAN'): sample('shapes', torch.zeros(1, 3, 64, 64))
    with pytest.raises(TypeError, match='path of a checkpoint'): load_checkpoint(None)
    with pytest.raises(TypeError, match='path of a shipped model'): load_shipped(None)

# 8. the fifth round (helper 6) ----------------------------------------------------------------------------------

def test_resume_refuses_data_that_changed(tiny_run, tmp_path):
    import shutil
    data = tmp_path/'d'; shutil.copytree(tiny_run/'d', data)
    base = ['--data', str(data), '--size', '32', '--bs', '2', '--ngf', '4', '--nef', '4', '--ndf', '4', '--threads', '1', '--epochs_decay', '0']
    assert call(train_main, base + ['--out', str(tmp_path/'r'), '--epochs', '1'])[0] == 0
    shutil.copy(sorted((data/'train').iterdir())[0], data/'train'/'extra.png')
    refused(train_main, ['--resume', '--out', str(tmp_path/'r'), '--epochs', '2'], 'the data in', 'changed since', 'image files then')
    (data/'train'/'extra.png').unlink()
    assert call(train_main, ['--resume', '--out', str(tmp_path/'r'), '--epochs', '2'])[0] == 0

def test_shapes_sizes_the_loader_cannot_read_are_refused(tmp_path):
    refused(shapes_main, [str(tmp_path/'s'), '--size', '31'], '--size must be >= 32')
    code, err = call(shapes_main, [str(tmp_path/'s48'), '--size', '48', '--n_train', '2', '--n_valid', '0'])
    assert code == 0, err                                                         # usable with --load_size 48 --size 32
    refused(shapes_main, [str(tmp_path/'s48'), '--size', '48', '--n_train', '3', '--n_valid', '0'], 'n_train 2 (now 3)')

def test_discriminator_options_without_a_discriminator(tmp_path):
    refused(train_main, TRAIN_BASE + ['--out', str(tmp_path/'r'), '--lambda_GAN', '0', '--lambda_GAN2', '0'], '--ndf shapes the discriminators')
    refused(train_main, TRAIN_BASE[:-2] + ['--out', str(tmp_path/'r'), '--lambda_GAN', '0', '--lambda_GAN2', '0', '--lr_D_mult', '3'], '--lr_D_mult 3.0 tunes')

def test_more_python_keywords_checked():
    from bicycle_nb.inference import interpolate, latent_walk, sample, transfer
    from bicycle_nb.learner import bicycle_learner
    m, A, z8 = pretrained_shapes(), torch.zeros(2, 3, 64, 64), torch.ones(8)
    for f, msg in ((lambda: interpolate(z8, z8, steps=4, t=[0, .5, 1]), 'not both'), (lambda: interpolate(torch.zeros(8), z8, mode='slerp'), 'nonzero length'),
                   (lambda: interpolate(z8, z8, steps=2.5), 'steps must be an integer >= 2'), (lambda: interpolate(z8, z8, t=[-1, 2]), r'fractions in \[0, 1\]'),
                   (lambda: interpolate(z8, torch.ones(7)), 'one shape'), (lambda: latent_walk(m, A, torch.randn(2, 8), steps=0), 'steps must be an integer from 1'),
                   (lambda: sample(m, A, z=torch.full((3, 8), float('nan')), n=3), 'NaN'), (lambda: sample(m, A, z=torch.randn(3, 8)), 'give n=3'),
                   (lambda: sample(m, A, sync='no'), 'sync must be True or False'), (lambda: transfer(m, A, torch.zeros(3, 3, 64, 64)), '3 references for 2 inputs'),
                   (lambda: aligned_dls('x', size=32, bs=2, seed=-1), 'seed must be'), (lambda: aligned_dls('x', size=32, bs=2, num_workers=1000), 'from 0 to 64'),
                   (lambda: aligned_dls('x', size=32, bs=2, flip='no'), 'flip must be'), (lambda: aligned_dls(5), 'dataset folder')):
        with pytest.raises((ValueError, TypeError), match=msg): f()

def test_learner_names_the_loaders_options(tiny_run):
    from bicycle_nb.learner import bicycle_learner
    dls = aligned_dls(tiny_run/'d', size=32, bs=2)
    with pytest.raises(TypeError, match=r'load_size is an option of the data.*aligned_dls'): bicycle_learner(dls, load_size=40)
    with pytest.raises(ValueError, match='seed must be'): bicycle_learner(dls, seed=-1)

def test_sample_help_and_checkpoint_case(inputs, tmp_path):
    text = cli._sample_parser().format_help()
    assert '(default: bicycle_samples)' in text and '(default: None)' not in text
    refused(sample_main, [str(inputs/'two'), '--checkpoint', 'SHAPES', '--out', str(tmp_path/'o')], '--checkpoint shapes (lower case)')
