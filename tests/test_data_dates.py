"""keras_genai.data.dates: the date-translation pairs."""

import datetime

import pytest

from keras_genai.data import dates


def test_each_format_writes_the_date_the_issue_describes():
    day = datetime.date(2021, 3, 3)
    assert [dates.write_date(day, fmt) for fmt in dates.DATE_FORMATS] == [
        "3 March 2021", "March 03, 2021", "Wednesday, 03 March 2021",
        "03/03/2021", "03.03.21", "20210303", "Mar 03 2021"]
    # Two-digit years: 50-99 are 19xx, 00-49 are 20xx.
    assert dates.write_date(datetime.date(1950, 12, 1), "03.03.21") == "01.12.50"
    assert dates.write_date(datetime.date(2049, 1, 9), "03.03.21") == "09.01.49"
    with pytest.raises(ValueError, match="fmt"):
        dates.write_date(day, "%Y")


def test_pairs_are_consistent_reproducible_and_cover_formats_and_case():
    sources, targets, formats = dates.date_pairs(2000, seed=3)
    assert (sources, targets) == dates.date_pairs(2000, seed=3)[:2]
    assert set(formats) == set(dates.DATE_FORMATS)
    for source, target, fmt in zip(sources, targets, formats):
        day = datetime.date.fromisoformat(target)
        assert dates.FIRST_DATE <= day <= dates.LAST_DATE
        assert source in (dates.write_date(day, fmt),
                          dates.write_date(day, fmt).lower())
        assert len(source) <= dates.MAX_SOURCE_LENGTH
        assert set(source) <= set(dates.SOURCE_CHARACTERS)
    lowered = sum(s == s.lower() and s != s.upper() for s in sources)
    with_letters = sum(s != s.upper() or s != s.lower() for s in sources)
    assert 0.4 < lowered / with_letters < 0.6  # half of the sources with names


def test_train_and_test_splits_hold_different_dates():
    _, train, _ = dates.date_pairs(3000, seed=0, split="train")
    _, test, _ = dates.date_pairs(300, seed=0, split="test")
    assert not set(train) & set(test)
    assert all(datetime.date.fromisoformat(t).toordinal() % dates.TEST_EVERY == 0
               for t in test)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(n=0), "n"), (dict(n=2, formats=[]), "formats"),
    (dict(n=2, formats=["nope"]), "formats"), (dict(n=2, split="val"), "split"),
])
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        dates.date_pairs(**kwargs)
