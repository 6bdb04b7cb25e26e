"""Choose the learning parameters by k-fold cross-validation inside the TRAIN split (never the test split).

Run: .venv/bin/python benchmarks/sentiment_tune.py [--folds 5] [--repeats 4]
Each fold learns from the other folds' ratings (counted exactly as the store counts them: one vote per
email, the terms `service.learn` would send) and is scored with `service`'s own scorer. Prints the best
settings by mean held-out-fold accuracy; the defaults in addin_api/signals/learning.py come from here.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from addin_api.signals.learning import PARAMS, Params, weights_from_counts
from addin_api.signals.scorer import learnable_terms, score_text
from addin_api.signals.text import prepare
from benchmarks.sentiment_bench import load

GRID = {
    "prior": (0.1, 0.25, 0.5, 1.0),
    "class_prior": (3.0, 10.0, 30.0),
    "scale": (1.5, 2.0, 3.0),
    "cap": (2.0, 3.0, 4.0),
    "evidence": (0.25, 0.5, 1.0, 3.0),
    "bigram": (0.5, 1.0),
}


def prepared(rows: list[dict]) -> list[tuple[str, str, str, list[str]]]:
    """(body, subject, label, taught terms) per email, computed once."""
    out = []
    for r in rows:
        subject, body = prepare(r["text"])
        out.append((body, subject, r["label"], learnable_terms(body, subject)))
    return out


def fold_accuracy(train: list, held: list, params: Params) -> float:
    """Accuracy on `held` after learning from every rating in `train`."""
    terms: dict[str, tuple[int, int]] = {}
    pos = sum(label == "positive" for *_, label, _ in train)
    for *_, label, taught in train:
        for t in taught:
            p, n = terms.get(t, (0, 0))
            terms[t] = (p + 1, n) if label == "positive" else (p, n + 1)
    learned = weights_from_counts("cv", pos, len(train) - pos, terms, params)
    return sum(score_text(b, s, learned).label == label for b, s, label, _ in held) / len(held)


def cross_validate(rows: list, params: Params, folds: int, repeats: int) -> float:
    """Mean accuracy over `repeats` shuffles × `folds` folds of the train split."""
    accs = []
    for seed in range(repeats):
        order = random.Random(seed).sample(rows, len(rows))
        for k in range(folds):
            held = order[k::folds]
            accs.append(fold_accuracy([r for i, r in enumerate(order) if i % folds != k], held, params))
    return statistics.mean(accs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    train = prepared([r for r in load() if r["label"] != "neutral" and r["split"] == "train"])
    base = cross_validate(train, PARAMS, args.folds, args.repeats)
    print(f"train split: {len(train)} emails; CV accuracy with the current defaults {base:.1%}")
    results = []
    for values in itertools.product(*GRID.values()):
        params = replace(PARAMS, **dict(zip(GRID, values, strict=True)))
        results.append((cross_validate(train, params, args.folds, args.repeats), values))
    results.sort(key=lambda r: -r[0])
    print(f"best of {len(results)} settings ({args.folds}-fold × {args.repeats}, train split only):")
    for acc, values in results[:10]:
        print(f"  {acc:.1%}  " + "  ".join(f"{k}={v}" for k, v in zip(GRID, values, strict=True)))


if __name__ == "__main__":
    main()
