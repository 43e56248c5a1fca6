"""A test-only training script (not in the wheel): data-parallel BicycleGAN on the shapes data for `--steps` steps,
one process or under torchrun; rank 0 writes `out/checkpoints_rank0/checkpoint.pth`. `--dump_weights` writes each
process's final weights; `--float64` trains in float64 (one process and several then agree to rounding on any CPU)."""
import argparse, json, os, sys
from pathlib import Path
import torch
import torch.distributed as dist
from fastai.basics import Callback
from bicycle_nb.data import make_shapes, aligned_dls
from bicycle_nb.training import StopAfterSteps
from bicycle_nb.checkpoint import SaveCheckpoint
from bicycle_nb.learner import bicycle_learner
from bicycle_nb.distributed import init_distributed, data_parallel_learner

def parser():
    p = argparse.ArgumentParser('tests/dp_run.py', description=__doc__.split('\n\n')[0])
    p.add_argument('--out', required=True); p.add_argument('--steps', type=int, default=200)
    p.add_argument('--bs', type=int, default=8, help='global batch size'); p.add_argument('--size', type=int, default=32)
    p.add_argument('--width', type=int, default=8); p.add_argument('--n_train', type=int, default=64)
    p.add_argument('--lr', type=float, default=2e-4); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--dump_weights', action='store_true'); p.add_argument('--float64', action='store_true')
    return p

class Float64(Callback):
    "Train in float64: cast each batch; fastai's smoothed loss stays in the loss's dtype."
    order = -10
    def before_batch(self): self.learn.xb = tuple(x.double() for x in self.xb); self.learn.yb = tuple(y.double() for y in self.yb)
    def after_loss(self):
        sl = self.learn.recorder.smooth_loss
        if self.learn.loss.dtype == torch.float64: sl.val = sl.val.double()

def main(argv=None):
    a = parser().parse_args(argv)
    torch.set_num_threads(1)
    if a.float64: torch.set_default_dtype(torch.float64)
    out = Path(a.out)
    parallel = 'RANK' in os.environ
    rank, world = init_distributed() if parallel else (0, 1)
    if rank == 0: make_shapes(out/'shapes', n_train=a.n_train, n_valid=8, size=a.size)
    if parallel: dist.barrier()
    dls = aligned_dls(out/'shapes', size=a.size, load_size=a.size, bs=a.bs, flip=False, seed=a.seed)
    kw = dict(ngf=a.width, nef=a.width, ndf=a.width, dropout=False, seed=a.seed)
    learn = data_parallel_learner(dls, **kw) if parallel else bicycle_learner(dls, **kw)
    stop = StopAfterSteps(a.steps)
    with learn.no_bar(), learn.no_logging():
        learn.fit(10_000, a.lr, cbs=[stop, SaveCheckpoint(out/f'checkpoints_rank{rank}'/'checkpoint.pth')] + ([Float64()] if a.float64 else []))
    if a.dump_weights:
        nets = {k: getattr(learn.model, k).state_dict() for k in ('G', 'E', 'D', 'D2')}
        torch.save(dict(nets=nets, steps=stop.done, world=world, history=learn.loss_log.history, arch=learn.model.arch.asdict()),
                   out/f'weights_world{world}_rank{rank}.pt')
    if rank == 0: print(json.dumps(dict(world_size=world, steps=stop.done, out=str(out))))
    if parallel: dist.destroy_process_group()

if __name__ == '__main__': main()
