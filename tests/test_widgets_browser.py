"""The latent explorer in a real browser: Voila serves a demo notebook on 127.0.0.1, Debian's Chromium (driven by
Playwright) moves a slider with the keyboard, waits for the generated image to change, clicks 'random z' and saves
a screenshot. Chromium comes from Debian's packages, installed by the test command (tools/test.sh), never by the
test itself; Voila and Playwright come with the dev extra."""
import os, shutil, socket, subprocess, sys, time
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
            handle = page.locator('.bicycle-z0 .noUi-handle').first
            handle.focus()
            for _ in range(3): handle.press('PageUp')                          # move z[0] with the keyboard
            moved = wait_changed(page, first)
            readout = page.locator('.bicycle-z0 .widget-readout').first.inner_text()
            assert float(readout) > 0, f'slider readout after PageUp: {readout}'
            page.get_by_role('button', name='random z').click()
            wait_changed(page, moved)
            # every slider shows the new code (seed 0's first draw has no zero entry), not only the picture
            page.wait_for_function("() => { const r = [...document.querySelectorAll('.bicycle-latent-explorer .widget-readout')]; "
                                   "return r.length >= 8 && r.every(x => x.innerText.trim() !== '0.00'); }", timeout=30_000)
            shot = SHOTS/'voila_latent_explorer.png'
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
