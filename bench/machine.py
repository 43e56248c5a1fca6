"""What a benchmark ran on: CPU model, its vector ISA (AVX2, AVX-512, AMX), cores and the threads used; the GPU if any.
Every speed figure in bench/ is printed with this, so a table always names its machine."""
import os, platform
import torch

def cpu_name():
    "The CPU's model name (from /proc/cpuinfo on Linux, else platform.processor())."
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or 'unknown CPU'

def cpu_isa():
    "The widest vector extensions the CPU reports, from its flags: 'AVX2', 'AVX-512', with ' + BF16' (avx512_bf16) and ' + AMX' where present."
    try: flags = next((l.split(':', 1)[1].split() for l in open('/proc/cpuinfo') if l.startswith('flags')), [])
    except OSError: flags = []
    isa = 'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else ''
    return isa + (' + BF16' if 'avx512_bf16' in flags else '') + (' + AMX' if 'amx_tile' in flags else '')

def machine(threads=None):
    "A dict naming the machine: cpu, isa, cores (usable), torch threads, torch version and, on CUDA, the GPU."
    d = dict(cpu=cpu_name(), isa=cpu_isa(), cores=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
             threads=threads if threads is not None else torch.get_num_threads(), torch=torch.__version__)
    if torch.cuda.is_available(): d['gpu'] = torch.cuda.get_device_name()
    return d

def describe(m):
    "One line: 'AMD EPYC ... (AVX-512), 2 cores, 1 thread'."
    return f"{m['cpu']} ({m['isa'] or 'no AVX2'}), {m['cores']} cores, {m['threads']} thread{'s' if m['threads'] != 1 else ''}" + \
           (f", GPU {m['gpu']}" if m.get('gpu') else '')

if __name__ == '__main__': print(describe(machine()))
