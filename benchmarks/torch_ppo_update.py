"""PyTorch CPU reference for benchmarks/ppo-update.ts: CleanRL-style PPO update throughput and actor latency.

The same update as the tfjs side of that benchmark: actor and critic MLPs 64-64 (tanh), a 5-d Gaussian
head with a state-independent log-std, 64-d observations, batch 2048, 4 epochs of minibatch 256
(32 gradient steps), Adam lr 3e-4 eps 1e-5, clip 0.2, value clipping 0.2, value coefficient 0.5,
entropy coefficient 0.01, global grad-norm clip 0.5, advantages normalised per minibatch.
samples/s = batch * epochs / median of `--reps` updates after one warm-up update.

    python3 benchmarks/torch_ppo_update.py [--threads 1,2] [--clock wall|cpu] [--batch 2048] [--reps 5] [--out FILE]

`--clock cpu` times with process CPU time instead of the wall clock, which stays comparable when other
jobs share the cores. Prints the JSON result and, with --out, also writes it there.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

OBS_DIM, ACT_DIM, EPOCHS, MINIBATCH = 64, 5, 4, 256
LR, ADAM_EPS, CLIP, ENT_COEF, VF_COEF, MAX_GRAD_NORM = 3e-4, 1e-5, 0.2, 0.01, 0.5, 0.5


def mlp(inputs, outputs):
    """Two tanh hidden layers of 64, linear output."""
    return nn.Sequential(nn.Linear(inputs, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, outputs))


def run(threads, clock, batch, reps, latency_calls):
    """One measurement with `threads` torch threads; returns samples/s of the update and actor latencies in ms."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    actor, critic = mlp(OBS_DIM, ACT_DIM), mlp(OBS_DIM, 1)
    log_std = nn.Parameter(torch.zeros(ACT_DIM))
    params = list(actor.parameters()) + list(critic.parameters()) + [log_std]
    opt = torch.optim.Adam(params, lr=LR, eps=ADAM_EPS)
    obs, act = torch.randn(batch, OBS_DIM), torch.randn(batch, ACT_DIM)
    old_lp, adv, ret, old_v = torch.randn(batch), torch.randn(batch), torch.randn(batch), torch.randn(batch)

    def update():
        for _ in range(EPOCHS):
            perm = torch.randperm(batch)
            for start in range(0, batch, MINIBATCH):
                i = perm[start:start + MINIBATCH]
                dist = torch.distributions.Normal(actor(obs[i]), log_std.exp())
                lp, ent = dist.log_prob(act[i]).sum(-1), dist.entropy().sum(-1)
                ratio = (lp - old_lp[i]).exp()
                a = adv[i]
                a = (a - a.mean()) / (a.std() + 1e-8)  # [ppo] advantage normalisation
                pg = torch.max(-a * ratio, -a * ratio.clamp(1 - CLIP, 1 + CLIP)).mean()  # [ppo] clipped surrogate
                v = critic(obs[i]).squeeze(-1)
                v_clipped = old_v[i] + (v - old_v[i]).clamp(-CLIP, CLIP)  # [ppo] value clipping
                v_loss = 0.5 * torch.max((v - ret[i]) ** 2, (v_clipped - ret[i]) ** 2).mean()
                loss = pg - ENT_COEF * ent.mean() + VF_COEF * v_loss
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
                opt.step()

    update()
    times = []
    for _ in range(reps):
        t = now()
        update()
        times.append(now() - t)
    latency = {}
    with torch.no_grad():
        for b in (1, 256):
            x = torch.randn(b, OBS_DIM)
            for _ in range(50):
                actor(x)
            tt = []
            for _ in range(latency_calls):
                t = time.perf_counter()
                actor(x)
                tt.append(time.perf_counter() - t)
            latency[b] = statistics.median(tt) * 1e3
    median = statistics.median(times)
    return {"threads": threads, "clock": clock, "update_samples_per_s": round(batch * EPOCHS / median), "update_s": round(median, 4),
            "actor_ms_b1": round(latency[1], 4), "actor_ms_b256": round(latency[256], 4)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--threads", default="1,2", help="comma-separated torch thread counts, one run each [1,2]")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall", help="timer of the update [wall]")
    p.add_argument("--batch", type=int, default=2048, help="samples per update, a multiple of 256 [2048]")
    p.add_argument("--reps", type=int, default=5, help="timed updates after the warm-up [5]")
    p.add_argument("--latency-calls", type=int, default=1000, help="timed actor calls per batch size [1000]")
    p.add_argument("--out", help="also write the JSON result to this file")
    args = p.parse_args()
    if args.batch <= 0 or args.batch % MINIBATCH != 0:
        p.error(f"--batch must be a positive multiple of {MINIBATCH}, got {args.batch}")
    threads = [int(t) for t in args.threads.split(",")]
    res = {"torch": torch.__version__, "runs": [run(t, args.clock, args.batch, args.reps, args.latency_calls) for t in threads]}
    print(json.dumps(res, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
