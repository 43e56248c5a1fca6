"""The static explorer (notebook 18) in a real browser: the shipped model exported with `export_static`, served by
`serve` on 127.0.0.1, opened by Debian's Chromium (Playwright) at the two usual projector sizes with every request that
does not go to the local server blocked. onnxruntime-web comes from the npm package that tools/test.sh fetches into the
cache (`npm pack`), never from the test itself."""
import json, re
from pathlib import Path
import numpy as np
import pytest
import torch
import onnxruntime as ort
from playwright.sync_api import sync_playwright
from bicycle_nb.models import pretrained_shapes
from bicycle_nb.static import export_static, serve, shapes_pairs, find_runtime, runtime_cache, SHAPES_COLOURS, ORT_WEB
from test_widgets_browser import chromium, contrast, rgb   # WCAG contrast of two (r, g, b), and a CSS colour's (r, g, b)

VIEWPORTS = ((1280, 800), (1920, 1080))

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    try: find_runtime()
    except FileNotFoundError as e:
        pytest.fail(f"{e} (tools/test.sh fetches it: `npm pack {ORT_WEB[0]}@{ORT_WEB[1]} --pack-destination {runtime_cache().parent}`)")
    A, B = shapes_pairs(8)
    return export_static(pretrained_shapes(), tmp_path_factory.mktemp('static')/'explorer', A, B, colours=SHAPES_COLOURS, name='shipped model')

@pytest.fixture(scope='module')
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=['--no-sandbox'])
        yield b
        b.close()

def open_page(browser, url, viewport):
    "A page at `viewport` with external requests blocked (and recorded) and errors recorded, ready to use."
    page = browser.new_page(viewport=dict(width=viewport[0], height=viewport[1]))
    page.outside, page.errors = [], []
    page.route('**/*', lambda r: r.continue_() if r.request.url.startswith('http://127.0.0.1') else (page.outside.append(r.request.url), r.abort()))
    page.on('pageerror', lambda e: page.errors.append(str(e)))
    page.on('console', lambda m: page.errors.append(m.text) if m.type == 'error' else None)
    page.goto(url)
    page.wait_for_function('window.bicycle && window.bicycle.ready', timeout=60_000)
    return page

def settled(page): page.wait_for_function('!window.bicycle.busy', timeout=10_000)

def consistent(page):
    "The picture on screen is the one the controls describe."
    st, sh = page.evaluate('window.bicycle.state()'), page.evaluate('window.bicycle.shown()')
    assert (st['z'], st['input'], st['view']) == (sh['z'], sh['input'], sh['view'])

def css_colour(page, var):
    "The colour of CSS variable `var` as (r, g, b), as the browser resolves it."
    colour = page.evaluate(f"""(() => {{ const e = document.createElement('i'); e.style.color = 'var({var})'; document.body.append(e);
                          const c = getComputedStyle(e).color; e.remove(); return c; }})()""")
    return rgb(colour)

@pytest.mark.parametrize('viewport', VIEWPORTS, ids=lambda v: f'{v[0]}x{v[1]}')
def test_projector_layout(site, browser, viewport):
    with serve(site) as url:
        page = open_page(browser, url, viewport)
        box = page.locator('#output').bounding_box()
        assert box['height'] >= 0.4 * viewport[1], f"output {box['height']:.0f} px high at {viewport}"
        assert abs(box['width'] - box['height']) < 1                               # square pixels: the model's 64 x 64 keeps its aspect
        assert page.evaluate("getComputedStyle(document.querySelector('#output')).imageRendering") in ('pixelated', 'crisp-edges')
        fonts = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.offsetParent && [...e.childNodes].some(
                                 n => n.nodeType === 3 && n.textContent.trim())).map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])""")
        assert len(fonts) > 20 and min(f for _, f in fonts) >= 24, [t for t in fonts if t[1] < 24]
        assert page.evaluate('document.documentElement.scrollWidth <= innerWidth && document.documentElement.scrollHeight <= innerHeight')
        bg = css_colour(page, '--bg')
        for var in ('--track', '--thumb', '--button-bg', '--pick', '--fg', '--muted', '--warn'):
            assert contrast(css_colour(page, var), bg) >= 3, var
        assert contrast(css_colour(page, '--button-fg'), css_colour(page, '--button-bg')) >= 4.5
        for view in ('grid20', 'strip'):                                          # the other views fit too
            page.click(f'[data-view={view}]'); settled(page); consistent(page)
            assert page.evaluate('document.documentElement.scrollHeight <= innerHeight'), view
        assert not page.outside and not page.errors, (page.outside, page.errors)
        page.close()

def test_live_drag_and_exact_pixels(site, browser):
    meta = json.loads((site/'meta.json').read_text())
    with serve(site) as url:
        page = open_page(browser, url, (1280, 800))
        page.click('#zero'); settled(page)
        d = meta['order'][0]
        s = page.locator(f'#z{d}').bounding_box(); y = s['y'] + s['height'] / 2
        page.mouse.move(s['x'] + s['width'] / 2, y); page.mouse.down()
        for k in range(1, 9):                                                    # the button stays down: no release, no change event
            before = page.evaluate('[window.bicycle.renders, window.bicycle.pixels()]')
            page.mouse.move(s['x'] + s['width'] * (0.5 + k / 20), y)
            page.wait_for_function(f'window.bicycle.renders > {before[0]}', timeout=2_000)
            assert page.evaluate('window.bicycle.pixels()') != before[1], f'drag step {k} did not change the picture'
        settled(page); consistent(page)
        page.mouse.up()
        lat = page.evaluate('window.bicycle.latencies')
        assert len(lat) >= 8 and max(lat) < 100, lat                             # input event to the next frame, in the page's own clock
        st = page.evaluate('window.bicycle.shown()')
        assert st['z'][d] > 0.5 and st['ref'] is None                           # the slider moved the code, and no photo claims it
        # the canvas holds what onnxruntime computes in Python for the same input and code (8-bit rounding: at most 1 level)
        raw = np.frombuffer((site/'data.bin').read_bytes(), np.uint8)[:8 * 3 * 64 * 64].reshape(8, 3, 64, 64)
        A = raw[st['input']][None].astype(np.float32) / 127.5 - 1
        B = ort.InferenceSession(str(site/'generator.onnx')).run(None, {'A': A, 'z': np.array([st['z']], np.float32)})[0][0]
        want = np.round((np.clip(B, -1, 1) + 1) * 127.5).transpose(1, 2, 0)
        got = np.array(page.evaluate('window.bicycle.pixels()'), np.float32).reshape(64, 64, 4)[..., :3]
        assert np.abs(got - want).max() <= 1
        # ... and the ONNX output equals torch's
        with torch.no_grad(): B_torch = pretrained_shapes().G(torch.from_numpy(A), torch.tensor([st['z']])).numpy()[0]
        assert np.abs(B - B_torch).max() < 1e-4
        assert not page.outside and not page.errors, (page.outside, page.errors)
        page.close()

def test_photo_input_and_views_stay_consistent(site, browser):
    model = pretrained_shapes()
    A, B = shapes_pairs(8)
    with serve(site) as url:
        page = open_page(browser, url, (1280, 800))
        page.click('[aria-label="encode photo 2"]'); settled(page); consistent(page)
        st = page.evaluate('window.bicycle.state()')
        with torch.no_grad(): mu = model.E(B[2:3])[0][0]
        assert st['ref'] == 2 and np.abs(np.array(st['z']) - mu.clamp(-3, 3).numpy()).max() <= 0.005   # sliders at E(B)'s mean (step 0.01)
        assert page.get_attribute('[aria-label="encode photo 2"]', 'aria-pressed') == 'true'
        assert 'blue' in page.inner_text('#caption')                            # photo 2 is blue: its code turns the outline blue
        page.click('[aria-label="input 5"]'); settled(page); consistent(page)
        assert page.evaluate('window.bicycle.shown().input') == 5
        page.click('[data-view=grid20]'); settled(page); consistent(page)
        n = int(re.search(r'(\d+) colours? in 20 random answers', page.inner_text('#caption')).group(1))
        assert 2 <= n <= 10 and page.locator('#view-grid20 canvas').count() == 20
        page.click('#redraw'); settled(page); consistent(page)
        page.click('[data-view=strip]'); settled(page); consistent(page)
        assert page.locator('#view-strip canvas').count() == 8
        assert page.evaluate("[...document.querySelectorAll('#view-strip canvas')].findIndex(c => c.classList.contains('picked'))") == 5
        page.click('[data-view=one]'); settled(page)
        for _ in range(3): page.click('#random')
        settled(page); consistent(page)
        assert not page.outside and not page.errors, (page.outside, page.errors)
        page.close()

def test_far_codes_are_flagged(site, browser):
    with serve(site) as url:
        page = open_page(browser, url, (1280, 800))
        page.evaluate('window.bicycle.setZ(new Array(8).fill(2.5))'); settled(page)        # |z| = 7.1, beyond the 99 % radius 4.48
        assert page.locator('#caption .warn').count() == 1 and 'far from the prior' in page.inner_text('#caption')
        page.evaluate('window.bicycle.setZ(new Array(8).fill(0.5))'); settled(page)        # |z| = 1.4
        assert page.locator('#caption .warn').count() == 0
        page.close()

def test_twelve_inputs_fit_a_small_projector(tmp_path, browser):
    "The most inputs a page takes, at 1280 x 720: every view fits, grid cells keep the images' aspect, z's controls rest in the grid view."
    A, B = shapes_pairs(12)
    site = export_static(pretrained_shapes(), tmp_path/'twelve', A, B, colours=SHAPES_COLOURS)
    with serve(site) as url:
        page = open_page(browser, url, (1280, 720))
        for view in ('one', 'grid20', 'strip'):
            page.click(f'[data-view={view}]'); settled(page); consistent(page)
            assert page.evaluate('document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth'), view
            if view != 'one':
                w, h = page.evaluate(f"(() => {{ const r = document.querySelector('#view-{view} canvas').getBoundingClientRect(); return [r.width, r.height]; }})()")
                assert abs(w - h) < 1, (view, w, h)                              # square images stay square
            assert page.evaluate("document.querySelector('#random').disabled") == (view == 'grid20')
        assert not page.outside and not page.errors, (page.outside, page.errors)
        page.close()

def test_a_broken_folder_says_so(site, browser, tmp_path):
    "A page whose files do not load, or that is opened from a file, says what is wrong instead of 'loading' for ever."
    import shutil
    broken = tmp_path/'broken'; shutil.copytree(site, broken); (broken/'generator.onnx').unlink()
    with serve(broken) as url:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("document.querySelector('#status').textContent.startsWith('could not start')", timeout=30_000)
        assert 'generator.onnx' in page.inner_text('#status')
        page.close()
    page = browser.new_page()
    page.goto((site/'index.html').as_uri())
    page.wait_for_function("document.querySelector('#status').textContent.includes('python -m http.server')", timeout=30_000)
    page.close()
