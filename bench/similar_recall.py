"""Recall at 5 of the similar-post suggestions, lexical, semantic and hybrid, and the time per query.

    .venv/bin/python bench/similar_recall.py                 # recall on both sets, time per query
    .venv/bin/python bench/similar_recall.py --scale         # also search time at 1,000 and 100,000 posts,
                                                             # memory, embedding throughput (backfill)
    .venv/bin/python bench/similar_recall.py --json bench/results/similar-YYYYMMDD-HHMM.json

Two sets, each query a title typed by a customer, a hit when its original is among the five best:
- existing: the 65 pairs of tests/data/paraphrase_pairs.json (50 + 15 "holdout") among the 200 demo
  posts (forum/demo/content.yaml);
- held-out: the 84 pairs of tests/data/similar_heldout.json (five product domains, written before
  the semantic matcher was tuned and never tuned on) among its 313 distractors and the demo posts.
Methods rank the whole corpus (no candidate step, no relevance floor), so they compare on equal terms:
- lexical: TF-IDF of Porter stems (services/themes.py), what the forum falls back to without the model;
- semantic: cosine of all-MiniLM-L6-v2 vectors (forum/semantic), a post as "title. body";
- hybrid: 0.8 semantic + 0.2 lexical.
"Per query" is the typed title's embedding plus the brute-force search over every vector (what
`GET /posts/similar` adds to loading at most 60 posts by id); --scale measures the search over
1,000 and 100,000 vectors (random unit vectors: the time does not depend on what they say).
"""

import argparse
import json
import platform
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh.lang.porter import stem  # noqa: E402

from forum.demo import data  # noqa: E402
from forum.semantic import model_zip, post_text  # noqa: E402
from forum.semantic.encoder import Encoder  # noqa: E402
from forum.services import themes  # noqa: E402

K = 5
HYBRID_WEIGHT = 0.2  # of the lexical score


def sets():
    demo = [(p["title"], p["body"]) for p in data()["content"]["posts"]]
    existing = json.loads((ROOT / "tests/data/paraphrase_pairs.json").read_text())
    pairs = existing["pairs"] + existing["holdout"]
    heldout = json.loads((ROOT / "tests/data/similar_heldout.json").read_text())
    return {
        "existing": (
            [p["typed"] for p in pairs],
            [(p["original"]["title"], p["original"]["body"]) for p in pairs] + demo,
        ),
        "held-out": (
            [p["typed"] for p in heldout["pairs"]],
            [(p["original"]["title"], p["original"]["body"]) for p in heldout["pairs"]]
            + [(d["title"], d["body"]) for d in heldout["distractors"]]
            + demo,
        ),
    }


def stems(text):
    return [stem(w) for w in re.findall(r"[a-z0-9&]+", text.lower()) if w not in themes.STOP_WORDS and len(w) > 1]


def lexical_scores(queries, corpus):
    rows = []
    for query in queries:
        vectors = themes.vectors([(query, ""), *corpus], terms_of=stems)
        rows.append([themes.cosine(vectors[0], v) for v in vectors[1:]])
    return np.array(rows)


def recall(scores):
    hits = 0
    for i, row in enumerate(scores):
        top = np.argsort(-row, kind="stable")[:K]
        hits += i in top
    return hits / len(scores)


def percentile(values, p):
    return float(np.percentile(values, p))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", action="store_true", help="search time at 1,000 and 100,000 posts, memory, backfill")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    encoder = Encoder(model_zip())
    result = {"machine": platform.node(), "load_seconds": round(time.perf_counter() - started, 2), "sets": {}}
    result["rss_mb_after_load"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    for name, (queries, corpus) in sets().items():
        documents = encoder.encode([post_text(t, b) for t, b in corpus])
        times = []
        semantic_rows = []
        for query in queries:
            begun = time.perf_counter()
            (vector,) = encoder.encode([query])
            semantic_rows.append(documents @ vector)
            times.append((time.perf_counter() - begun) * 1000)
        semantic = np.array(semantic_rows)
        lexical = lexical_scores(queries, corpus)
        hybrid = (1 - HYBRID_WEIGHT) * semantic + HYBRID_WEIGHT * lexical
        figures = {
            "pairs": len(queries),
            "corpus": len(corpus),
            "recall_at_5": {"lexical": recall(lexical), "semantic": recall(semantic), "hybrid": recall(hybrid)},
            "ms_per_query": {"p50": percentile(times, 50), "p95": percentile(times, 95)},
        }
        result["sets"][name] = figures
        r, ms = figures["recall_at_5"], figures["ms_per_query"]
        print(f"{name:9s} {len(queries)} pairs among {len(corpus)} posts: recall@{K} lexical {r['lexical']:.2f}, "
              f"semantic {r['semantic']:.2f}, hybrid {r['hybrid']:.2f}; per query p50 {ms['p50']:.1f} ms, "
              f"p95 {ms['p95']:.1f} ms")  # fmt: skip
    if args.scale:
        scale(encoder, result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


def scale(encoder, result):
    rng = np.random.default_rng(7)
    titles = [p["title"] for p in data()["content"]["posts"]]
    for size in (1_000, 100_000):
        matrix = rng.standard_normal((size, 384), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        times = []
        for title in titles:
            begun = time.perf_counter()
            (vector,) = encoder.encode([title])
            scores = matrix @ vector
            top = np.argpartition(-scores, 59)[:60]
            top[np.argsort(-scores[top])]
            times.append((time.perf_counter() - begun) * 1000)
        result[f"query_ms_at_{size}"] = {"p50": percentile(times, 50), "p95": percentile(times, 95)}
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(f"{size:>7,} posts: embedding + search p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    result["rss_mb_with_100000_vectors"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"memory: {result['rss_mb_after_load']} MB after loading the model, "
          f"{result['rss_mb_with_100000_vectors']} MB with 100,000 vectors (peak RSS)")  # fmt: skip
    # Backfill: posts as bench seed writes them (a title and a paragraph), embedded in batches of 64.
    texts = [post_text(p["title"], p["body"]) for p in data()["content"]["posts"]] * 10
    begun = time.perf_counter()
    encoder.encode(texts, batch_size=64)
    seconds = time.perf_counter() - begun
    per_post = seconds / len(texts)
    result["backfill"] = {
        "posts": len(texts),
        "seconds": round(seconds, 1),
        "extrapolated_100000_minutes": round(per_post * 100_000 / 60, 1),
    }
    minutes = per_post * 100_000 / 60
    print(f"backfill: {len(texts)} posts in {seconds:.1f} s, so about {minutes:.0f} minutes for 100,000 (extrapolated)")


if __name__ == "__main__":
    main()
