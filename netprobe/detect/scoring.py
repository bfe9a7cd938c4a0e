"""Scores of found change points against human annotations, exactly as TCPD computes them.

van den Burg & Williams, "An Evaluation of Change Point Detection Algorithms" (2020): the
F1 measure with a margin and the segmentation cover, both over several annotators. A change
point is the index of the first sample of a new regime; index 0 is added to every set.
"""

from collections.abc import Iterable, Mapping


def true_positives(annotated: Iterable[int], predicted: Iterable[int], *, margin: int = 5) -> set:
    """Annotations matched by a prediction within ``margin``, each prediction used once.

    Annotations are taken in increasing order and each takes the closest prediction still
    unused (the smaller one on a tie), as TCPD does.

    Args:
        annotated, predicted: sample indices; margin: largest distance of a match, samples.
    Returns:
        The set of matched annotations.
    """
    unused = set(predicted)
    matched = set()
    for tau in sorted(set(annotated)):
        close = sorted((abs(tau - x), x) for x in unused if abs(tau - x) <= margin)
        if close:
            matched.add(tau)
            unused.remove(close[0][1])
    return matched


def f_measure(
    annotations: Mapping[str, Iterable[int]], predictions: Iterable[int], *, margin: int = 5
) -> float:
    """TCPD's F1: precision against the union of annotators, recall averaged over annotators.

    Args:
        annotations: annotator id -> its change points; predictions: found change points;
        margin: samples.
    Returns:
        F1 in [0, 1].
    """
    sets = [set(points) | {0} for points in annotations.values()]
    predicted = set(predictions) | {0}
    union = set().union(*sets)
    precision = len(true_positives(union, predicted, margin=margin)) / len(predicted)
    recall = sum(len(true_positives(s, predicted, margin=margin)) / len(s) for s in sets)
    recall /= len(sets)
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def partition(points: Iterable[int], n: int) -> list[range]:
    """The segments [start, end) of 0..n-1 that change points cut it into (0 and n ignored)."""
    edges = sorted({p for p in points if 0 < p < n} | {0, n})
    return [range(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def cover(annotations: Mapping[str, Iterable[int]], predictions: Iterable[int], n: int) -> float:
    """TCPD's cover: per annotator, sum |A| max_P Jaccard(A, P) / n; mean over annotators.

    Args:
        annotations: annotator id -> its change points; predictions: found change points;
        n: series length, samples.
    Returns:
        Cover in [0, 1].
    """
    found = partition(predictions, n)
    scores = []
    for points in annotations.values():
        total = 0.0
        for a in partition(points, n):
            total += len(a) * max(_jaccard(a, p) for p in found)
        scores.append(total / n)
    return sum(scores) / len(scores)


def _jaccard(a: range, b: range) -> float:
    overlap = max(0, min(a.stop, b.stop) - max(a.start, b.start))
    return overlap / (len(a) + len(b) - overlap)
