"""The course website (tools/site.py): built from the notebooks, opened in Chromium with every request that does not go
to the local server blocked. Each page loads without a failed request, its figures decode, its formulas are typeset by
the local KaTeX, solutions stay folded, search and the static explorer work, and nothing is asked of the network."""
import subprocess, sys
from pathlib import Path
import pytest
from playwright.sync_api import sync_playwright
from bicycle_nb.static import serve
from test_widgets_browser import ROOT, chromium

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')/'docs'
    subprocess.run([sys.executable, str(ROOT/'tools'/'site.py'), '--out', str(out)], check=True, cwd=ROOT)
    return out

def test_every_page_offline(site):
    pages = sorted(p.name for p in site.glob('*.html'))
    assert {'index.html', '00_data.html', '06_inference.html', '18_static.html', 'solutions.html'} <= set(pages)
    assert len(pages) == len(list((ROOT/'nbs').glob('*.ipynb'))) + 1            # every notebook, and the solutions page
    with serve(site) as url, sync_playwright() as p:
        base = url.rsplit('/', 1)[0]
        browser = p.chromium.launch(executable_path=chromium(), args=['--no-sandbox'])
        outside, failed = [], []
        page = browser.new_page()
        page.route('**/*', lambda r: r.continue_() if r.request.url.startswith(base) else (outside.append(r.request.url), r.abort()))
        page.on('response', lambda r: failed.append((r.url, r.status)) if r.status >= 400 else None)
        figures = formulas = 0
        for name in pages:
            page.goto(f'{base}/{name}', wait_until='load')
            page.wait_for_timeout(200)
            broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))")
            assert not broken, (name, broken)
            figures += page.evaluate('document.images.length')
            n = page.evaluate("document.querySelectorAll('.katex').length"); formulas += n
            if name == '02_losses.html': assert n > 0, 'the KL formula is not typeset'
            assert page.evaluate("![...document.querySelectorAll('main p, main li')].some(e => /\\$\\$|\\\\frac|\\\\mathbb/.test(e.innerText))"), (name, 'raw TeX')
            hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
            assert not [h for h in hrefs if 'bicycle-nb.github.io' in h], (name, 'absolute links to the doc host')
        assert figures > 30 and formulas > 10, (figures, formulas)        # 47 and 17 when written
        page.goto(f'{base}/solutions.html')
        assert page.locator('details').count() == len(list((ROOT/'nbs'/'solutions').glob('*.py')))
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => !d.open)")               # folded until opened
        page.locator('details summary').first.click()
        assert page.evaluate("document.querySelector('details').open")
        page.goto(f'{base}/index.html')
        page.click('a[href="explorer/index.html"]')
        page.wait_for_function('window.bicycle && window.bicycle.ready', timeout=60_000)        # the static explorer, from the navbar
        assert not outside, outside
        assert not failed, failed
        browser.close()

def test_search_finds_a_page(site):
    import json
    index = json.loads((site/'search.json').read_text())
    assert any('posterior collapse' in json.dumps(e).lower() for e in index)
