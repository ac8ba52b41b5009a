"""GPU benchmark of FAIT and SFT training steps: tokens/s, step time, MFU, and the FAIT/SFT ratio.

    .venv/bin/python bench/trainer_gpu.py                      # one GPU, then FSDP over all GPUs found
    .venv/bin/python bench/trainer_gpu.py --device cpu --tiny  # smoke run on the CPU (tests run it)

A random-init Llama of TinyLlama-1.1B's shape (``--tiny``: a few-layer toy) trains in bf16 (on CUDA:
bf16 autocast over float32 master weights on one GPU; FSDP2 with bf16 parameters and float32
reduction over several) on random token sequences: a prompt, a correct response, and an incorrect
one that differs from it at one token of the response (marked in both, as a one-token bug is), so
FAIT runs its extra forward over y^a with prefix reuse exactly as training does: each step is
``train.forward_backward`` + gradient clipping + AdamW, the training loop's own functions.

Reported per mode (one JSON line each): median step time, training tokens (prompt + y^c) per second
over all processes, and MFU = 6 * N * tokens/s / (peak FLOP/s * processes), N the parameter count
(the 6N rule for forward + backward; FAIT's extra forward on y^a is not counted as useful work, so
its MFU is lower by exactly what it costs). ``--peak-tflops`` defaults to 989 (bf16 dense, H100/H200
SXM); give your GPU's. Then the FAIT/SFT step-time ratio. Without CUDA (and without ``--device cpu``)
it prints one line saying it skipped, and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer"))

from fait_trainer.config import parse_config  # noqa: E402
from fait_trainer.data import Sample, collate  # noqa: E402
from fait_trainer.train import autocast_for, forward_backward  # noqa: E402

SHAPES = {
    # hidden, intermediate, layers, heads, kv heads, vocab
    "1b": (2048, 5632, 22, 32, 4, 32000),  # TinyLlama-1.1B
    "tiny": (64, 128, 2, 4, 2, 512),
}


def model_for(shape: str, device: torch.device):
    from transformers import LlamaConfig, LlamaForCausalLM

    hidden, intermediate, layers, heads, kv_heads, vocab = SHAPES[shape]
    config = LlamaConfig(
        vocab_size=vocab, hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=4096,
    )  # fmt: skip
    torch.manual_seed(0)
    return LlamaForCausalLM(config).to(device).train()  # float32 master weights, as the trainer keeps them


def samples(count: int, prompt: int, response: int, vocab: int, generator: torch.Generator) -> list[Sample]:
    """Random prompt + response; the incorrect response differs at one token two thirds in (marked on both sides)."""
    out = []
    for i in range(count):
        ids = torch.randint(3, vocab, (prompt + response,), generator=generator).tolist()
        bug = prompt + (2 * response) // 3
        wrong = list(ids)
        wrong[bug] = 3 + (ids[bug] - 3 + 1) % (vocab - 3)
        marks = [1 if k == bug else 0 for k in range(len(ids))]
        out.append(Sample(id=i, input_ids=ids, first_label=prompt, v_line=marks, v_char=marks, incorrect_ids=wrong,
                          incorrect_v_line=marks, incorrect_v_char=marks, shared=bug))  # fmt: skip
    return out


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench(args, device: torch.device, world: int, rank: int) -> list[dict]:
    model = model_for("tiny" if args.tiny else "1b", device if world == 1 else torch.device("cpu"))
    parameters = sum(p.numel() for p in model.parameters())
    vocab = model.config.vocab_size
    fsdp = world > 1
    base = {"model_dir": "m", "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": [], "bf16": "auto" if device.type == "cuda" else False}
    if fsdp:
        from fait_trainer.distributed import shard

        model = shard(model, bf16=device.type == "cuda", cpu_offload=False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    generator = torch.Generator().manual_seed(rank)
    batches = [collate(samples(args.batch_size, args.prompt, args.response, vocab, generator), 0).to(device) for _ in range(args.steps + args.warmup)]
    results = []
    for mode in ("sft", "fait"):
        config = parse_config({**base, "mode": mode})
        bf16, autocast = autocast_for(config, device, fsdp=fsdp)
        times = []
        for i, batch in enumerate(batches):
            sync(device)
            started = time.perf_counter()
            num_items = sum(int(n) for n in (batch.labels != -100).sum(1))
            forward_backward(model, model, batch, config, num_items, float(world), True, autocast)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            sync(device)
            if i >= args.warmup:
                times.append(time.perf_counter() - started)
        step = statistics.median(times)
        tokens = args.batch_size * (args.prompt + args.response) * world / step
        peak = args.peak_tflops * 1e12 * world
        results.append({
            "mode": mode, "processes": world, "parallelism": "fsdp" if fsdp else "single", "device": str(device), "bf16": bf16,
            "parameters": parameters, "batch_per_process": args.batch_size, "sequence": args.prompt + args.response,
            "step_s": step, "tokens_per_s": tokens, "mfu": 6 * parameters * tokens / peak if device.type == "cuda" else None,
            "steps_timed": len(times),
        })  # fmt: skip
    results.append({"ratio_fait_sft": results[1]["step_s"] / results[0]["step_s"], "processes": world, "target": "<= 1.2 with prefix reuse"})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--tiny", action="store_true", help="a toy model (smoke runs)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per mode")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4, help="samples per process")
    parser.add_argument("--prompt", type=int, default=256)
    parser.add_argument("--response", type=int, default=512)
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="bf16 dense peak of one GPU")
    parser.add_argument("--no-fsdp", action="store_true", help="only the single-GPU benchmark")
    args = parser.parse_args()

    if args.device == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"skipped": "no CUDA device: this benchmark needs a GPU (--device cpu --tiny runs a smoke test)"}))
        return 0
    if "LOCAL_RANK" in os.environ:  # one process of the FSDP run started below
        import torch.distributed as dist

        rank = int(os.environ["LOCAL_RANK"])
        torch.cuda.set_device(rank)
        dist.init_process_group("nccl")
        results = bench(args, torch.device("cuda", rank), dist.get_world_size(), rank)
        if rank == 0:
            print("\n".join(json.dumps(r) for r in results), flush=True)
        dist.destroy_process_group()
        return 0

    device = torch.device(args.device)
    for line in bench(args, device, 1, 0):
        print(json.dumps(line), flush=True)
    gpus = torch.cuda.device_count() if device.type == "cuda" else 0
    if gpus > 1 and not args.no_fsdp:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={gpus}", __file__, *sys.argv[1:]]
        return subprocess.run(command, check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
