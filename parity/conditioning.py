"""Where is the official training step ill-conditioned in float32? Measured against the float64 fixtures.

Usage:  python parity/conditioning.py OFFICIAL_DIR [--fixtures parity] [--json out.json]

For each step fixture it runs the official code (imported from OFFICIAL_DIR, never copied) in float32 under
four kernel settings (oneDNN on/off x 1/2 threads) and reports, against the float64 reference:
1. each logged loss of each of the three steps (relative error);
2. each network's step-1 gradients (worst tensor, relative error) and three-step update (relative error);
3. the step-1 gradient of G and of E from each loss term on its own, so that the ill-conditioned term shows.
It prints one JSON document (also written to --json).
"""
import argparse, json, sys, tempfile
from pathlib import Path
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_fixtures import NETS, official_model, run_official_steps, to_image

SETTINGS = {'oneDNN on, 2 threads': (True, 2), 'oneDNN off, 2 threads': (False, 2),
            'oneDNN on, 1 thread': (True, 1), 'oneDNN off, 1 thread': (False, 1)}


def rel(a, b): return ((a.double() - b.double()).norm() / b.double().norm()).item()


def loaded_model(fx, ckpt, dtype):
    o = fx['options']
    model, opt = official_model(o['where_add'], o['ngf'], ckpt, dtype)
    for n in NETS: getattr(model, 'net' + n).load_state_dict(fx['before'][n])
    return model


def term_grads(model, b, dtype):
    "Step-1 gradient of G's and E's parameters from each loss term of the official G/E objective, on its own."
    o = model.opt
    q = [b['eps'].to(dtype), b['z_random'].to(dtype)]
    model.get_z_random = lambda bs, nz, random_type='gauss', q=q: q.pop(0).clone()
    model.set_input({'A': to_image(b['A_u8'], dtype), 'B': to_image(b['B_u8'], dtype), 'A_paths': ['', ''], 'B_paths': ['', '']})
    model.forward()
    terms = dict(G_GAN=model.backward_G_GAN(model.fake_data_encoded, model.netD, o.lambda_GAN),
                 G_GAN2=model.backward_G_GAN(model.fake_data_random, model.netD2, o.lambda_GAN2),
                 G_L1=model.criterionL1(model.fake_B_encoded, model.real_B_encoded) * o.lambda_L1,
                 kl=torch.sum(1 + model.logvar - model.mu.pow(2) - model.logvar.exp()) * (-0.5 * o.lambda_kl),
                 z_L1=model.criterionZ(model.mu2, model.z_random) * o.lambda_z)
    out = {}
    for k, t in terms.items():
        for net in ('G', 'E'):
            ps = list(getattr(model, 'net' + net).parameters())
            gs = torch.autograd.grad(t, ps, retain_graph=True, allow_unused=True)
            gs = [torch.zeros_like(p) if g is None else g for p, g in zip(ps, gs)]
            out[f'{k}->{net}'] = torch.cat([g.flatten() for g in gs]).detach()
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('official_dir'); p.add_argument('--fixtures', default=str(HERE)); p.add_argument('--json', default=None)
    a = p.parse_args(argv)
    sys.path.insert(0, str(Path(a.official_dir).resolve()))
    report = {}
    with tempfile.TemporaryDirectory() as ckpt:
        for where in ('all', 'input'):
            fx = torch.load(Path(a.fixtures)/f'step_unet_128_{where}.pt')
            ref_terms = term_grads(loaded_model(fx, ckpt, torch.float64), fx['batches'][0], torch.float64)
            r = report[where] = {}
            for name, (onednn, threads) in SETTINGS.items():
                torch.set_num_threads(threads)
                with torch.backends.mkldnn.flags(enabled=onednn):
                    run = run_official_steps(loaded_model(fx, ckpt, torch.float32), fx['batches'], torch.float32)
                    terms = term_grads(loaded_model(fx, ckpt, torch.float32), fx['batches'][0], torch.float32)
                losses = {k: max(abs(l[k] - f[k]) / abs(f[k]) for l, f in zip(run['losses'], fx['losses'])) for k in fx['losses'][0]}
                grads = {}
                for n in NETS:
                    errs = {k: rel(g, fx['grads_step1'][n][k]) for k, g in run['grads'][n].items() if fx['grads_step1'][n][k].norm() > 1e-6}
                    worst = max(errs, key=errs.get)
                    whole = rel(torch.cat([g.flatten() for g in run['grads'][n].values()]),
                                torch.cat([g.flatten() for g in fx['grads_step1'][n].values()]))
                    grads[n] = dict(whole=whole, worst_tensor=worst, worst=errs[worst])
                upd = {n: rel(torch.cat([(run['after'][n][k].double() - fx['before'][n][k].double()).flatten() for k in d]),
                              torch.cat([d[k].flatten() for k in d])) for n, d in fx['update_step3'].items()}
                r[name] = dict(loss_rel=losses, grad_rel=grads, update_rel=upd,
                               term_grad_rel={k: rel(terms[k], ref_terms[k]) for k in terms if ref_terms[k].norm() > 0})
    txt = json.dumps(report, indent=1)
    print(txt)
    if a.json: Path(a.json).write_text(txt + '\n')


if __name__ == '__main__': main()
