"""Generate text from a model exported with ``lstm-studio export DIR --format onnx OUT``.

Needs only onnxruntime, numpy and tokenizers (pip install onnxruntime numpy tokenizers):

    python examples/onnx_generate.py OUT --prompt "ROMEO:" --length 200 --seed 7

The prompt goes through prompt.onnx in one call; each new token is one call of
step.onnx with the state carried along, as LSTM Studio itself generates.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


class OnnxModel:
    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        self.card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.token_bytes = [bytes.fromhex(h) for h in self.card["token_bytes"]]
        options = ort.SessionOptions()
        self.prompt = ort.InferenceSession(str(folder / "prompt.onnx"), options)
        self.step = ort.InferenceSession(str(folder / "step.onnx"), options)

    def prompt_ids(self, text: str) -> list[int]:
        """As LSTM Studio primes: after an end-of-document token, or a line break."""
        ids = self.tokenizer.encode(text).ids
        if self.card["eod_id"] is not None:
            return [self.card["eod_id"], *ids]
        return ids or self.tokenizer.encode("\n").ids or [0]

    def run_prompt(self, ids: list[int]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(logits after the last prompt token, state) from a zero state."""
        shape = (self.card["layers"], 1, self.card["hidden"])
        feed = {name: np.zeros(shape, dtype=np.float32) for name in self.card["state"]}
        outputs = self.prompt.run(None, {"tokens": np.array([ids], dtype=np.int64), **feed})
        return outputs[0][0, -1], dict(zip(self.card["state"], outputs[1:], strict=True))

    def run_step(self, token: int, state: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        outputs = self.step.run(None, {"tokens": np.array([[token]], dtype=np.int64), **state})
        return outputs[0][0], dict(zip(self.card["state"], outputs[1:], strict=True))

    def decode(self, ids: list[int]) -> str:
        return b"".join(self.token_bytes[i] for i in ids).decode("utf-8", errors="replace")


def generate(
    model: OnnxModel,
    prompt: str,
    *,
    length: int = 200,
    temperature: float = 0.8,
    greedy: bool = False,
    seed: int | None = None,
) -> str:
    """The text after the prompt: stops at the end of a document, or after length tokens."""
    rng = np.random.default_rng(seed)
    logits, state = model.run_prompt(model.prompt_ids(prompt))
    out: list[int] = []
    for _ in range(length):
        logits = logits.astype(np.float64)
        if model.card["unk_id"] is not None:
            logits[model.card["unk_id"]] = -np.inf  # <unk> stands for "something else"
        if greedy:
            token = int(logits.argmax())
        else:
            weights = np.exp((logits - logits.max()) / temperature)
            cdf = np.cumsum(weights)
            token = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(cdf) - 1)
        if token == model.card["eod_id"]:
            break
        out.append(token)
        logits, state = model.run_step(token, state)
    return model.decode(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="the folder lstm-studio export wrote")
    parser.add_argument("--prompt", default="", help="text to continue (default: empty)")
    parser.add_argument("--length", type=int, default=200, help="tokens to generate (default: 200)")
    parser.add_argument("--temperature", type=float, default=0.8, help="(default: 0.8)")
    parser.add_argument("--greedy", action="store_true", help="always the likeliest token")
    parser.add_argument("--seed", type=int, help="same seed, same text (default: random)")
    args = parser.parse_args()
    if args.length < 0 or args.temperature <= 0:
        print("onnx_generate: length must be >= 0 and temperature > 0", file=sys.stderr)
        return 2
    try:
        model = OnnxModel(args.folder)
    except (OSError, ValueError, KeyError) as err:
        print(f"onnx_generate: {args.folder}: not an exported model ({err})", file=sys.stderr)
        return 2
    text = generate(
        model,
        args.prompt,
        length=args.length,
        temperature=args.temperature,
        greedy=args.greedy,
        seed=args.seed,
    )
    print(args.prompt + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
