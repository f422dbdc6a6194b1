"""PyTorch + PEFT side of scripts/bench-trainer.sh: LoRA on the same Hugging Face checkpoint,
windows, batch, rank and optimizer as openledger-trainer; prints one JSON object.

Usage: peft_baseline.py MODEL_DIR TEXT_FILE --seq-len 256 --batch-size 4 --rank 8 --alpha 16 --steps 8
       peft_baseline.py MODEL_DIR TEXT_FILE --adapter DIR --steps 0
           (loads an adapter openledger-trainer saved, through PEFT, and only evaluates)
"""
import argparse, json, resource, time

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("text")
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-windows", type=int, default=4)
    p.add_argument("--adapter", help="a PEFT adapter directory to load instead of a fresh LoRA")
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)

    tok = Tokenizer.from_file(f"{a.model}/tokenizer.json")
    ids = tok.encode(open(a.text, encoding="utf-8").read(), add_special_tokens=False).ids
    eos = json.load(open(f"{a.model}/tokenizer_config.json")).get("eos_token")
    if eos is not None:
        ids.append(tok.token_to_id(eos))
    width = a.seq_len + 1
    windows = [ids[i:i + width] for i in range(0, len(ids) - width + 1, width)]

    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    if a.adapter:
        model = PeftModel.from_pretrained(model, a.adapter, is_trainable=True)
    else:
        config = LoraConfig(r=a.rank, lora_alpha=a.alpha, lora_dropout=0.0, target_modules="all-linear",
                            task_type="CAUSAL_LM")
        model = get_peft_model(model, config)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=a.lr, weight_decay=0.0)

    def batch(step):
        rows = [windows[(step * a.batch_size + i) % len(windows)] for i in range(a.batch_size)]
        t = torch.tensor(rows)
        return t[:, :-1], t[:, 1:]

    # The windows `openledger-trainer eval --max-windows N` picks: evenly spaced from the first.
    stride = max(len(windows) // a.eval_windows, 1)
    chosen = torch.tensor(windows[::stride][:a.eval_windows])
    with torch.no_grad():
        logits = model(input_ids=chosen[:, :-1]).logits
        eval_loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), chosen[:, 1:].reshape(-1)).item()

    rates, losses = [], []
    for step in range(a.steps):
        x, y = batch(step)
        start = time.perf_counter()
        logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        rates.append(x.numel() / (time.perf_counter() - start))
        losses.append(loss.item())
    print(json.dumps({
        "eval_loss": eval_loss,
        "losses": losses,
        "tokens_per_second": rates,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
