"""Pairs per second of our loader (`aligned_dls`) against an official-style loader, on a generated folder of A|B JPEGs.

The official-style loader is written out here as BicycleGAN's `data/aligned_dataset.py` and `base_dataset.get_transform`
do it: open the file, convert to RGB, cut at w/2, one random crop position and flip for both halves, each half resized
to `load_size` (bicubic), cropped to `size`, flipped, `ToTensor`, `Normalize(0.5, 0.5)`; batched by a torch `DataLoader`.
Ours is `aligned_dls(...).train` (same resize, crop and flip; batches normalised to [-1, 1]).

Both run with one torch thread. Per core: no workers. Our workers hand batches over through `BatchRing` (shared
buffers set up once per epoch) instead of torch's per-batch shared-memory files. With workers: `--workers` (default 2) loader processes each,
at batch 2 (the official edges2shoes setting) and batch 8. Rounds alternate the loaders (a fresh iterator each
time; its first 10 batches, worker start-up included, not timed). The folder holds `--files` generated pairs, hard
linked up to `--linked` files so that an epoch is long enough for workers. Also: the time from `aligned_dls` to the
first batch on a folder of `--startup_files` files.

    python bench/data.py                          # 512x256 JPEG pairs, load_size 286, size 256, batch 2; prints JSON
    python bench/data.py --files 400 --rounds 3 --startup_files 50000
"""
import argparse, json, os, random, shutil, statistics, sys, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np, torch
from PIL import Image
sys.path.insert(0, str(Path(__file__).parent))
from machine import machine, describe

def make_folder(root, n, w=512, h=256, quality=95, seed=0):
    "n A|B JPEG pairs (w x h) of smooth random colour fields and edges: JPEG sizes like real photos', not noise."
    rng = np.random.default_rng(seed)
    (root/'train').mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:h, 0:w // 2] / h
    for i in range(n):
        c = rng.uniform(0, 255, (3, 3))
        B = np.stack([c[k, 0] + c[k, 1] * np.sin(6 * xx + k) * yy + c[k, 2] * xx * 0.3 for k in range(3)], -1)
        A = np.where(np.abs(np.sin(9 * xx + 5 * yy)) < 0.08, 0, 255)[..., None].repeat(3, -1)
        AB = np.concatenate([A, B], 1).clip(0, 255).astype(np.uint8)
        Image.fromarray(AB).save(root/'train'/f'{i:05d}.jpg', quality=quality)
    return root

class OfficialAligned(torch.utils.data.Dataset):
    "BicycleGAN's AlignedDataset with get_params/get_transform (resize_and_crop, flip), written out."
    def __init__(self, files, load_size, size):
        import torchvision.transforms as T
        self.files, self.load, self.size, self.T = files, load_size, size, T
    def __len__(self): return len(self.files)
    def __getitem__(self, i):
        T = self.T
        AB = Image.open(self.files[i]).convert('RGB')
        w, h = AB.size; w2 = int(w / 2)
        A, B = AB.crop((0, 0, w2, h)), AB.crop((w2, 0, w, h))
        x, y = random.randint(0, max(0, self.load - self.size)), random.randint(0, max(0, self.load - self.size))
        flip = random.random() > 0.5
        tf = T.Compose([T.Resize([self.load, self.load], Image.BICUBIC), T.Lambda(lambda im: im.crop((x, y, x + self.size, y + self.size))),
                        T.Lambda(lambda im: im.transpose(Image.FLIP_LEFT_RIGHT) if flip else im), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
        return {'A': tf(A), 'B': tf(B)}

def official_loader(files, a, workers):
    return torch.utils.data.DataLoader(OfficialAligned(files, a.load_size, a.size), batch_size=a.bs, shuffle=True, num_workers=workers,
                                       drop_last=True, persistent_workers=False)

def ours_loader(root, a, workers):
    from bicycle_nb.data import aligned_dls
    return aligned_dls(root, size=a.size, bs=a.bs, load_size=a.load_size, num_workers=workers, seed=0).train

def pairs_per_s(dl, batches, skip=10):
    "Pairs per second over `batches` batches of a fresh iterator (its first `skip` batches, with any worker start-up, not timed)."
    it = iter(dl)
    for _ in range(skip): next(it)
    t = time.perf_counter(); n = 0
    for _ in range(batches):
        b = next(it); n += len(b[0]) if isinstance(b, (tuple, list)) else len(b['A'])
    return n / (time.perf_counter() - t)

def link_up(root, n_files):
    "Hard links (or copies) of `root/train`'s files until it holds `n_files`."
    src = sorted((root/'train').iterdir())
    for i in range(len(src), n_files):
        s, d = src[i % len(src)], root/'train'/f'link_{i:06d}.jpg'
        try: os.link(s, d)
        except OSError: shutil.copyfile(s, d)

def startup(root, n_files, a):
    "Seconds from `aligned_dls` to the first batch on a folder of `n_files` pairs (hard links or copies of `root`'s)."
    big = Path(tempfile.mkdtemp(prefix='bench_startup_'))/'d'
    (big/'train').mkdir(parents=True)
    src = sorted(p for p in (root/'train').iterdir() if not p.name.startswith('link_'))
    for i in range(n_files):
        s, d = src[i % len(src)], big/'train'/f'{i:06d}.jpg'
        try: os.link(s, d)
        except OSError: shutil.copyfile(s, d)
    from bicycle_nb.data import aligned_dls
    t = time.perf_counter()
    dls = aligned_dls(big, size=a.size, bs=a.bs, load_size=a.load_size, num_workers=0, seed=0)
    t_dls = time.perf_counter() - t
    dls.train.one_batch()
    res = dict(files=n_files, to_dataloaders_s=round(t_dls, 2), to_first_batch_s=round(time.perf_counter() - t, 2))
    shutil.rmtree(big.parent)
    return res

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--files', type=int, default=300); ap.add_argument('--linked', type=int, default=2000)
    ap.add_argument('--pairs', type=int, default=600, help='timed pairs per measurement')
    ap.add_argument('--rounds', type=int, default=3); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--size', type=int, default=256); ap.add_argument('--load_size', type=int, default=286); ap.add_argument('--bs', type=int, default=2)
    ap.add_argument('--startup_files', type=int, default=50000, help='0: skip the start-up measurement')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'data.json'))
    a = ap.parse_args()
    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix='bench_data_'))
    t0 = time.time()
    make_folder(root, a.files)
    src_files = sorted(str(p) for p in (root/'train').iterdir())
    startup_res = startup(root, a.startup_files, a) if a.startup_files else None
    link_up(root, a.linked)
    files = sorted(str(p) for p in (root/'train').iterdir())
    res = dict(machine=machine(threads=1), what=f'{a.files} JPEG pairs 512x256 (quality 95) linked up to {len(files)} files, '
               f'load_size {a.load_size}, size {a.size}', rounds=[])
    w = a.workers
    cases = [('official', 0, a.bs), ('ours', 0, a.bs), ('official', w, a.bs), ('ours', w, a.bs), ('official', 0, 8), ('ours', 0, 8),
             ('official', w, 8), ('ours', w, 8)]
    for r in range(a.rounds):
        row = {}
        for name, workers, bs in cases:
            b = argparse.Namespace(**{**vars(a), 'bs': bs})
            dl = official_loader(files, b, workers) if name == 'official' else ours_loader(root, b, workers)
            row[f'{name}_w{workers}_bs{bs}'] = round(pairs_per_s(dl, a.pairs // bs), 1)
        res['rounds'].append(row); print(json.dumps(row), file=sys.stderr)
    med = {k: statistics.median(r[k] for r in res['rounds']) for k in res['rounds'][0]}
    res['median_pairs_per_s'] = med
    q = lambda x, y: round(med[x] / med[y], 2)
    res['ratios'] = dict(ours_vs_official_per_core=q(f'ours_w0_bs{a.bs}', f'official_w0_bs{a.bs}'),
                         ours_vs_official_workers=q(f'ours_w{w}_bs{a.bs}', f'official_w{w}_bs{a.bs}'),
                         ours_workers_vs_one_core=q(f'ours_w{w}_bs{a.bs}', f'ours_w0_bs{a.bs}'),
                         official_workers_vs_one_core=q(f'official_w{w}_bs{a.bs}', f'official_w0_bs{a.bs}'),
                         ours_workers_vs_one_core_bs8=q(f'ours_w{w}_bs8', 'ours_w0_bs8'),
                         official_workers_vs_one_core_bs8=q(f'official_w{w}_bs8', 'official_w0_bs8'))
    pr = lambda x, y: round(statistics.median(r[x] / r[y] for r in res['rounds']), 2)   # each round's ratio, then the median: the machine's slow spells hit both
    res['paired_ratios'] = dict(ours_workers_vs_one_core=pr(f'ours_w{w}_bs{a.bs}', f'ours_w0_bs{a.bs}'),
                                official_workers_vs_one_core=pr(f'official_w{w}_bs{a.bs}', f'official_w0_bs{a.bs}'),
                                ours_workers_vs_one_core_bs8=pr(f'ours_w{w}_bs8', 'ours_w0_bs8'),
                                official_workers_vs_one_core_bs8=pr(f'official_w{w}_bs8', 'official_w0_bs8'),
                                ours_vs_official_per_core=pr(f'ours_w0_bs{a.bs}', f'official_w0_bs{a.bs}'))
    if startup_res: res['startup'] = startup_res
    res['seconds'] = round(time.time() - t0)
    shutil.rmtree(root)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1)); print(describe(res['machine']), file=sys.stderr)

if __name__ == '__main__': main()
