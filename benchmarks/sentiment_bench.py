"""Sentiment of short buyer emails: plain VADER vs our cold scorer vs after learning from reps' ratings.

Run: .venv/bin/python benchmarks/sentiment_bench.py [--seeds 5] [--runs 2000]
Reads benchmarks/sentiment/emails.jsonl (hand-written, labelled, fixed train/test split). Learning goes
through signals.service.learn into a real SQLite store, exactly as a rating would; accuracy is on the
held-out test split (positive/negative only; a "neutral" answer counts as wrong). Timing scores a 5 KB
email in process (CPU time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from addin_api.signals import service
from addin_api.signals.scorer import score_text
from addin_api.signals.text import prepare
from addin_api.store.db import StoreBase, make_engine, make_session_factory
from addin_api.store.lexicon import SqlLexicon

DATA = Path(__file__).resolve().parent / "sentiment" / "emails.jsonl"
CURVE = (0, 20, 40, 80, None)  # None = the whole train split


def load() -> list[dict]:
    """The labelled emails."""
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def accuracy(predict, rows) -> float:
    """Share of rows whose predicted label equals the human label."""
    return sum(predict(r["text"]) == r["label"] for r in rows) / len(rows)


def vader_label(analyzer):
    """Plain VADER on the whole text, with its own ±0.05 thresholds."""

    def predict(text):
        c = analyzer.polarity_scores(text)["compound"]
        return "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"

    return predict


def learning_curve(train, test, seed: int, workdir: Path) -> list[tuple[int, float]]:
    """Accuracy on `test` after learning from the first n of a shuffled `train`, through the service."""
    engine = make_engine(f"sqlite:///{workdir / f'bench-{seed}.db'}")
    StoreBase.metadata.create_all(engine)
    lexicon, org = SqlLexicon(make_session_factory(engine)), f"bench-{seed}"
    order = random.Random(seed).sample(train, len(train))
    points, learned = [], 0
    for n in CURVE:
        n = len(order) if n is None else n
        for i, row in enumerate(order[learned:n], start=learned):
            service.learn(lexicon, org, f"rep-{i % 7}", row["id"], row["text"], row["label"])
        learned = n
        points.append((n, accuracy(lambda t: service.score(lexicon, org, t).label, test)))
    engine.dispose()
    return points


def _prepared(text: str) -> tuple[str, str]:
    subject, body = prepare(text)
    return body, subject


def five_kb_email(rows) -> str:
    """About 5,000 characters of buyer prose (no quote or signature, so all of it is scored)."""
    text, i = "", 0
    while len(text) < 5000:
        text += prepare(rows[i % len(rows)]["text"])[1] + " "
        i += 1
    return text[:5000]


def timings(fn, runs: int) -> tuple[float, float]:
    """p50 and p99 CPU milliseconds."""
    samples = []
    for _ in range(runs):
        t = time.process_time()  # CPU time of this process: other jobs on the machine don't inflate it
        fn()
        samples.append((time.process_time() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    rows = load()
    polar = [r for r in rows if r["label"] != "neutral"]
    train = [r for r in polar if r["split"] == "train"]
    test = [r for r in polar if r["split"] == "test"]
    neutral = [r for r in rows if r["label"] == "neutral"]
    vader = vader_label(SentimentIntensityAnalyzer())

    def cold(t):
        return score_text(*_prepared(t)).label

    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"emails: {len(polar)} pos/neg ({len(train)} train, {len(test)} test) + {len(neutral)} neutral")
    for name, rows_ in (("test split", test), ("all pos/neg", polar), ("neutral slice", neutral)):
        plain, ours = accuracy(vader, rows_), accuracy(cold, rows_)
        print(f"accuracy on {name:13s}  plain VADER {plain:.1%}   ours cold {ours:.1%}")
    with tempfile.TemporaryDirectory() as tmp:
        curves = [learning_curve(train, test, seed, Path(tmp)) for seed in range(args.seeds)]
        print(f"learning curve on test (ratings from train, mean [min–max] over {args.seeds} orders):")
        for k, (n, _) in enumerate(curves[0]):
            accs = [c[k][1] for c in curves]
            print(f"  after {n:3d} ratings: {statistics.mean(accs):.1%} [{min(accs):.1%}–{max(accs):.1%}]")
        engine = make_engine(f"sqlite:///{Path(tmp) / 'time.db'}")
        StoreBase.metadata.create_all(engine)
        lexicon = SqlLexicon(make_session_factory(engine))
        for i, row in enumerate(train):
            service.learn(lexicon, "t", f"rep-{i % 7}", row["id"], row["text"], row["label"])
        email, learned = five_kb_email(polar), service.learned(lexicon, "t")
        print(f"scoring a {len(email)}-character email, {args.runs} runs (ms):")
        print(
            "  ours, cold             p50 {:.3f}  p99 {:.3f}".format(
                *timings(lambda: score_text(*_prepared(email)), args.runs)
            )
        )
        print(
            "  ours, 160 ratings      p50 {:.3f}  p99 {:.3f}".format(
                *timings(lambda: score_text(*_prepared(email), learned), args.runs)
            )
        )
        print(
            "  through service.score  p50 {:.3f}  p99 {:.3f}".format(
                *timings(lambda: service.score(lexicon, "t", email), args.runs)
            )
        )
        print(
            "  its version read alone p50 {:.3f}  p99 {:.3f}".format(
                *timings(lambda: lexicon.version("t"), args.runs)
            )
        )
        print(
            "  plain VADER            p50 {:.3f}  p99 {:.3f}".format(
                *timings(lambda: vader(email), max(50, args.runs // 20))
            )
        )
        engine.dispose()


if __name__ == "__main__":
    main()
