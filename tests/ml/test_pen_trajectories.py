import gzip

import numpy as np
import pytest

from ml.data import DatasetError
from ml.pen_trajectories import PENDIGITS_FILE, TABLET_SIZE, load_pendigits, parse_unipen, writer_folds, writer_split
from tests.canvases import PENDIGITS_DIR


@pytest.fixture(scope="module")
def pendigits():
    return load_pendigits(PENDIGITS_DIR)


def test_loads_every_digit_with_its_writer_and_strokes(pendigits):
    assert len(pendigits) == 7494
    assert sorted(set(pendigits.writers.tolist())) == list(range(1, 31))
    assert np.bincount(pendigits.labels).tolist() == [780, 779, 780, 719, 780, 720, 720, 778, 719, 719]
    assert sum(len(digit.strokes) for digit in pendigits.digits) == 9433
    first = pendigits.digits[0]
    assert (first.label, first.writer) == (8, 12)
    # The file's first point is (267, 333) with y growing upwards: on a canvas it is 500 - 333.
    assert first.strokes[0][0].tolist() == [267.0, TABLET_SIZE - 333.0]
    assert all(stroke.ndim == 2 and stroke.shape[1] == 2 for d in pendigits.digits for stroke in d.strokes)


def test_y_is_flipped_so_that_a_seven_has_its_bar_on_top(pendigits):
    sevens = [d for d in pendigits.digits if d.label == 7][:50]
    # A 7 starts with its top bar: its first point is above (smaller y than) its last.
    starts_above = [d.strokes[0][0, 1] < d.strokes[-1][-1, 1] for d in sevens]
    assert np.mean(starts_above) > 0.9


def test_corrupt_copy_is_refused(tmp_path):
    raw = gzip.decompress((PENDIGITS_DIR / PENDIGITS_FILE).read_bytes())
    (tmp_path / PENDIGITS_FILE).write_bytes(gzip.compress(raw.replace(b" 267  333", b" 268  333", 1)))
    with pytest.raises(DatasetError, match="md5"):
        load_pendigits(tmp_path)


def test_missing_folder_says_where_to_point(tmp_path):
    with pytest.raises(DatasetError, match="PENDIGITS_DIR"):
        load_pendigits(tmp_path)


def test_parser_keeps_strokes_apart_and_refuses_a_non_digit_label():
    text = """.SEGMENT DIGIT 0 ? "4"
.COMMENT 4 3 10
.PEN_DOWN
 10 20
 10 30
.PEN_UP
.DT 100
.PEN_DOWN
 40 50
.PEN_UP
""".splitlines()
    (digit,) = parse_unipen(text)
    assert (digit.label, digit.writer, len(digit.strokes)) == (4, 3, 2)
    assert digit.strokes[1].tolist() == [[40.0, 450.0]]
    with pytest.raises(DatasetError, match="not a digit"):
        parse_unipen(['.SEGMENT DIGIT 0 ? "x"'])


def test_writer_folds_put_every_writer_in_exactly_one_fold(pendigits):
    folds = writer_folds(pendigits.writers, 3, seed=0)
    assert [len(f) for f in folds] == [10, 10, 10]
    assert sorted(np.concatenate(folds).tolist()) == list(range(1, 31))
    assert [f.tolist() for f in writer_folds(pendigits.writers, 3, seed=0)] == [f.tolist() for f in folds]
    assert [f.tolist() for f in writer_folds(pendigits.writers, 3, seed=1)] != [f.tolist() for f in folds]
    with pytest.raises(ValueError):
        writer_folds(pendigits.writers, 31)


def test_no_writer_is_on_both_sides_of_a_split(pendigits):
    writers = pendigits.writers
    for held_out in writer_folds(writers, 5, seed=0):
        train, test = writer_split(writers, held_out)
        assert len(train) + len(test) == len(writers)
        assert not set(writers[train]) & set(writers[test])
        assert set(writers[test]) == set(held_out.tolist())
