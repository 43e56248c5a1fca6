"""Build the course as an offline website: `python tools/site.py` writes `_docs/` (open `_docs/index.html` through any
static server, e.g. `python -m http.server -d _docs`).

The notebooks stay in nbdev's format. The steps:
  1. nbdev's own docs processing (`nbdev_proc_nbs`: the same step `nbdev_docs` runs before Quarto) into `_proc/`;
  2. smalldocs (PyPI, pure Python, reads nbdev's `_quarto.yml`) renders `_proc/` into HTML, with search;
  3. offline: KaTeX from a local copy of the npm package instead of its CDN, the theme's web-font import removed,
     nbdev's cross-reference links (absolute, to `doc_host`) made relative to the notebook pages;
  4. exercise solutions on one page, each folded until the reader opens it;
  5. the static latent explorer of the shipped model (notebook 18) in `explorer/`, linked from the navbar.
KaTeX and onnxruntime-web come from npm packages packed once into ~/.cache/bicycle_nb (fetched with `npm pack` when
missing: this is a build tool, like tools/test.sh; the library itself never downloads)."""
import argparse, configparser, html, json, re, shutil, subprocess, sys, tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))                     # this checkout's package, whatever is installed
from bicycle_nb.static import runtime_cache, export_static, shapes_pairs, SHAPES_COLOURS, ORT_WEB
from bicycle_nb.models import pretrained_shapes
KATEX = ('katex', '0.16.11')          # tools/test.sh packs the same version
CDN = re.compile(r'https://cdn\.jsdelivr\.net/npm/katex@[0-9.]+/dist/')


def npm_package(name, version):
    "The .tgz of an npm package in the cache, packed with npm when missing."
    tgz = runtime_cache().parent/f'{name}-{version}.tgz'      # beside onnxruntime-web's
    if not tgz.exists():
        if not shutil.which('npm'): sys.exit(f'tools/site.py: {tgz} is missing and npm is not installed: install Node.js, or put the file there.')
        tgz.parent.mkdir(parents=True, exist_ok=True)
        print(f'fetching {name}@{version} with npm pack into {tgz.parent}')
        subprocess.run(['npm', 'pack', f'{name}@{version}', '--pack-destination', str(tgz.parent)], check=True, stdout=subprocess.DEVNULL)
    return tgz


def process_notebooks():
    "nbdev's docs processing into _proc/ (its _quarto.yml, nbdev.yml and sidebar.yml are written into nbs/ for it, then removed)."
    made = [ROOT/'nbs'/f for f in ('_quarto.yml', 'nbdev.yml', 'sidebar.yml') if not (ROOT/'nbs'/f).exists()]
    try:
        subprocess.run([sys.executable, '-c', 'from nbdev.quarto import refresh_quarto_yml; refresh_quarto_yml()'], cwd=ROOT, check=True)
        shutil.rmtree(ROOT/'_proc', ignore_errors=True)
        subprocess.run(['nbdev_proc_nbs'], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        for f in made: f.unlink(missing_ok=True)
    return ROOT/'_proc'


def notebooks():
    "(page stem, title) of every notebook, in order: index first."
    out = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem)):
        cells = json.loads(nb.read_text())['cells']
        title = next((c['source'][0] if isinstance(c['source'], list) else c['source'].splitlines()[0]
                      for c in cells if c['cell_type'] == 'markdown' and c['source']), nb.stem)
        out.append((nb.stem, title.lstrip('# ').strip()))
    return out


def write_config(proc):
    "The site's sidebar (core path, deep dives, solutions) and navbar (the explorer), in nbdev's _quarto.yml format."
    core = [s for s, _ in notebooks() if s[:2].isdigit() and int(s[:2]) <= 6]
    deep = [s for s, _ in notebooks() if s[:2].isdigit() and int(s[:2]) > 6]
    side = ['website:', '  sidebar:', '    contents:', '      - index.ipynb',
            '      - section: The core path', '        contents:', *[f'          - {s}.ipynb' for s in core],
            '      - section: Deep dives', '        contents:', *[f'          - {s}.ipynb' for s in deep],
            '      - solutions.qmd']
    (proc/'sidebar.yml').write_text('\n'.join(side) + '\n')
    q = (proc/'_quarto.yml').read_text()
    q = q.replace('    search: true\n', '    search: true\n    left:\n      - href: explorer/index.html\n        text: Latent explorer\n')
    q = q.replace('    css: styles.css\n', '')
    (proc/'_quarto.yml').write_text(q)


def write_solutions(proc):
    "One page with every exercise solution, each folded (a <details> block) until the reader opens it."
    parts = ['---', 'title: Exercise solutions', '---', '',
             'Each notebook ends with exercises; their worked solutions are here, folded. Try your own first.', '']
    for f in sorted((ROOT/'nbs'/'solutions').glob('*.py')):
        nb, k = f.stem.rsplit('_', 1)
        parts += [f'<details><summary>{html.escape(nb)}, exercise {k}</summary>',
                  f'<pre><code class="language-python">{html.escape(f.read_text())}</code></pre>', '</details>', '']
    (proc/'solutions.qmd').write_text('\n'.join(parts))
    shutil.rmtree(proc/'solutions', ignore_errors=True)        # the .py files themselves are not pages


def make_offline(site):
    "KaTeX from a local copy, no web-font import, nbdev's absolute cross-references made relative."
    with tarfile.open(npm_package(*KATEX)) as t:
        for m in t.getmembers():
            if m.isfile() and m.name.startswith('package/dist/') and not m.name.endswith('.map'):
                dst = site/'site_libs'/'katex'/m.name[len('package/dist/'):]
                dst.parent.mkdir(parents=True, exist_ok=True); dst.write_bytes(t.extractfile(m).read())
        (site/'site_libs'/'katex'/'LICENSE').write_bytes(t.extractfile('package/LICENSE').read())
    for css in (site/'site_libs').rglob('*.css'):
        css.write_text(re.sub(r'@import url\(https?://fonts\.googleapis\.com[^)]*\);?', '', css.read_text()))
    pages = {re.sub(r'^\d+[a-z]?_', '', s): s for s, _ in notebooks()}
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    host = (cfg['DEFAULT']['doc_host'] + cfg['DEFAULT']['doc_baseurl']).rstrip('/') + '/'
    link = re.compile(re.escape(host) + r'([a-z_0-9]+)\.html')
    for page in site.glob('*.html'):
        text = CDN.sub('site_libs/katex/', page.read_text())
        text = link.sub(lambda m: f'{pages.get(m.group(1), m.group(1))}.html', text)
        page.write_text(text)


def build_explorer(site):
    "The static explorer of the shipped model (notebook 18) in site/explorer."
    A, B = shapes_pairs(8)
    export_static(pretrained_shapes(), site/'explorer', A, B, runtime=npm_package(*ORT_WEB), colours=SHAPES_COLOURS,
                  name='the shipped bicycle-fast model (shapes, 64 px)')


def build(out):
    proc = process_notebooks()
    write_config(proc); write_solutions(proc)
    r = subprocess.run([shutil.which('smalldocs') or 'smalldocs', 'render', str(proc)], capture_output=True, text=True)
    if r.returncode: sys.exit(f'tools/site.py: smalldocs failed:\n{r.stdout}{r.stderr}')
    site = proc/'_docs'
    make_offline(site)
    build_explorer(site)
    out = Path(out)
    if out.exists(): shutil.rmtree(out)
    shutil.move(str(site), str(out))
    return out


if __name__ == '__main__':
    p = argparse.ArgumentParser(description='Build the course as an offline website.')
    p.add_argument('--out', default=str(ROOT/'_docs'), help='the folder to write (replaced)')
    out = build(p.parse_args().out)
    print(f'site in {out}: python -m http.server -d {out}, then http://localhost:8000')
