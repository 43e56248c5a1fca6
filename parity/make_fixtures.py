"""Make the parity fixtures of this folder by running the official BicycleGAN code.

Usage:  python parity/make_fixtures.py OFFICIAL_DIR [--out parity] [--width 4] [--step_width 4]

OFFICIAL_DIR is a checkout of https://github.com/junyanz/BicycleGAN (its `models/` and `options/` are
imported from there; nothing of it is copied into this repository). Only torch and numpy are needed.

What it writes (see README.md in this folder for the layout and the criteria):
- G_*.pt, E_*.pt, D_*.pt: float32 forward fixtures (official state dict, input, official output);
- step_unet_128_{all,input}.pt: three official training steps run in float64;
- manifest.json: every file's configuration.

Storage is compact and exact: weights and latent codes are rounded to float16-representable values before
the official code runs, so storing them as float16 loses nothing; images are uint8 (x = u8 / 127.5 - 1).
"""
import argparse, contextlib, io, json, sys, tempfile
from pathlib import Path
import numpy as np
import torch


def to_image(u8, dtype=torch.float32):
    "uint8 pixels -> [-1, 1], the conversion every reader of these fixtures uses."
    return u8.to(dtype) / 127.5 - 1


def f16(t):
    "Round a float tensor to the nearest float16-representable value, keeping its dtype."
    return t.half().to(t.dtype) if t.is_floating_point() else t


def perturb(net, seed):
    "Give every bias, batch-norm affine parameter and running statistic a non-zero value, so that each tensor matters."
    g = torch.Generator().manual_seed(seed)
    rnd = lambda shape: torch.randn(shape, generator=g, dtype=torch.float32)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)) and m.bias is not None:
                m.bias.copy_(rnd(m.bias.shape) * 0.05)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(1 + rnd(m.weight.shape) * 0.1)
                m.bias.copy_(rnd(m.bias.shape) * 0.1)
                m.running_mean.copy_(rnd(m.running_mean.shape) * 0.1)
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
        for t in list(net.parameters()) + list(net.buffers()): t.copy_(f16(t))
    return net


def half_state(sd):
    "A state dict stored as float16 (its values are float16-representable, see `perturb`); integer buffers unchanged."
    return {k: (v.detach().half() if v.is_floating_point() else v.detach().clone()) for k, v in sd.items()}


def forward_fixtures(N, out, W, rng):
    "Float32 forward fixtures of every official G, E and D layout (batch 1)."
    made = {}
    def save(name, obj, meta):
        torch.save(obj, out/f'{name}.pt'); made[name] = meta
    g_cfgs = [dict(netG=g, where_add=w, input_nc=ic, output_nc=3, nz=8, ngf=W, norm='instance', nl='relu',
                   upsample='basic', use_dropout=True) for g, ic in (('unet_128', 3), ('unet_256', 1)) for w in ('input', 'all')]
    g_cfgs.append(dict(netG='unet_128', where_add='all', input_nc=3, output_nc=3, nz=8, ngf=W, norm='batch', nl='lrelu',
                       upsample='bilinear', use_dropout=False))
    for i, c in enumerate(g_cfgs):
        torch.manual_seed(1)
        net = N.define_G(c['input_nc'], c['output_nc'], c['nz'], c['ngf'], netG=c['netG'], norm=c['norm'], nl=c['nl'],
                         use_dropout=c['use_dropout'], init_type='xavier', init_gain=1.0, where_add=c['where_add'],
                         upsample=c['upsample'])
        perturb(net, 11 + i).eval()
        s = int(c['netG'].split('_')[1])
        x8 = torch.from_numpy(rng.integers(0, 256, (1, c['input_nc'], s, s), dtype=np.uint8))
        z = f16(torch.from_numpy(rng.standard_normal((1, c['nz']))).float())
        with torch.no_grad(): y = net(to_image(x8), z)
        name = f"G_{c['netG']}_{c['where_add']}_{c['norm']}_{c['nl']}_{c['upsample']}"
        save(name, dict(config=c, state_dict=half_state(net.state_dict()), x_u8=x8, z=z.half(), y=y),
             dict(kind='G', config=c, forward='eval mode: y = G(x, z)'))
    for i, (e, s) in enumerate((('resnet_128', 128), ('resnet_256', 256), ('conv_128', 128), ('conv_256', 256))):
        c = dict(netE=e, input_nc=3, nz=8, nef=W, norm='instance', nl='lrelu', vaeLike=True)
        torch.manual_seed(2)
        net = perturb(N.define_E(3, 8, W, netE=e, norm='instance', nl='lrelu', init_type='xavier', init_gain=1.0,
                                 vaeLike=True), 21 + i).eval()
        x8 = torch.from_numpy(rng.integers(0, 256, (1, 3, s, s), dtype=np.uint8))
        with torch.no_grad(): mu, logvar = net(to_image(x8))
        save(f'E_{e}', dict(config=c, state_dict=half_state(net.state_dict()), x_u8=x8, mu=mu, logvar=logvar),
             dict(kind='E', config=c, forward='eval mode: mu, logvar = E(x)'))
    for i, (d, s) in enumerate((('basic_128_multi', 128), ('basic_256_multi', 256))):
        c = dict(netD=d, input_nc=3, ndf=W, norm='instance', num_Ds=2)
        torch.manual_seed(3)
        net = perturb(N.define_D(3, W, netD=d, norm='instance', nl='lrelu', init_type='xavier', init_gain=1.0,
                                 num_Ds=2), 31 + i).eval()
        x8 = torch.from_numpy(rng.integers(0, 256, (1, 3, s, s), dtype=np.uint8))
        with torch.no_grad(): ys = net(to_image(x8))
        save(f'D_{d}', dict(config=c, state_dict=half_state(net.state_dict()), x_u8=x8, y=list(ys)),
             dict(kind='D', config=c, forward='eval mode: [patch maps per scale] = D(x)'))
    return made


OPTION_KEYS = ('init_type', 'init_gain', 'batch_size', 'input_nc', 'output_nc', 'netD2', 'lr', 'beta1', 'lambda_L1',
               'lambda_GAN', 'lambda_GAN2', 'lambda_z', 'lambda_kl', 'gan_mode', 'use_same_D', 'conditional_D', 'nz', 'norm',
               'nl', 'upsample', 'use_dropout', 'num_Ds', 'where_add', 'netG', 'netD', 'netE', 'ngf', 'nef', 'ndf')


def official_model(where, W, ckpt_dir, dtype=torch.float64):
    "The official BiCycleGANModel (unet_128, resnet_128, basic_128_multi, widths W, batch 2), built in `dtype`."
    from options.train_options import TrainOptions
    from models import create_model
    sys.argv = ['train.py', '--dataroot', '.', '--gpu_ids', '-1', '--batch_size', '2', '--load_size', '128', '--crop_size', '128',
                '--netG', 'unet_128', '--netD', 'basic_128_multi', '--netD2', 'basic_128_multi', '--netE', 'resnet_128',
                '--ngf', str(W), '--nef', str(W), '--ndf', str(W), '--where_add', where, '--init_gain', '1.0',
                '--checkpoints_dir', ckpt_dir, '--name', 'parity']
    old = torch.get_default_dtype(); torch.set_default_dtype(dtype)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            opt = TrainOptions().parse()
            torch.manual_seed(4)
            model = create_model(opt); model.setup(opt)
    finally: torch.set_default_dtype(old)
    return model, opt


NETS = ('G', 'E', 'D', 'D2')


def run_official_steps(model, batches, dtype=torch.float64):
    "Run the official `optimize_parameters` on `batches` (dicts of A_u8, B_u8, eps, z_random); return what happened."
    grads, first = {}, {'on': True}
    for n in NETS:
        o = getattr(model, 'optimizer_' + n)
        def wrap(o=o, n=n, step=o.step):
            def s(*a, **k):
                if first['on']:
                    grads[n] = {k2: p.grad.detach().clone() for k2, p in getattr(model, 'net' + n).named_parameters()}
                return step(*a, **k)
            o.step = s
        wrap()
    losses, inter = [], None
    old = torch.get_default_dtype(); torch.set_default_dtype(dtype)
    try:
        for i, b in enumerate(batches):
            q = [b['eps'].to(dtype), b['z_random'].to(dtype)]
            model.get_z_random = lambda bs, nz, random_type='gauss', q=q: q.pop(0).clone()
            model.set_input({'A': to_image(b['A_u8'], dtype), 'B': to_image(b['B_u8'], dtype), 'A_paths': ['', ''], 'B_paths': ['', '']})
            model.optimize_parameters()
            losses.append({k: float(v) for k, v in model.get_current_losses().items()})
            if i == 0:
                first['on'] = False
                inter = {k: getattr(model, k).detach().clone() for k in ('mu', 'logvar', 'mu2')}
    finally: torch.set_default_dtype(old)
    return dict(losses=losses, grads=grads, intermediates=inter,
                after={n: {k: v.detach().clone() for k, v in getattr(model, 'net' + n).state_dict().items()} for n in NETS})


def step_fixture(where, W, rng, ckpt_dir):
    "Three official training steps in float64 (unet_128, widths W, one image per half)."
    model, opt = official_model(where, W, ckpt_dir)
    for i, n in enumerate(NETS): perturb(getattr(model, 'net' + n), 40 + i)
    before = {n: {k: v.detach().clone() for k, v in getattr(model, 'net' + n).state_dict().items()} for n in NETS}
    batches = [dict(A_u8=torch.from_numpy(rng.integers(0, 256, (2, 3, 128, 128), dtype=np.uint8)),
                    B_u8=torch.from_numpy(rng.integers(0, 256, (2, 3, 128, 128), dtype=np.uint8)),
                    eps=f16(torch.from_numpy(rng.standard_normal((1, 8)))).half(),
                    z_random=f16(torch.from_numpy(rng.standard_normal((1, 8)))).half()) for _ in range(3)]
    r = run_official_steps(model, batches)
    f32 = lambda d: {k: v.float() for k, v in d.items()}
    opts = {k: getattr(opt, k) for k in OPTION_KEYS}
    return dict(options=opts, dtype='float64', before={n: half_state(before[n]) for n in NETS}, batches=batches,
                losses=r['losses'], grads_step1={n: f32(r['grads'][n]) for n in NETS},
                intermediates_step1=f32(r['intermediates']),
                update_step3={n: {k: (r['after'][n][k] - before[n][k]).float() for k in before[n] if before[n][k].is_floating_point()}
                              for n in NETS}), opts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('official_dir', help='a checkout of junyanz/BicycleGAN (holds models/ and options/)')
    p.add_argument('--out', default=str(Path(__file__).resolve().parent), help='folder the fixtures are written to')
    p.add_argument('--width', type=int, default=4, help='ngf = nef = ndf of the forward fixtures')
    p.add_argument('--step_width', type=int, default=4, help='ngf = nef = ndf of the float64 training-step fixtures')
    p.add_argument('--seed', type=int, default=0, help='seed of the inputs and latent codes')
    a = p.parse_args(argv)
    off = Path(a.official_dir).resolve()
    if not (off/'models'/'bicycle_gan_model.py').exists():
        p.error(f'{off} is not a checkout of junyanz/BicycleGAN (no models/bicycle_gan_model.py)')
    sys.path.insert(0, str(off))
    from models import networks as N
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    manifest = forward_fixtures(N, out, a.width, rng)
    with tempfile.TemporaryDirectory() as ckpt:
        for where in ('all', 'input'):
            fx, opts = step_fixture(where, a.step_width, rng, ckpt)
            torch.save(fx, out/f'step_unet_128_{where}.pt')
            manifest[f'step_unet_128_{where}'] = dict(kind='train_step', dtype='float64', options=opts, losses=fx['losses'])
    manifest['_made_with'] = dict(torch=torch.__version__, numpy=np.__version__, seed=a.seed, width=a.width, step_width=a.step_width)
    (out/'manifest.json').write_text(json.dumps(manifest, indent=1, default=str) + '\n')
    print(f'wrote {len(manifest) - 1} fixtures to {out}')


if __name__ == '__main__': main()
