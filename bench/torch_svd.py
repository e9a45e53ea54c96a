#!/usr/bin/python3
"""torch_svd.py -- the speed reference for the workbench's SVD: torch.linalg.svd (LAPACK gesdd through
OpenBLAS, one thread) on Glorot-uniform float32 layer weights of the sizes `npm run bench` times.
`npm run bench` runs it with ../shared/bench/run_reference.sh's environment; prints one JSON line of median ms."""
import json, time
import torch

torch.set_num_threads(1)
torch.manual_seed(0)
out = {'framework': 'torch ' + torch.__version__}
for rows, cols in [(784, 128), (784, 512)]:
    lim = (6 / (rows + cols)) ** 0.5
    for dtype, tag in [(torch.float32, ''), (torch.float64, ' float64')]:
        w = torch.empty(rows, cols).uniform_(-lim, lim).to(dtype)
        torch.linalg.svd(w, full_matrices=False)
        ts = []
        for _ in range(5):
            t = time.perf_counter()
            torch.linalg.svd(w, full_matrices=False)
            ts.append(time.perf_counter() - t)
        out[f'{rows}x{cols}{tag}'] = round(sorted(ts)[2] * 1e3, 2)
print(json.dumps(out))
