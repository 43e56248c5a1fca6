"""Issue 26: the course's exercise checks fail on wrong answers. Each notebook runs up to its exercises as nbdev would
(flagged cells skipped), then each wrong answer below replaces the worked solution and its check must raise; the
worked solution then runs and its check must pass, so later exercises see the state they expect."""
import contextlib, os, re
from pathlib import Path
import pytest
from execnb.nbio import read_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config

NBS = Path(__file__).resolve().parent.parent/'nbs'

WRONG = {
    '00_data': {
        1: ["def l1_answer(Bs): return np.asarray(Bs, np.float32).mean(0)      # a mean: L2's answer, not L1's\n"
            "med = l1_answer(np.stack([np.asarray(b) for _, b in pairs])); med_mode, med_dist = classify_mode(med)",
            "med = np.full((64, 64, 3), 150., np.float32); med_mode, med_dist = classify_mode(med)   # a palette colour, grey"],
        2: ["aligned, shifted = 1., 1.                                          # crops said not to matter"],
        3: ["three = write_shapes(tmp_root/'three_all', n_train=30, n_valid=0, size=32)            # n_modes left at 10\n"
            "counts = np.bincount(list(read_modes(three).values())).tolist()"]},
    '01_models': {
        1: ["nz, ngf, levels = 8, 8, unet_levels(64); outs = [ngf * min(2 ** i, 8) for i in range(levels)]; img_in = [3] + outs[:-1]\n"
            "in_all = [c + nz for c in img_in]; in_input = [img_in[0] + nz] + img_in[1:]\n"
            "extra = sum(nz * 16 * o for o in outs)                             # counts the top level twice"]},
    '01b_encoder_discriminators': {
        1: ["E, G = ResnetE(3, nz=8, nef=8, size=32), UnetG(3, 3, nz=8, ngf=8, size=32)\n"
            "A, B = torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32); mu, logvar = E(B); eps = torch.randn_like(mu)\n"
            "z = mu + logvar.exp() * eps; B_hat = G(A, z)                        # sigma taken as exp(logvar)"],
        2: ["def conv_out(n, k=4, s=2, p=1): return (n + 2 * p - k) // s + 1\n"
            "def patch_side(n, n_layers=3):                                     # one stride-2 convolution too many\n"
            "    for _ in range(n_layers): n = conv_out(n)\n"
            "    return conv_out(conv_out(n, s=1), s=1)\n"
            "sides = [patch_side(64), patch_side(conv_out(64, k=3, s=2, p=1))]"]},
    '02_losses': {
        1: ["g_at_init, d_at_init = 1., 1.                                      # one scale counted, not two"],
        2: ["def kl_mean(mu, logvar): return kl_loss(mu, logvar) / mu.size(0)   # a mean over the batch only"]},
    '03_cvae_gan': {
        1: ["def kl_by_hand(mu, logvar): return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).mean()   # a mean, not the official sum"],
        2: ["with torch.no_grad():\n"
            "    mu_tr, logvar_tr = trained.E(B); out_mu = trained.G(A, mu_tr)\n"
            "    z_sampled = mu_tr + logvar_tr.exp() * torch.randn_like(mu_tr)          # sigma taken as exp(logvar)\n"
            "    out_sampled = trained.G(A, z_sampled); out_prior = trained.G(A, torch.randn_like(mu_tr))\n"
            "d_sampled, d_prior = (out_sampled - out_mu).abs().mean().item(), (out_prior - out_mu).abs().mean().item()",
            "with torch.no_grad():\n"
            "    mu_tr, logvar_tr = trained.E(B); out_mu = trained.G(A, mu_tr)\n"
            "    z_sampled = reparameterise(mu_tr, logvar_tr, torch.randn_like(mu_tr))\n"
            "    out_sampled = trained.G(A, z_sampled); out_prior = trained.G(A, torch.randn_like(mu_tr))\n"
            "d_sampled, d_prior = (z_sampled - mu_tr).abs().mean().item(), (out_prior - out_mu).abs().mean().item()   # codes, not images"]},
    '04_clr_gan': {
        1: ["ignore_z = 0.5 * (2 / torch.pi) ** 0.5                            # the closed form, not an estimate"],
        2: ["used = int((r > 0.5).sum()); best = int(r.argmax())\n"
            "codes = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))   # random codes, not along best\n"
            "with torch.no_grad(): imgs = trained.G(A1[:1].expand(3, -1, -1, -1), codes)\n"
            "names = [MODE_NAMES[m] if d <= 60 else 'blend' for m, d in map(classify_mode, imgs)]",
            "used = int((r > 0.5).sum()); best = int(r.argmin())                 # the worst dimension\n"
            "codes = torch.zeros(3, 8); codes[:, best] = torch.tensor([-2., 0., 2.])\n"
            "with torch.no_grad(): imgs = trained.G(A1[:1].expand(3, -1, -1, -1), codes)\n"
            "names = [MODE_NAMES[m] if d <= 60 else 'blend' for m, d in map(classify_mode, imgs)]"],
        3: ["E_reads_more, more_control = False, True                           # the opposite of the runs"]},
    '06_inference': {
        1: ["outs = sample(trained, A[:1], n=10, seed=0)[0]\n"
            "modes = torch.tensor([m for m, d in map(classify_mode, outs)])      # the <= 60 rule ignored"],
        2: ["rec = sample(trained, A, n=1, seed=0)[:, 0]                         # random codes, not the encoded ones"],
        3: ["z0, z1 = torch.randn(1000, 8), torch.randn(1000, 8); prior = z0.norm(dim=-1).mean().item()\n"
            "lerp_mid = slerp_mid = prior                                        # no loss of norm anywhere"]},
}

@contextlib.contextmanager
def cwd(path):
    old = os.getcwd(); os.chdir(path)
    try: yield
    finally: os.chdir(old)

def failed(sh, src):
    "Whether running `src` in `sh` raised."
    outs = sh.run(src)
    return any(o.get('output_type') == 'error' for o in outs)

def exercises(nb):
    "(number, answer cell, check cell) of each exercise: the answer cell runs its worked solution, the next code cell checks."
    cells, out = nb.cells, []
    for i, c in enumerate(cells):
        m = re.search(r"solutions/\w+?_(\d+)\.py", c.source) if c.cell_type == 'code' and 'exec(open(' in c.source else None
        if m: out.append((int(m[1]), c, next(d for d in cells[i + 1:] if d.cell_type == 'code')))
    return out

@pytest.mark.parametrize('name', list(WRONG))
def test_exercise_checks_fail_on_wrong_answers(name):
    nb = read_nb(NBS/f'{name}.ipynb')
    skip = [f'#| {f}' for f in get_config().tst_flags.split()] + ['#| eval: false']
    exs = exercises(nb)
    assert sorted(n for n, _, _ in exs) == sorted(WRONG[name]), 'every exercise has wrong answers to try'
    with cwd(NBS):
        sh = CaptureShell()
        for c in nb.cells[:nb.cells.index(exs[0][1])]:
            if c.cell_type == 'code' and not any(s in c.source for s in skip): assert not failed(sh, c.source), c.source[:200]
        for n, answer, check in exs:
            for wrong in WRONG[name][n]:
                assert not failed(sh, wrong), wrong                          # the wrong answer itself runs...
                assert failed(sh, check.source), f'{name} exercise {n}: the check passed a wrong answer:\n{wrong}'
            assert not failed(sh, answer.source) and not failed(sh, check.source), f'{name} exercise {n}: the worked solution fails'
