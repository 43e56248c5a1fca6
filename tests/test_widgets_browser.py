"""The latent explorer in a real browser: Voila serves a demo notebook on 127.0.0.1, Debian's Chromium (driven by
Playwright) moves a slider with the keyboard, waits for the generated image to change, clicks 'random z' and saves
a screenshot. Chromium comes from Debian's packages, installed by the test command (tools/test.sh), never by the
test itself; Voila and Playwright come with the dev extra."""
import os, re, shutil, socket, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT/'tests'/'voila'/'explorer_demo.ipynb'
SHOTS = Path(os.environ.get('BICYCLE_NB_SCREENSHOTS', ROOT/'tests'/'screenshots'))

def chromium():
    "Path of Debian's Chromium. Tests never change the system: tools/test.sh installs it (apt-get install chromium)."
    exe = shutil.which('chromium') or '/usr/bin/chromium'
    assert Path(exe).exists(), ("Chromium is not installed: the browser test needs Debian's chromium. Run the suite through "
                                "tools/test.sh, which installs it, or run `apt-get install -y chromium` first.")
    return exe

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def wait_listening(port, proc, timeout=180):
    "Wait until the server accepts connections on 127.0.0.1:`port` (loading the page itself would start a kernel)."
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f'voila exited with {proc.returncode}')
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=2): return
        except OSError: time.sleep(0.3)
    raise TimeoutError(f'voila did not listen on port {port} within {timeout} s')

@pytest.fixture
def voila_url(tmp_path):
    port = free_port()
    log = open(tmp_path/'voila.log', 'w')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, '-m', 'voila', str(DEMO), '--no-browser', f'--port={port}', '--Voila.ip=127.0.0.1',
                             '--Voila.tornado_settings={"disable_check_xsrf": True}'],
                            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env, start_new_session=True)
    try:
        wait_listening(port, proc)
        yield f'http://127.0.0.1:{port}/'
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try: proc.wait(10)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, 9); proc.wait()
        log.close()

def img_src(page): return page.get_attribute('.bicycle-output img, img.bicycle-output', 'src')

def wait_changed(page, old, timeout=60):
    page.wait_for_function("old => { const i = document.querySelector('.bicycle-output img, img.bicycle-output'); "
                           "return i && i.src && i.src !== old && i.naturalWidth > 0; }", arg=old, timeout=timeout * 1000)
    return img_src(page)

def test_explorer_in_voila(voila_url):
    from playwright.sync_api import sync_playwright
    exe = chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                                                                    '--disable-component-update', '--disable-sync', '--no-first-run'])
        try:
            page = browser.new_page(viewport=dict(width=1100, height=820))
            page.goto(voila_url, timeout=180_000)
            page.wait_for_selector('.bicycle-output', timeout=180_000)          # the kernel ran the notebook
            page.wait_for_function("() => { const i = document.querySelector('.bicycle-output img, img.bicycle-output'); "
                                   "return i && i.naturalWidth > 0; }", timeout=60_000)
            first = img_src(page)
            readout = lambda: float(page.locator('.bicycle-z0 .widget-readout').first.inner_text().replace('\u2212', '-'))
            before = readout()
            handle = page.locator('.bicycle-z0 .noUi-handle').first
            handle.focus()
            for _ in range(3): handle.press('PageUp')                          # move z[0] with the keyboard
            moved = wait_changed(page, first)
            assert readout() > before, f'slider readout after PageUp: {readout()} (before: {before})'
            page.get_by_role('button', name='random z').click()
            wait_changed(page, moved)
            # every slider shows the new code (seed 0's first draw has no zero entry), not only the picture
            page.wait_for_function("() => { const r = [...document.querySelectorAll('.bicycle-latent-explorer .widget-readout')]; "
                                   "return r.length >= 8 && r.every(x => !['+0.00', '-0.00', '0.00'].includes(x.innerText.trim())); }", timeout=30_000)
            shot = SHOTS/'voila_latent_explorer.png'
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()

FITS = """(() => { const bad = [];
  for (const e of document.querySelectorAll('.bicycle-latent-explorer button, .bicycle-latent-explorer .widget-slider, img.bicycle-output, .bicycle-caption')) {
    if (!e.offsetParent) continue;
    const r = e.getBoundingClientRect();
    if (e.tagName === 'BUTTON' && e.scrollWidth > e.clientWidth + 1) bad.push([e.innerText, 'text cut']);
    if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) { bad.push([e.className.slice(0, 60), 'off screen']); continue; }
    for (const [x, y] of [[r.left + 3, r.top + 3], [r.right - 3, r.bottom - 3]]) {
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(hit === e || e.contains(hit))) { bad.push([e.className.slice(0, 60), 'covered']); break; } } }
  return bad; })()"""
TEXTS = """[...document.querySelectorAll('.bicycle-latent-explorer *')].filter(e => e.offsetParent && [...e.childNodes].some(
           n => n.nodeType === 3 && n.textContent.trim())).map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])"""

def rgb(css):
    "A CSS colour such as 'rgb(11, 79, 179)' as (r, g, b)."
    return tuple(int(v) for v in re.findall(r'\d+', css)[:3])

def contrast(a, b):
    "The WCAG contrast ratio of two (r, g, b) colours."
    lum = lambda c: sum(w * (v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4) for w, v in zip((0.2126, 0.7152, 0.0722), [x / 255 for x in c]))
    la, lb = sorted((lum(a), lum(b)))
    return (lb + 0.05) / (la + 0.05)

def picked(page):
    return page.evaluate("[...document.querySelectorAll('.bicycle-pic.bicycle-picked')].map(e => e.className.match(/bicycle-(ref|input)\\d+/)[0]).sort()")

def test_projector_mode_in_voila(voila_url):
    """The demo (`projector=True, colour_names=True`) at the two usual projector sizes: the output at least 40 % of the
    screen's height, every text at least 24 px, nothing cut off or covered, controls at 3:1 contrast or more; a drag
    changes the picture before the mouse is released; the marked photo is always the one whose code the sliders hold."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=['--no-sandbox'])
        try:
            for vw, vh in ((1280, 800), (1920, 1080)):
                page = browser.new_page(viewport=dict(width=vw, height=vh))
                page.goto(voila_url, timeout=180_000)
                page.wait_for_function("() => { const i = document.querySelector('img.bicycle-output'); return i && i.naturalWidth > 0; }", timeout=180_000)
                page.wait_for_function("document.querySelectorAll('.bicycle-pic.bicycle-picked').length === 2", timeout=30_000)
                box = page.locator('img.bicycle-output').bounding_box()
                assert box['height'] >= 0.4 * vh and abs(box['width'] - box['height']) < 1, box
                assert page.evaluate("getComputedStyle(document.querySelector('img.bicycle-output')).imageRendering") == 'pixelated'
                texts = page.evaluate(TEXTS)
                assert len(texts) > 15 and min(f for _, f in texts) >= 24, [t for t in texts if t[1] < 24]
                assert page.evaluate(FITS) == [], page.evaluate(FITS)
                bg = rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
                for sel in ('.noUi-handle', '.noUi-target', 'button.bicycle-random'):
                    c = rgb(page.evaluate(f"getComputedStyle(document.querySelector('.bicycle-projector {sel}')).backgroundColor"))
                    assert contrast(c, bg) >= 3, (sel, c, bg)
                assert picked(page) == ['bicycle-input0', 'bicycle-ref0']            # it starts from photo 0's code
                handle = page.locator('.bicycle-z2 .noUi-handle').first.bounding_box()
                x, y = handle['x'] + handle['width'] / 2, handle['y'] + handle['height'] / 2
                page.mouse.move(x, y); page.mouse.down()
                for k in range(1, 4):                                                 # the button stays down
                    old = img_src(page)
                    page.mouse.move(x + 15 * k, y)
                    wait_changed(page, old, timeout=10)
                page.mouse.up()
                page.wait_for_function("document.querySelectorAll('.bicycle-ref0.bicycle-picked').length === 0", timeout=10_000)
                assert picked(page) == ['bicycle-input0']                            # the code is no longer photo 0's
                old = img_src(page)
                page.click('.bicycle-ref3')
                wait_changed(page, old)
                page.wait_for_function("document.querySelectorAll('.bicycle-ref3.bicycle-picked').length === 1", timeout=10_000)
                name = page.get_attribute('.bicycle-ref3', 'title').split('(')[-1].rstrip(')')
                page.wait_for_function("n => document.querySelector('.bicycle-caption').innerText.includes('looks ' + n)", arg=name, timeout=10_000)
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS/f'voila_projector_{vw}x{vh}.png'))
                page.close()
        finally:
            browser.close()
