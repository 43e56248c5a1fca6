"""The README's lecture command does not leak kernels: Voila 0.5 starts a kernel per page load and cannot shut it down
when the page is reloaded or closed (its shutdown request is refused for a missing `_xsrf` argument), so the README
serves with kernel culling. This test runs the README's own command line (read from README.md) on the demo notebook,
reloads the page, and counts the server's kernel processes."""
import os, re, shlex, subprocess, sys, time
from pathlib import Path
from playwright.sync_api import sync_playwright
from test_widgets_browser import ROOT, DEMO, chromium, free_port, wait_listening

def readme_voila_command():
    "The `voila ...` command line of the README's lecture section, as a list of arguments after the notebook."
    m = re.search(r'`(voila my_lecture\.ipynb[^`]*)`', (ROOT/'README.md').read_text())
    assert m, 'the README names no `voila my_lecture.ipynb ...` command'
    return shlex.split(m.group(1))[2:]

def kernels(server_pid):
    "The kernel processes started by the server: descendants of `server_pid` running ipykernel (read from /proc)."
    procs = {}
    for d in Path('/proc').iterdir():
        if d.name.isdigit():
            try: procs[int(d.name)] = (int((d/'stat').read_text().rsplit(')', 1)[1].split()[1]), (d/'cmdline').read_bytes().replace(b'\0', b' ').decode())
            except (OSError, ValueError, IndexError): pass
    def descends(p):
        seen = set()
        while p in procs and p not in seen:
            if p == server_pid: return True
            seen.add(p); p = procs[p][0]
        return False
    return sum('ipykernel' in cmd and descends(ppid) for ppid, cmd in procs.values())

def wait_kernels(pid, n, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if kernels(pid) == n: return time.time() - t0
        time.sleep(1)
    raise AssertionError(f'{kernels(pid)} kernels after {timeout} s, expected {n}')

def test_reloads_leave_no_kernel(tmp_path):
    flags = readme_voila_command()
    assert any('cull_idle_timeout' in f for f in flags), flags
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'voila', str(DEMO), *flags, '--no-browser', f'--port={port}', '--Voila.ip=127.0.0.1'],
                            stdout=open(tmp_path/'voila.log', 'w'), stderr=subprocess.STDOUT, cwd=tmp_path,
                            env=dict(os.environ, OMP_NUM_THREADS='1'), start_new_session=True)
    try:
        wait_listening(port, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=['--no-sandbox'])
            page = browser.new_page()
            for k in range(4):                                                # a first load and three reloads
                page.reload(timeout=180_000) if k else page.goto(f'http://127.0.0.1:{port}/', timeout=180_000)
                page.wait_for_selector('.bicycle-output', timeout=180_000)
            wait_kernels(proc.pid, 1, 90)                                     # the open page keeps its kernel; the others go
            page.close(); browser.close()
        wait_kernels(proc.pid, 0, 90)                                         # and the last one once no page is connected
    finally:
        os.killpg(proc.pid, 15)
        try: proc.wait(10)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, 9)
