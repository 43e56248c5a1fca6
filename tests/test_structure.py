"""The package's structure: modules import only from modules of lower-numbered notebooks (no circle, no upward
arrow, no import hidden inside a function), importing every module leaves fastai's classes as they were, and an
option is declared once (a loss weight reaches its loss from the command line through the recipe alone)."""
import ast, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT/'bicycle_nb'

def notebook_of_module():
    "Each module's notebook number, from the notebooks' `default_exp` (and `#| export name`) lines."
    order = {}
    for nb in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')):
        n = int(nb.name[:2])
        for c in json.loads(nb.read_text())['cells']:
            if c['cell_type'] != 'code': continue
            for m in re.findall(r'^#\| (?:default_exp|export) (\w+)[ \t]*$', ''.join(c['source']), re.M): order.setdefault(m, n)
    return order

def imports(mod):
    "(package modules imported at the top level, package modules imported anywhere else) of `mod`."
    tree = ast.parse((PKG/f'{mod}.py').read_text())
    top, nested = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module.split('.')[-1] if node.module.startswith('bicycle_nb') or node.level else None
            if name in (None, 'bicycle_nb'): continue
            (top if node in tree.body else nested).add(name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith('bicycle_nb.'): (top if node in tree.body else nested).add(a.name.split('.')[1])
    return top, nested

def test_every_module_has_a_notebook():
    order = notebook_of_module()
    mods = sorted(p.stem for p in PKG.glob('*.py') if not p.name.startswith('_'))
    assert set(mods) == set(order), (sorted(set(mods) ^ set(order)))

def test_imports_point_down_the_notebook_order():
    order = notebook_of_module()
    for mod in order:
        top, nested = imports(mod)
        assert not nested, f'{mod} imports {nested} inside a function or class: an arrow the module list does not show'
        for dep in top:
            assert order[dep] < order[mod], f'{mod} (notebook {order[mod]:02d}) imports {dep} (notebook {order[dep]:02d})'

def test_no_import_circle():
    graph = {m: imports(m)[0] for m in notebook_of_module()}
    seen, stack = set(), []
    def visit(m):
        assert m not in stack, f'import circle: {" -> ".join(stack[stack.index(m):] + [m])}'
        if m in seen: return
        stack.append(m)
        for d in graph[m]: visit(d)
        stack.pop(); seen.add(m)
    for m in graph: visit(m)

SNAPSHOT = r'''
import importlib, inspect, json, pkgutil, sys
import fastai.basics, fastai.vision.all, fastai.callback.all, fastai.data.all
def snap():
    out = {}
    for name, mod in list(sys.modules.items()):
        if not name.startswith('fastai') or mod is None: continue
        for cname, cls in list(vars(mod).items()):
            if inspect.isclass(cls) and cls.__module__ == name:
                out[f'{name}.{cname}'] = {k: id(v) for k, v in vars(cls).items()}
    return out
before = snap()
import bicycle_nb
for m in pkgutil.iter_modules(bicycle_nb.__path__): importlib.import_module(f'bicycle_nb.{m.name}')
after = snap()
changed = sorted(k for k in before if before[k] != after.get(k))
print(json.dumps(changed))
'''

def test_importing_the_package_changes_no_fastai_class():
    r = subprocess.run([sys.executable, '-c', SNAPSHOT], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [], r.stdout

def test_a_loss_weight_is_declared_once():
    "`lambda_mmd` appears in the recipe's declaration (and the preset that sets it) and in the loss that uses it; nowhere else carries it."
    where = sorted(p.stem for p in PKG.glob('*.py') if not p.name.startswith('_') and 'lambda_mmd' in p.read_text())
    assert where == ['losses', 'prior'], where
    from bicycle_nb.cli import _train_parser
    from bicycle_nb.losses import Recipe
    opts = {a.dest: a for a in _train_parser()._actions}
    for name, f in Recipe.declared().items():    # every recipe option is a command-line option with the declaration's help
        if name != 'variant': assert name in opts and opts[name].help.endswith(f.metadata['help']), name   # 'switch off: …' for --no_X
