"""PyTorch reference for Concord's learning benchmarks: one epoch of BP, FA or DFA on the default MLP
(784-1024-512-256-10, tanh, Adam 1e-3, batch 128) over the first N Fashion-MNIST training images, timing the
training loop only (data already in memory). Usage: torch_reference.py RULE THREADS N [IDX_DIR]. Prints JSON."""
import gzip, json, os, sys, time

import numpy as np
import torch

rule, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = sys.argv[4] if len(sys.argv) > 4 else '/usr/share/datasets/fashion-mnist'
torch.set_num_threads(threads)


def idx(name, offset):
    with gzip.open(os.path.join(root, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


x = torch.from_numpy(idx('train-images-idx3-ubyte.gz', 16).reshape(-1, 784)[:n].astype(np.float32) / 255)
y = torch.from_numpy(idx('train-labels-idx1-ubyte.gz', 8)[:n].astype(np.int64))
torch.manual_seed(0)
sizes = [784, 1024, 512, 256, 10]
layers = [torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
params = [p for l in layers for p in l.parameters()]
opt = torch.optim.Adam(params, 1e-3)
# Fixed random feedback: FA uses B_l of W_l's shape, DFA B_l of (classes x units).
fa_b = [torch.empty_like(l.weight).uniform_(-1, 1) / l.weight.shape[1] ** 0.5 for l in layers]
dfa_b = [torch.empty(10, l.weight.shape[0]).uniform_(-1, 1) / 10 ** 0.5 for l in layers[:-1]]


class FALinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inp, w, b, back):
        ctx.save_for_backward(inp, back)
        return inp @ w.t() + b

    @staticmethod
    def backward(ctx, g):
        inp, back = ctx.saved_tensors
        return g @ back, g.t() @ inp, g.sum(0), None


def step(xb, yb):
    opt.zero_grad()
    if rule == 'bp':
        h = xb
        for i, l in enumerate(layers):
            h = l(h)
            if i < len(layers) - 1:
                h = torch.tanh(h)
        loss = torch.nn.functional.cross_entropy(h, yb)
        loss.backward()
    elif rule == 'fa':
        h = xb
        for i, l in enumerate(layers):
            h = FALinear.apply(h, l.weight, l.bias, fa_b[i])
            if i < len(layers) - 1:
                h = torch.tanh(h)
        loss = torch.nn.functional.cross_entropy(h, yb)
        loss.backward()
    else:  # dfa: manual updates
        with torch.no_grad():
            hs = [xb]
            for i, l in enumerate(layers):
                z = hs[-1] @ l.weight.t() + l.bias
                hs.append(torch.tanh(z) if i < len(layers) - 1 else z)
            p = torch.softmax(hs[-1], 1)
            e = (p - torch.nn.functional.one_hot(yb, 10)) / len(yb)
            loss = torch.nn.functional.cross_entropy(hs[-1], yb)
            for i, l in enumerate(layers):
                d = e if i == len(layers) - 1 else (e @ dfa_b[i]) * (1 - hs[i + 1] ** 2)
                l.weight.grad = d.t() @ hs[i]
                l.bias.grad = d.sum(0)
    opt.step()
    return loss


perm = torch.randperm(n)
t0 = time.perf_counter()
for s in range(0, n, 128):
    i = perm[s:s + 128]
    step(x[i], y[i])
print(json.dumps({'rule': rule, 'threads': threads, 'n': n, 'seconds': time.perf_counter() - t0}))
