"bench/device_check.py --smoke runs the GPU check's code on CPU at tiny sizes, so that the check cannot rot."
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_device_check_smoke(tmp_path):
    out = tmp_path/'check.json'
    r = subprocess.run([sys.executable, str(ROOT/'bench'/'device_check.py'), '--smoke', '--out', str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res['ok'] and set(res['checks']) == {'parity', 'fast_equals_plain', 'precision', 'speed_memory'}
    assert set(res['checks']['parity']['reports']) == {'all-fast', 'all-separate', 'input-fast', 'input-separate'}
    assert set(res['checks']['precision']['runs']) == {'fp32', 'bf16', 'fp16'}
    assert all(v['steps'] == 4 for v in res['checks']['precision']['runs'].values())
    sp = res['checks']['speed_memory']['configs']['smoke']['seconds_per_step']
    assert set(sp) == {'baseline', 'ours', 'ours_bf16', 'ours_fp16'} and all(v > 0 for v in sp.values())
