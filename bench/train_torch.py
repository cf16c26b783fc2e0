"""PyTorch twin of bench/train-engine.ts: the same llama-architecture model (RMSNorm, RoPE on adjacent pairs,
SwiGLU, tied head, SDPA causal attention), shape, batch and AdamW, timed the same way. Prints one JSON line:
{"tok_per_s": ..., "cpu_s_per_step": ..., "max_rss_mb": ..., "torch": ...}.

    python3 bench/train_torch.py --context 1024 --batch 2 --layers 4 --d-model 256 --threads 2 --steps 5
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--context", type=int, default=128)
p.add_argument("--batch", type=int, default=8)
p.add_argument("--layers", type=int, default=4)
p.add_argument("--d-model", type=int, default=256)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

V, D, L, T, B = 4096, args.d_model, args.layers, args.context, args.batch
H = D // 64
F_FF = int(D * 2.6875 / 8 + 0.5) * 8  # 688 at d_model 256, as bench/train-engine.ts
HD = D // H


def rope_tables(T, hd, theta=10000.0):
    inv = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


COS, SIN = rope_tables(T, HD)


def rope(x):  # x: [B, H, T, hd]; rotates adjacent pairs (2i, 2i+1)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    y0 = x0 * COS - x1 * SIN
    y1 = x0 * SIN + x1 * COS
    return torch.stack((y0, y1), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_norm = nn.RMSNorm(D, eps=1e-5)
        self.q = nn.Linear(D, D, bias=False)
        self.k = nn.Linear(D, D, bias=False)
        self.v = nn.Linear(D, D, bias=False)
        self.o = nn.Linear(D, D, bias=False)
        self.ffn_norm = nn.RMSNorm(D, eps=1e-5)
        self.gate = nn.Linear(D, F_FF, bias=False)
        self.up = nn.Linear(D, F_FF, bias=False)
        self.down = nn.Linear(F_FF, D, bias=False)

    def forward(self, x):
        b, t, _ = x.shape
        xn = self.attn_norm(x)
        q = rope(self.q(xn).view(b, t, H, HD).transpose(1, 2))
        k = rope(self.k(xn).view(b, t, H, HD).transpose(1, 2))
        v = self.v(xn).view(b, t, H, HD).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        h = x + self.o(a.transpose(1, 2).reshape(b, t, D))
        hn = self.ffn_norm(h)
        return h + self.down(F.silu(self.gate(hn)) * self.up(hn))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.norm = nn.RMSNorm(D, eps=1e-5)
        for p_ in self.parameters():
            if p_.dim() == 2:
                nn.init.normal_(p_, std=0.02)

    def forward(self, idx):
        x = self.emb(idx)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x) @ self.emb.weight.T  # tied head


model = Llama()
decay = [p_ for n, p_ in model.named_parameters() if p_.dim() >= 2 and not n.startswith("emb")]
no_decay = [p_ for n, p_ in model.named_parameters() if p_.dim() < 2 or n.startswith("emb")]
opt = torch.optim.AdamW(
    [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=3e-4, betas=(0.9, 0.95)
)
g = torch.Generator().manual_seed(2)
tokens = torch.randint(0, V, (B, T), generator=g)
targets = torch.randint(0, V, (B, T), generator=g)


def step():
    logits = model(tokens)
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


# The high-water mark before any step (runtime, model, optimizer state), as bench/train-engine.ts.
rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for _ in range(args.warmup):
    step()
c0 = time.process_time()
step_s = []
for _ in range(args.steps):
    t0 = time.perf_counter()
    loss = step()
    step_s.append(time.perf_counter() - t0)
cpu = time.process_time() - c0
# The median step, as bench/train.ts: on a shared machine a few steps lose their time slice.
step_s.sort()
m = len(step_s) // 2
median = step_s[m] if len(step_s) % 2 else (step_s[m - 1] + step_s[m]) / 2
max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
print(
    json.dumps(
        {
            "tok_per_s": B * T / median,
            "cpu_s_per_step": cpu / args.steps,
            "max_rss_mb": max_rss_mb,
            "rss_before_mb": rss_before_mb,
            "loss": loss,
            "torch": torch.__version__,
        }
    )
)
