"""Recall at 5 of the similar-post suggestions, lexical, semantic and hybrid, and the time per query.

    .venv/bin/python bench/similar_recall.py                 # recall on both sets, time per query
    .venv/bin/python bench/similar_recall.py --scale         # also search time at 1,000 and 100,000 posts,
                                                             # memory, embedding throughput (backfill)
    .venv/bin/python bench/similar_recall.py --json bench/results/similar-YYYYMMDD-HHMM.json

Four sets, each query a title typed by a customer, a hit when its original is among the five best:
- existing: the 65 pairs of tests/data/paraphrase_pairs.json (50 + 15 "holdout") among the 200 demo
  posts (forum/demo/content.yaml);
- tuning: the 75 pairs of tests/data/similar_tuning.json (five other product domains), which the
  matcher may be tuned on, among its 264 distractors and the demo posts;
- held-out and held-out B: the 84 pairs of tests/data/similar_heldout.json and the 95 of
  tests/data/similar_heldout_b.json (billing, shipping, mobile apps, a SaaS tool, support; each
  written by someone who had not seen the matcher, committed before it was tuned, never tuned on),
  each among its own distractors (313 and 337) and the demo posts. "held-out, both" pools them.
Methods rank the whole corpus (no candidate step, no relevance floor), so they compare on equal terms:
- lexical: TF-IDF of Porter stems (services/themes.py), what the forum falls back to without the model;
- semantic: cosine of all-MiniLM-L6-v2 vectors (forum/semantic), a post as "title. body";
- hybrid: 0.8 semantic + 0.2 lexical;
- "semantic, floor": semantic as `GET /posts/similar` offers it, where an original scoring under the
  relevance floor (MIN_SEMANTIC_SIMILARITY) is not offered even when it ranks among the five best;
- "semantic, prefiltered": semantic scores of only the tenth of the corpus nearest by sign bits,
  as forum.semantic searches past PREFILTER_FROM vectors (there at least 2,000 rows; here a
  tenth of a few hundred, which is harder).
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

from forum import semantic  # noqa: E402
from forum.demo import data  # noqa: E402
from forum.semantic import model_zip, post_text, sign_bits  # noqa: E402
from forum.semantic.encoder import Encoder  # noqa: E402
from forum.services import themes  # noqa: E402
from forum.services.similar import MIN_SEMANTIC_SIMILARITY  # noqa: E402

K = 5
HYBRID_WEIGHT = 0.2  # of the lexical score


def sets():
    """{name: (typed titles, corpus)}: the i-th typed title's original is the corpus's i-th post."""
    demo = [(p["title"], p["body"]) for p in data()["content"]["posts"]]
    existing = json.loads((ROOT / "tests/data/paraphrase_pairs.json").read_text())
    pairs = existing["pairs"] + existing["holdout"]
    found = {
        "existing": (
            [p["typed"] for p in pairs],
            [(p["original"]["title"], p["original"]["body"]) for p in pairs] + demo,
        )
    }
    for name, file in (
        ("tuning", "similar_tuning"),
        ("held-out", "similar_heldout"),
        ("held-out B", "similar_heldout_b"),
    ):
        written = json.loads((ROOT / f"tests/data/{file}.json").read_text())
        found[name] = (
            [p["typed"] for p in written["pairs"]],
            [(p["original"]["title"], p["original"]["body"]) for p in written["pairs"]]
            + [(d["title"], d["body"]) for d in written["distractors"]]
            + demo,
        )
    return found


def stems(text):
    return [stem(w) for w in re.findall(r"[a-z0-9&]+", text.lower()) if w not in themes.STOP_WORDS and len(w) > 1]


def lexical_scores(queries, corpus):
    rows = []
    for query in queries:
        vectors = themes.vectors([(query, ""), *corpus], terms_of=stems)
        rows.append([themes.cosine(vectors[0], v) for v in vectors[1:]])
    return np.array(rows)


def hits(scores, floor: float = -np.inf) -> int:
    """How many typed titles (rows) have their original (column i of row i) among the K best, and at
    least `floor`."""
    return sum(i in np.argsort(-row, kind="stable")[:K] and row[i] >= floor for i, row in enumerate(scores))


def sign_bit_prefiltered(scores, queries, documents):
    """`scores` with every document but the tenth nearest each query by sign bits set to -inf."""
    keep = max(K, len(documents) // 10)
    bits = sign_bits(documents)
    out = np.full_like(scores, -np.inf)
    for row, query in enumerate(queries):
        distance = np.bitwise_count(bits ^ sign_bits(query)).sum(axis=1)
        kept = np.argpartition(distance, keep - 1)[:keep]
        out[row, kept] = scores[row, kept]
    return out


def recall(scores) -> float:
    return hits(scores) / len(scores)


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
        methods = {"lexical": lexical, "semantic": semantic, "hybrid": hybrid}
        figures = {
            "pairs": len(queries),
            "corpus": len(corpus),
            "hits_at_5": {method: int(hits(scores)) for method, scores in methods.items()},
            "recall_at_5": {method: recall(scores) for method, scores in methods.items()},
            "ms_per_query": {"p50": percentile(times, 50), "p95": percentile(times, 95)},
        }
        floored = hits(semantic, MIN_SEMANTIC_SIMILARITY)
        prefiltered = hits(sign_bit_prefiltered(semantic, encoder.encode(queries), documents))
        for method, found in (("semantic, floor", floored), ("semantic, prefiltered", prefiltered)):
            figures["hits_at_5"][method] = int(found)
            figures["recall_at_5"][method] = found / len(queries)
        result["sets"][name] = figures
        r, ms = figures["recall_at_5"], figures["ms_per_query"]
        print(f"{name:10s} {len(queries)} pairs among {len(corpus)} posts: recall@{K} lexical {r['lexical']:.2f}, "
              f"semantic {r['semantic']:.3f} (floor {r['semantic, floor']:.3f}, prefiltered "
              f"{r['semantic, prefiltered']:.3f}), hybrid {r['hybrid']:.2f}; "
              f"per query p50 {ms['p50']:.1f} ms, p95 {ms['p95']:.1f} ms")  # fmt: skip
    both = [result["sets"][name] for name in ("held-out", "held-out B")]
    pooled = {m: sum(f["hits_at_5"][m] for f in both) for m in both[0]["hits_at_5"]}
    pairs = sum(f["pairs"] for f in both)
    result["sets"]["held-out, both"] = {
        "pairs": pairs,
        "hits_at_5": pooled,
        "recall_at_5": {m: h / pairs for m, h in pooled.items()},
    }
    print(f"held-out, both {pairs} pairs: recall@{K} "
          + ", ".join(f"{m} {h / pairs:.3f} ({h})" for m, h in pooled.items()))  # fmt: skip
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
        index = semantic._VectorIndex()  # the forum's own search, filled by hand
        index.matrix, index.bits, index.post_ids, index.size = matrix, sign_bits(matrix).T.copy(), np.arange(size), size
        for label, prefilter_from in (("exact", size + 1), ("as served", None)):
            times, search_times = [], []
            for title in titles:
                begun = time.perf_counter()
                (vector,) = encoder.encode([title])
                searched = time.perf_counter()
                index.nearest(vector, 60, -1.0, prefilter_from=prefilter_from)
                done = time.perf_counter()
                times.append((done - begun) * 1000)
                search_times.append((done - searched) * 1000)
            figures = {
                "p50": percentile(times, 50),
                "p95": percentile(times, 95),
                "search_p50": percentile(search_times, 50),
                "search_p95": percentile(search_times, 95),
            }
            result[f"query_ms_at_{size}" + ("" if label == "as served" else "_exact")] = figures
            print(f"{size:>7,} posts, {label:9s}: embedding + search p50 {figures['p50']:.1f} ms, p95 "
                  f"{figures['p95']:.1f} ms (the search alone p50 {figures['search_p50']:.1f} ms, p95 "
                  f"{figures['search_p95']:.1f} ms)")  # fmt: skip
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
