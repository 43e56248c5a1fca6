"Metrics against their references: LPIPS against the lpips package, jsd against scipy, KID against its definition."
import math, warnings
import numpy as np
import pytest, torch, torchvision
from bicycle_nb.metrics import LPIPS, jsd, kid, lpips_diversity

lpips = pytest.importorskip('lpips')

def _backbone(net):
    "A random torchvision AlexNet / VGG16 (nothing downloaded)."
    torch.manual_seed(0)
    return (torchvision.models.alexnet if net == 'alex' else torchvision.models.vgg16)(weights=None)

def _reference(net, version, tv):
    "The lpips package's own LPIPS (its linear weights loaded by its own code), with `tv`'s layers copied in by index."
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')      # the package passes torchvision's deprecated `pretrained=`
        ref = lpips.LPIPS(net=net, version=version, pnet_rand=True, verbose=False)
    for s in ref.net.children():
        for i, layer in s.named_children(): layer.load_state_dict(tv.features[int(i)].state_dict())
    return ref

@pytest.mark.parametrize('version', ['0.0', '0.1'])
@pytest.mark.parametrize('net', ['alex', 'vgg'])
def test_lpips_equals_reference_package(net, version, tmp_path):
    tv = _backbone(net)
    torch.save(tv.state_dict(), tmp_path/'backbone.pth')
    ours = LPIPS(net, version, backbone_weights=tmp_path/'backbone.pth').double()
    ref = _reference(net, version, tv).double()
    g = torch.Generator().manual_seed(1)
    x, y = torch.rand(2, 3, 3, 64, 64, generator=g, dtype=torch.float64) * 2 - 1
    with torch.no_grad(): d_ours, d_ref = ours(x, y), ref(x, y).flatten()
    assert (d_ref > 0).all()
    torch.testing.assert_close(d_ours, d_ref, rtol=1e-5, atol=0)

def test_lpips_versions_differ_only_by_input_scaling(tmp_path):
    "'0.0' feeds the images unscaled (the paper's), '0.1' rescales them: the two give different numbers."
    tv = _backbone('alex')
    torch.save(tv.state_dict(), tmp_path/'alex.pth')
    x, y = torch.rand(2, 2, 3, 64, 64) * 2 - 1
    with torch.no_grad(): d0, d1 = (LPIPS('alex', v, backbone_weights=tmp_path/'alex.pth')(x, y) for v in ('0.0', '0.1'))
    assert not torch.allclose(d0, d1)

def test_lpips_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='alexnet-owt-'): LPIPS('alex', backbone_weights=tmp_path/'missing.pth')
    with pytest.raises(FileNotFoundError, match='vgg16-'): LPIPS('vgg', backbone_weights=tmp_path/'missing.pth')
    torch.save(_backbone('alex').state_dict(), tmp_path/'alex.pth')
    with pytest.raises(ValueError, match='not a torchvision VGG16 state dict'): LPIPS('vgg', backbone_weights=tmp_path/'alex.pth')
    torch.save({'nothing': torch.zeros(1)}, tmp_path/'lin.pth')
    with pytest.raises(ValueError, match='lin0'): LPIPS('alex', backbone_weights=tmp_path/'alex.pth', lin_weights=tmp_path/'lin.pth')

def test_lpips_diversity_defaults_are_the_papers():
    import inspect
    p = inspect.signature(lpips_diversity).parameters
    assert (p['n'].default, p['net'].default, p['version'].default) == (20, 'alex', '0.0')
    assert LPIPS(pretrained=False).version == '0.0'

def test_jsd_equals_scipy():
    from scipy.spatial.distance import jensenshannon
    rng = np.random.default_rng(0)
    for _ in range(20):
        p, q = rng.random(8) * (rng.random(8) > .3), rng.random(8) * (rng.random(8) > .3)
        if p.sum() == 0 or q.sum() == 0: continue
        assert math.isclose(jsd(p, q), jensenshannon(p, q, base=2) ** 2, rel_tol=1e-9, abs_tol=1e-12)

def _kid_by_definition(X, Y):
    k = lambda a, b: (a @ b / X.shape[1] + 1) ** 3
    n, m = len(X), len(Y)
    return (sum(k(X[i], X[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
            + sum(k(Y[i], Y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
            - 2 * sum(k(x, y) for x in X for y in Y) / (n * m))

def test_kid_is_the_unbiased_mmd_with_jackknife_se():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(5, 3)) * 1.5
    r = kid(X, Y)
    assert math.isclose(r['kid'], _kid_by_definition(X, Y), rel_tol=1e-9)
    lx = np.array([_kid_by_definition(np.delete(X, i, 0), Y) for i in range(len(X))])
    ly = np.array([_kid_by_definition(X, np.delete(Y, j, 0)) for j in range(len(Y))])
    se = math.sqrt(5 / 6 * ((lx - lx.mean()) ** 2).sum() + 4 / 5 * ((ly - ly.mean()) ** 2).sum())
    assert math.isclose(r['se'], se, rel_tol=1e-9)
    assert (r['n_real'], r['n_fake']) == (6, 5)

def test_kid_is_zero_on_average_for_one_distribution():
    rng = np.random.default_rng(2)
    null = np.array([kid(rng.normal(size=(10, 4)), rng.normal(size=(10, 4)))['kid'] for _ in range(1000)])
    assert abs(null.mean()) < 4 * null.std() / math.sqrt(len(null))
