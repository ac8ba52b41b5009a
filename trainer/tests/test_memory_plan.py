"""The memory plan: exact parameter counts on the meta device, the paper's 6.7B setting on 8 x 80 GB,
and the estimate against the measured peak of real training steps on CPU."""

import json

import pytest
import torch
from torch.profiler import ProfilerActivity, profile
from transformers import LlamaConfig, LlamaForCausalLM

from fait_trainer.__main__ import main
from fait_trainer.config import parse_config
from fait_trainer.data import Sample, collate
from fait_trainer.errors import BadInputError
from fait_trainer.memory_plan import (
    GIB, Gpus, check_gpu_memory, estimate, model_shape, parse_memory, plan, resolve_parallelism, setting_from_config,
)  # fmt: skip
from fait_trainer.model import load_model
from fait_trainer.train import autocast_for, forward_backward

# DeepSeek-Coder-6.7B's config.json (the paper's 6.7B model), Llama architecture.
DEEPSEEK_67B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32256,
    "max_position_embeddings": 16384, "rms_norm_eps": 1e-6, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
}  # fmt: skip


def trainer_config(model_dir, **extra):
    return parse_config({"model_dir": str(model_dir), "output_dir": "out", "checkpoint_dir": "ckpt", "pairs": [], "masks": [], **extra})


@pytest.fixture(scope="module")
def deepseek(tmp_path_factory):
    path = tmp_path_factory.mktemp("deepseek-coder-6.7b")
    (path / "config.json").write_text(json.dumps(DEEPSEEK_67B))  # config.json only: no weights
    return path


def test_parameters_are_counted_exactly_and_match_published_figures(deepseek):
    shape = model_shape(deepseek)
    # 32 layers x (4 h^2 attention + 3 h i MLP + 2 h norms) + 2 V h (embeddings, output) + h (final norm)
    h, i, v = 4096, 11008, 32256
    assert shape.parameters == 32 * (4 * h * h + 3 * h * i + 2 * h) + 2 * v * h + h == 6_740_512_768
    # Llama-2-7B (vocab 32000): 6,738,415,616 parameters (Meta's model card), 13.5 GB of bf16 weights.
    llama7b = model_shape({**DEEPSEEK_67B, "vocab_size": 32000})
    assert llama7b.parameters == 6_738_415_616
    assert round(2 * llama7b.parameters / 1e9, 1) == 13.5
    # The figure: full fine-tuning with float32 weights, gradients and AdamW state is ~107 GB.
    assert round(16 * shape.parameters / 1e9) == 108  # 107.8 GB


def test_6_7b_on_8_x_80gb_fits_with_fsdp_and_not_with_ddp(deepseek):
    config = trainer_config(deepseek, nproc=8)
    result = plan(config, Gpus(8, 80 * GIB))
    assert result["parallelism"] == "fsdp" and result["fits"]
    assert result["estimates"]["fsdp"]["fits"] and not result["estimates"]["ddp"]["fits"]
    ddp = result["estimates"]["ddp"]["components"]
    assert ddp["parameters"] + ddp["gradients"] + ddp["optimizer"] == 16 * 6_740_512_768
    assert resolve_parallelism(config, deepseek, Gpus(8, 80 * GIB)) == "fsdp"
    assert resolve_parallelism(trainer_config(deepseek, nproc=8, parallelism="ddp"), deepseek, Gpus(8, 80 * GIB)) == "ddp"
    # A 1.1B model fits with plain DDP, so auto keeps DDP.
    small = {**DEEPSEEK_67B, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22, "num_key_value_heads": 4}
    assert resolve_parallelism(config, small, Gpus(8, 80 * GIB)) == "ddp"


def test_a_setting_that_does_not_fit_names_the_numbers_and_settings_that_would(deepseek):
    config = trainer_config(deepseek, nproc=8, parallelism="ddp")
    result = plan(config, Gpus(8, 80 * GIB))
    assert not result["fits"]
    assert {"training.parallelism": "fsdp"} in [a["set"] for a in result["alternatives"]]
    assert all(a["total"] <= 80 * GIB for a in result["alternatives"])


def test_the_trainer_check_skips_on_cpu_and_says_so(deepseek):
    lines = []
    assert check_gpu_memory(trainer_config(deepseek), torch.device("cpu"), 1, lines.append) is None
    assert lines == ["memory plan: skipped (no CUDA device; the estimate is for GPUs)"]


def test_plan_command_prints_json_and_bad_input_exits_2(deepseek, tmp_path, capsys):
    config_file = tmp_path / "train.json"
    config_file.write_text(json.dumps({"model_dir": str(deepseek), "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": [], "nproc": 8}))
    assert main(["plan", "--config", str(config_file), "--gpu-memory", "80GB"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["event"] == "plan" and out["parallelism"] == "fsdp" and out["gpus"] == {"count": 8, "memory": 80 * GIB, "source": "--gpu-memory 80GB"}
    assert main(["plan", "--config", str(config_file), "--gpu-memory", "lots"]) == 2
    assert "--gpu-memory" in json.loads(capsys.readouterr().out)["message"]
    config_file.write_text(json.dumps({"model_dir": str(tmp_path / "none"), "output_dir": "o", "checkpoint_dir": "c", "pairs": [], "masks": []}))
    assert main(["plan", "--config", str(config_file)]) == 2
    assert "has no config.json" in json.loads(capsys.readouterr().out)["message"]


def test_memory_sizes_parse_as_gpu_vendors_count():
    assert parse_memory("80GB") == parse_memory("80GiB") == parse_memory("81920MiB") == 80 * GIB
    with pytest.raises(BadInputError):
        parse_memory("80 apples")


def test_lora_parameters_match_peft(tmp_path):
    from peft import LoraConfig, get_peft_model

    config = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
    targets = ["q_proj", "v_proj", "down_proj"]
    peft_model = get_peft_model(LlamaForCausalLM(config), LoraConfig(r=8, lora_alpha=16, target_modules=targets, task_type="CAUSAL_LM"))
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    assert model_shape(config).lora_parameters(8, targets) == trainable


# ---------------------------------------------------------------------------------------------
# Measured peak memory on CPU


def measured_peak(step) -> int:
    """Peak of the bytes torch's CPU allocator holds during ``step``: the profiler reports every
    allocation and free (``[memory]`` events with signed sizes); their running sum is the live total."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"), key=lambda e: e.start_ns())
    live = peak = 0
    for event in events:
        live += event.nbytes()
        peak = max(peak, live)
    return peak


def padded_samples(count: int, length: int, vocab: int) -> list[Sample]:
    """Samples at max_length (the estimate's worst case), the first shorter so that the batch is padded;
    each incorrect response differs from the correct one in one token."""
    generator = torch.Generator().manual_seed(0)
    samples = []
    for k in range(count):
        n = length - 5 if k == 0 else length
        ids = torch.randint(3, vocab, (n,), generator=generator).tolist()
        bad = list(ids)
        bad[n // 2] = 3 + (bad[n // 2] + 1) % (vocab - 3)
        samples.append(Sample(
            id=k, input_ids=ids, first_label=10, v_line=[0] * 10 + [1] * (n - 10), v_char=[0] * n,
            incorrect_ids=bad, incorrect_v_line=[0] * n, incorrect_v_char=[0] * n, shared=n // 2,
        ))  # fmt: skip
    return samples


LOGITS_HEAVY = dict(vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
ACTIVATIONS_HEAVY = dict(vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2)


@pytest.mark.parametrize(
    "architecture, settings",
    [
        (LOGITS_HEAVY, {}),
        (LOGITS_HEAVY, {"bf16": True}),
        (LOGITS_HEAVY, {"gradient_checkpointing": True}),
        (LOGITS_HEAVY, {"lora": {"r": 8, "alpha": 16, "dropout": 0.0}}),
        (ACTIVATIONS_HEAVY, {"mode": "sft"}),
        (ACTIVATIONS_HEAVY, {"bf16": True, "batch_size": 2, "max_length": 256}),
        (ACTIVATIONS_HEAVY, {"bf16": True, "gradient_checkpointing": True}),
    ],
)
def test_estimate_bounds_the_measured_peak_of_training_steps_on_cpu(tmp_path, architecture, settings):
    torch.manual_seed(0)
    LlamaForCausalLM(LlamaConfig(**architecture)).save_pretrained(tmp_path / "model")
    config = trainer_config(tmp_path / "model", **{"bf16": False, "batch_size": 4, "max_length": 128, "prefix_reuse": False, **settings})
    batch = collate(padded_samples(config.batch_size, config.max_length, architecture["vocab_size"]), 0)

    def two_steps():  # the trainer's own loading and step; the second step runs with AdamW's state allocated
        model = load_model(config, torch.device("cpu"))
        parameters = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(parameters, lr=1e-3)
        _, autocast = autocast_for(config, torch.device("cpu"))
        for _ in range(2):
            forward_backward(model, model, batch, config, int(batch.label_mask.sum()), 1.0, False, autocast)
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    measured = measured_peak(two_steps)
    est = estimate(model_shape(tmp_path / "model"), setting_from_config(config, 1, "ddp", cuda=False))
    parts = est["components"]
    expected = est["total"] - parts["overhead"]  # the fixed CUDA overhead and the fragmentation share do not exist here
    # Upper side: the estimate counts every tensor live at the backward peak; what it leaves out are
    # one op's short-lived scratch buffers (a few h-sized values per token of one layer: < 1% of the
    # totals here), so the measurement may exceed it by at most 2%.
    assert measured <= 1.02 * expected, (measured, expected, parts)
    # Lower side: the estimate deliberately counts the gradients as allocated at the loss's peak (with
    # zero_grad(set_to_none) they appear only as backward proceeds) and rounds each saved-tensor
    # coefficient up; beyond the gradients it may over-count by at most 5%.
    assert measured >= expected - parts["gradients"] - 0.05 * expected, (measured, expected, parts)
