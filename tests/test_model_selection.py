"""SeriesSplit and forecast scorers: cross-validation per series, scored on the test rows."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tsforecast import LSTMForecaster, Persistence
from tsforecast import metrics as m
from tsforecast.datasets import load_pbc
from tsforecast.model_selection import SeriesSplit, forecast_scorer

from .conftest import FAST


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    n_splits=st.integers(2, 4),
    test_size=st.integers(1, 4),
    gap=st.integers(0, 2),
    window=st.one_of(st.none(), st.integers(1, 10)),
    history=st.one_of(st.none(), st.integers(0, 5)),
)
def test_every_fold_trains_on_each_series_past_and_tests_its_next_rows(
    lengths, n_splits, test_size, gap, window, history
):
    groups = np.repeat(np.arange(len(lengths)), lengths)
    rng = np.random.default_rng(len(groups))
    shuffled = rng.permutation(len(groups))  # series need not be contiguous
    groups = groups[shuffled]
    cv = SeriesSplit(n_splits, test_size=test_size, gap=gap, max_train_size=window,
                     history=history)  # fmt: skip
    X = np.zeros((len(groups), 1))
    if max(lengths) - n_splits * test_size - gap < 1:
        with pytest.raises(ValueError, match="long enough"):
            list(cv.split(X, groups=groups))
        return
    for fold, (train, test) in enumerate(cv.split(X, groups=groups)):
        for series, n in enumerate(lengths):
            rows = np.flatnonzero(groups == series)  # in time order
            start = n - (n_splits - fold) * test_size
            if start - gap < 1:
                assert not np.isin(rows, np.r_[train, test]).any()  # sits the fold out
                continue
            tested = rows[start : start + test_size]
            first = 0 if window is None else max(0, start - gap - window)
            np.testing.assert_array_equal(np.intersect1d(train, rows), rows[first : start - gap])
            context = start if history is None else min(history, start)
            np.testing.assert_array_equal(
                np.intersect1d(test, rows), np.sort(rows[start - context : start + test_size])
            )
            assert not np.isin(tested, train).any()


@pytest.fixture(scope="module")
def visits():
    return load_pbc().to_frame().iloc[:700]


def test_the_scorer_scores_only_the_test_rows_of_each_fold(visits):
    cv = SeriesSplit(n_splits=2, test_size=2, history=3)
    scorer = cv.scorer("mae")
    for train, test in cv.split(visits):
        model = Persistence(target="bili").fit(visits.iloc[train])
        fold = visits.iloc[test]
        # By hand: each series' last 2 rows, forecast by the row before each.
        truth, forecast = [], []
        for _, rows in fold.groupby(level="id"):
            bili = rows["bili"].to_numpy()
            if len(bili) > 2:
                truth += list(bili[-2:])
                forecast += list(bili[-3:-1])
            elif len(bili) == 2:
                truth.append(bili[-1])
                forecast.append(bili[-2])
        assert scorer(model, fold) == pytest.approx(-m.mae(truth, forecast))


def test_cross_validation_on_a_multiindex_panel_and_with_groups_routed(visits):
    cv = SeriesSplit(n_splits=3, test_size=1)
    scores = cross_val_score(LSTMForecaster(**FAST), visits, cv=cv, scoring=cv.scorer("mae"))
    assert scores.shape == (3,) and np.isfinite(scores).all() and (scores < 0).all()
    X, groups = visits.to_numpy(), visits.index.get_level_values("id").to_numpy()
    with config_context(enable_metadata_routing=True):
        model = LSTMForecaster(**FAST).set_fit_request(groups=True).set_predict_request(groups=True)
        routed = cross_val_score(model.set_score_request(groups=True), X, cv=cv,
                                 scoring=cv.scorer("mae"), params={"groups": groups})  # fmt: skip
        naive = cross_val_score(Persistence().set_fit_request(groups=True)
                                .set_predict_request(groups=True), X, cv=cv,
                                scoring=cv.scorer("mae"), params={"groups": groups})  # fmt: skip
    assert np.isfinite(routed).all()
    # Routed groups tell the patients apart: persistence scores as on the MultiIndex panel.
    np.testing.assert_allclose(
        naive, cross_val_score(Persistence(), visits, cv=cv, scoring=cv.scorer("mae"))
    )


def test_every_metric_scores_and_the_search_picks_by_it(visits):
    cv = SeriesSplit(n_splits=2, test_size=1)
    model = LSTMForecaster(**FAST, target="bili").fit(visits)
    fold = visits.iloc[next(iter(cv.split(visits)))[1]]
    for metric in ["mae", "rmse", "smape", "mase", "pinball_loss", "width"]:
        assert cv.scorer(metric)(model, fold) < 0, metric
    assert 0 <= cv.scorer("coverage")(model, fold) <= 1
    # the metrics module's names of the interval metrics are read as well
    assert cv.scorer("interval_coverage")(model, fold) == cv.scorer("coverage")(model, fold)
    assert cv.scorer("interval_width")(model, fold) == cv.scorer("width")(model, fold)
    assert forecast_scorer("neg_mean_absolute_error", last=1)(model, fold) == cv.scorer("mae")(
        model, fold
    )
    search = GridSearchCV(LSTMForecaster(**FAST, target="bili"), {"context_length": [4, 8]},
                          cv=cv, scoring=cv.scorer("mae")).fit(visits)  # fmt: skip
    assert search.best_params_["context_length"] in (4, 8)
    with pytest.raises(ValueError, match="unknown metric"):
        forecast_scorer("r2")
    with pytest.raises(ValueError, match="fitted without y"):
        cv.scorer("mae")(model, fold, fold["bili"])


def test_scorers_score_the_test_rows_only_with_y_and_the_observed_history_for_mase():
    from tsforecast import SequenceData

    X = np.arange(40.0)[:, None] % 7
    y = np.sin(np.arange(40.0))
    model = LSTMForecaster(**FAST).fit(X, y)
    predicted = model.predict(X)
    assert forecast_scorer("mae", last=5)(model, X, y) == pytest.approx(
        -m.mae(y[-5:], predicted[-5:])
    )
    values = np.array([10, 11, 100, 12, 13, 12, 14, 13], dtype=float)
    data = SequenceData(values, mask=(values != 100)[:, None])
    naive = Persistence().fit(data)
    # Scale: the observed one-row changes before the scored rows (|11 - 10| only: 100 is a fill).
    errors = np.abs(np.diff(values[3:]))  # persistence errors on the last 4 rows
    assert forecast_scorer("mase", last=4)(naive, data) == pytest.approx(-errors.mean() / 1.0)


def test_ids_given_to_the_splitter_only_are_warned_about(visits):
    X, ids = visits.to_numpy(), visits.index.get_level_values("id").to_numpy()
    with pytest.warns(UserWarning, match="reach the splitter only"):
        cross_val_score(Persistence(), X, groups=ids, cv=SeriesSplit(2), scoring=forecast_scorer())
    with config_context(enable_metadata_routing=True):  # routed: no warning
        list(SeriesSplit(2).split(X, groups=ids))


def test_metrics_on_real_panels_by_patient_and_clear_errors():
    from tsforecast import backtest

    tested = backtest(Persistence(target="chol"), load_pbc(), start=-1, steps=1)
    per_patient = m.mae(tested, by="id")
    assert per_patient.isna().any() and np.isfinite(per_patient).any()  # unobserved: NaN
    assert list(m.evaluate(tested, by=None).index) == ["all"]
    with pytest.raises(TypeError, match="period must be an integer"):
        m.mase([1.0], [1.0], history=[1.0, 2.0, 4.0], period=1.5)


def test_the_mase_scale_of_a_series_shorter_than_its_scored_rows_is_unknown_not_borrowed():
    # Series 0 has 2 rows, fewer than last=3: no history before its scored rows, so no scale;
    # it must not borrow rows of the other series (a negative slice would).
    values = np.r_[[50.0, 90.0], np.arange(10.0) * 2]
    groups = np.r_[[0, 0], np.ones(10, int)]
    naive = Persistence().fit(values[:, None], groups=groups)
    score = forecast_scorer("mase", last=3)(naive, values[:, None], groups=groups)
    # Series 1 only: persistence errors 2 on its last 3 rows, scale 2 (its steady change).
    assert score == pytest.approx(-1.0)


def test_scoring_every_row_of_a_fold_that_begins_with_training_rows_warns(visits):
    cv = SeriesSplit(n_splits=2, test_size=1)
    train, test = next(iter(cv.split(visits)))
    model = LSTMForecaster(**FAST).fit(visits.iloc[train])
    fold = visits.iloc[test]
    said = r"rows scored \(in \d+ series\) are rows the model was fitted on .* optimistic"
    with pytest.warns(RuntimeWarning, match=said + r"\. To score only .* scoring=cv.scorer"):
        model.score(fold)
    with pytest.warns(RuntimeWarning, match=r"^forecast_scorer\('mae'\): \d+ of the"):
        forecast_scorer("mae")(model, fold)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv.scorer("mae")(model, fold)  # the test rows only
        model.score(visits.iloc[train])  # training rows alone: an in-sample score, as asked
    assert not [w for w in caught if "fitted on" in str(w.message)]
    with pytest.warns(RuntimeWarning, match=said):  # in a pipeline, on the rows it reaches
        make_pipeline(FunctionTransformer(), LSTMForecaster(**FAST)).fit(visits.iloc[train]).score(
            fold
        )


def test_the_training_rows_are_found_by_their_stamps_and_values():
    from tsforecast import SequenceData
    from tsforecast._training_rows import TrainingEnds, rows_seen_before

    counts = np.array([5, 3, 5, 0, 2, 5, 1, 5, 4, 2, 5, 3, 5, 0, 2, 5, 1, 5, 9, 9], float)[:, None]
    stamps = np.arange(20.0)
    fitted = TrainingEnds.of(SequenceData(counts[:11], time=stamps[:11]))
    assert rows_seen_before(SequenceData(counts, time=stamps), fitted) == (11, 1)
    # after the training rows the count 5 recurs: at other stamps, no training row
    assert (counts[11:] == counts[10]).sum() == 3
    assert rows_seen_before(SequenceData(counts[11:], time=stamps[11:]), fitted) == (0, 0)
    assert rows_seen_before(SequenceData(counts[:11], time=stamps[:11]), fitted) == (0, 0)
    # the stamp with other values (another series, or data changed since): none
    other = counts.copy()
    other[10] = 99.0
    assert rows_seen_before(SequenceData(other, time=stamps), fitted) == (0, 0)
    # without stamps nothing is judged: values alone recur
    assert TrainingEnds.of(SequenceData(counts[:11])) is None
    assert rows_seen_before(SequenceData(counts), fitted) == (0, 0)
    # panels: by series id; a series fit did not see is not judged
    groups = np.repeat(["a", "b"], 10)
    rows = np.r_[0:6, 10:16]
    panel = TrainingEnds.of(SequenceData(counts[rows], groups=groups[rows], time=stamps[rows]))
    assert rows_seen_before(SequenceData(counts, groups=groups, time=stamps), panel) == (12, 2)
    unseen = SequenceData(counts[:10], groups=["c"] * 10, time=stamps[:10])
    assert rows_seen_before(unseen, panel) == (0, 0)
