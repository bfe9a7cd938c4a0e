"""TCPD's F1 and cover on cases worked out by hand."""

import pytest

from netprobe.detect.scoring import cover, f_measure, partition, true_positives


def test_each_prediction_matches_one_annotation_closest_first():
    assert true_positives([10, 12], [11]) == {10}
    assert true_positives([10, 20], [14, 16]) == {10, 20}
    assert true_positives([10], [16]) == set()  # margin 5 excludes 6 samples away


def test_f1_precision_against_union_recall_averaged_over_annotators():
    annotations = {"a": [50], "b": []}
    # with 0 added: a = {0, 50}, b = {0}; predictions {0, 52, 90}
    # precision = |{0, 50}| / 3; recall = (2/2 + 1/1) / 2 = 1
    p, r = 2 / 3, 1.0
    assert f_measure(annotations, [52, 90]) == pytest.approx(2 * p * r / (p + r))


def test_f1_of_no_prediction_counts_the_origin():
    # predictions {0}: precision 1, recall (1/2 + 1/1) / 2 = 0.75
    assert f_measure({"a": [50], "b": []}, []) == pytest.approx(2 * 0.75 / 1.75)


def test_partition_covers_every_index_once():
    parts = partition([0, 3, 7, 12], 10)
    assert [list(p) for p in parts] == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [([], 0.5), ([5], 1.0), ([4], (5 * 4 / 5 + 5 * 5 / 6) / 10)],
)
def test_cover_weights_each_annotated_segment_by_its_best_jaccard(predicted, expected):
    assert cover({"a": [5]}, predicted, 10) == pytest.approx(expected)


def test_cover_is_the_mean_over_annotators():
    assert cover({"a": [5], "b": []}, [5], 10) == pytest.approx((1.0 + 0.5) / 2)
