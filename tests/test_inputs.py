"""What the estimator reads: X, y and groups checked into one SequenceData record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from tsforecast import LSTMForecaster, SequenceData
from tsforecast._boundary import check_X, check_y
from tsforecast._columns import refuse_positions_unlike_labels, target_columns
from tsforecast._recurrent.features import model_inputs


class Reader(BaseEstimator):
    """A bare estimator to record n_features_in_ and feature_names_in_ on."""


def test_a_sequence_data_is_read_as_it_is():
    data = SequenceData(np.zeros((6, 2)), groups=[1, 1, 1, 2, 2, 2], features=["a", "b"])
    reader = Reader()
    assert check_X(reader, data, None, reset=True) is data
    assert reader.n_features_in_ == 2 and list(reader.feature_names_in_) == ["a", "b"]
    with pytest.raises(ValueError, match="own groups; do not pass groups="):
        check_X(reader, data, [0] * 6, reset=False)


def test_groups_given_beside_a_sequence_data_split_it_without_copying():
    values = np.zeros((6, 1), np.float32)
    data = SequenceData(values, time=pd.date_range("2024", periods=6, freq="h", tz="UTC"))
    read = check_X(Reader(), data, ["a", "a", "b", "b", "b", "b"], reset=True)
    assert read.values is data.values and read.offsets.tolist() == [0, 2, 6]
    assert read.series_ids.tolist() == ["a", "b"]
    assert read.local_time.equals(data.local_time)


def test_a_dataframe_keeps_its_time_stamps_and_zone():
    index = pd.date_range("2024-03-10 00:00", periods=5, freq="h", tz="US/Eastern")
    frame = pd.DataFrame({"x": np.arange(5.0)}, index=index)
    read = check_X(Reader(), frame, None, reset=True)
    assert read.local_time is index
    assert read.metadata["time_zone"] == "US/Eastern"
    assert pd.DatetimeIndex(read.time).equals(index.tz_convert(None))  # stored in UTC
    assert read.values.dtype == np.float32 and read.n_series == 1


def test_predict_time_fast_path_reads_float_arrays_and_refuses_nan():
    reader = Reader()
    check_X(reader, np.zeros((4, 2)), None, reset=True)
    values = np.arange(8, dtype=np.float32).reshape(4, 2)
    assert check_X(reader, values, None, reset=False).values is values  # no copy
    values[1, 1] = np.nan
    with pytest.raises(ValueError, match="the first is nan, in column 1 at row 1"):
        check_X(reader, values, None, reset=False)
    with pytest.raises(ValueError, match="X has 3 features, but Reader is expecting 2"):
        check_X(reader, np.zeros((4, 3)), None, reset=False)


def test_y_is_checked_against_the_rows():
    data = SequenceData(np.zeros((5, 1)))
    assert check_y([1, 2, 3, 4, 5], data).shape == (5,)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_y([1, 2], data)
    with pytest.raises(ValueError, match="dim 3, while dim <= 2 is required"):
        check_y(np.zeros((5, 1, 1)), data)
    # A missing truth names its row and the fix (sklearn's bare "Input y contains NaN." did not).
    with pytest.raises(ValueError, match=r"2 entries; the first is nan, in column 0 at row 1\. "
                       r"y is what the model learns.*X\[keep\], y\[keep\]"):  # fmt: skip
        check_y([1.0, np.nan, 3.0, np.inf, 5.0], data)


def test_target_columns_by_name_or_position_each_once():
    names = np.array(["a", "b", "c"], dtype=object)
    assert target_columns(None, 3, names, "M") == [0, 1, 2]
    assert target_columns(["c", 0], 3, names, "M") == [2, 0]
    assert target_columns(-1, 3, None, "M") == [2]
    with pytest.raises(ValueError, match="M: target 'd' is not a column of X"):
        target_columns("d", 3, names, "M")
    with pytest.raises(ValueError, match="out of range for X with 3 columns"):
        target_columns(3, 3, names, "M")
    with pytest.raises(ValueError, match="names a column twice"):
        target_columns([0, "a"], 3, names, "M")


def test_integer_roles_for_columns_labelled_by_other_integers_are_refused():
    # Labels that are not text are positions to scikit-learn: with columns labelled [1, 0],
    # target=1 forecast the column labelled 0, named "x1", without a word.
    X = pd.DataFrame(np.arange(40.0).reshape(20, 2) % 7, columns=[1, 0])
    with pytest.raises(ValueError, match=r"target=1 is read as column position.*labelled 0"):
        LSTMForecaster(target=1, max_epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"future_covariates=\[0\] is read as column position"):
        LSTMForecaster(future_covariates=[0], max_epochs=1).fit(X)
    # Labels in order are their positions; text labels are names: nothing refused there.
    refuse_positions_unlike_labels(X.sort_index(axis=1), "M", target=1)
    refuse_positions_unlike_labels(X.set_axis(["1", "0"], axis=1), "M", target=1)
    refuse_positions_unlike_labels(X, "M", target=None)


def test_model_inputs_append_calendar_features_of_the_rows_read():
    index = pd.date_range("2024-01-01", periods=6, freq="6h")
    data = SequenceData(np.arange(6.0), time=index, mask=np.array([1, 1, 0, 1, 1, 1], bool))
    values, observed = model_inputs(data, ["hour"], np.array([1, 2]), owner="M")
    assert values.shape == (2, 3)
    np.testing.assert_allclose(values[:, 1:], [[1.0, 0.0], [0.0, -1.0]], atol=1e-6)  # 6h, 12h
    assert observed.tolist() == [[True, True, True], [False, True, True]]
    plain = SequenceData(np.arange(6.0))
    assert model_inputs(plain, [], owner="M")[0] is plain.values
    with pytest.raises(ValueError, match="M: this model reads calendar features"):
        model_inputs(plain, ["hour"], owner="M")


# ---------------------------------------------------------------- silent wrong answers refused
HOURS = pd.date_range("2024-01-01", periods=40, freq="h")
TABLE = pd.DataFrame({"a": np.sin(np.arange(40) / 3), "b": np.cos(np.arange(40) / 5)}, index=HOURS)


@pytest.mark.parametrize(
    "index",
    [HOURS[::-1], HOURS[np.random.default_rng(0).permutation(40)], HOURS.insert(5, HOURS[4])[:40]],
    ids=["newest first", "shuffled", "repeated stamp"],
)
def test_a_datetime_index_out_of_time_order_is_refused_at_fit_and_predict(index):
    unordered = TABLE.set_axis(index)
    with pytest.raises(ValueError, match=r"DatetimeIndex of X is not in time order.*sort_index"):
        check_X(Reader(), unordered, None, reset=True)
    reader = Reader()
    check_X(reader, TABLE, None, reset=True)
    with pytest.raises(ValueError, match="not in time order"):
        check_X(reader, unordered, None, reset=False)  # the fast predict-time path too


def test_time_order_is_checked_within_each_series_only():
    stamps = HOURS[:20].append(HOURS[:20])  # two series over the same hours
    read = check_X(Reader(), TABLE.set_axis(stamps), np.repeat(["x", "y"], 20), reset=True)
    assert read.n_series == 2
    with pytest.raises(ValueError, match="in series 'y'"):
        backwards = HOURS[:20].append(HOURS[:20][::-1])
        check_X(Reader(), TABLE.set_axis(backwards), np.repeat(["x", "y"], 20), reset=True)


def test_text_and_time_columns_get_the_fix_by_name():
    with pytest.raises(TypeError, match=r"column 'pid' of X holds text .*'P1'.*groups='pid'"):
        check_X(Reader(), TABLE.assign(pid="P1"), None, reset=True)
    with pytest.raises(TypeError, match=r"column 'when' of X holds time stamps.*set_index\('when'"):
        check_X(Reader(), TABLE.assign(when=HOURS), None, reset=True)
    with pytest.raises(TypeError, match=r"column 'gap' of X holds timedelta64\[.s\] values"):
        check_X(Reader(), TABLE.assign(gap=pd.Timedelta(hours=1)), None, reset=True)
    with pytest.raises(TypeError, match=r"column 'month' of X holds period\[M\] values"):
        check_X(Reader(), TABLE.assign(month=pd.Period("2024-01", "M")), None, reset=True)
    # Numbers written as text are refused too: "0001" may be an id that would become a number.
    ids = TABLE.assign(pid=["0001"] * 20 + ["0002"] * 20)
    with pytest.raises(TypeError, match=r"'0001'.*groups='pid'.*pandas.to_numeric"):
        check_X(Reader(), ids, None, reset=True)
    # Numbers held in an object column are numbers.
    check_X(Reader(), TABLE.assign(c=TABLE["a"].astype(object)), None, reset=True)
    with pytest.raises(ValueError, match=r"column name 'a' more than once"):
        check_X(Reader(), pd.concat([TABLE, TABLE[["a"]]], axis=1), None, reset=True)


def test_a_series_and_data_without_rows_get_what_to_pass_instead():
    # scikit-learn's own messages advised "a single row" for a Series, and "a minimum of 1"
    # sample where fitting needs 2 per series.
    with pytest.raises(TypeError, match=r"X is a pandas Series; .*X.to_frame\(\)"):
        check_X(Reader(), TABLE["a"], None, reset=True)
    for empty in (TABLE.iloc[:0], np.zeros((0, 2))):
        with pytest.raises(ValueError, match=r"X has no rows\. .*at least 2 per series to fit"):
            check_X(Reader(), empty, None, reset=True)


def test_variation_float32_cannot_hold_is_refused():
    shifted = TABLE.assign(a=TABLE["a"] + 1e9)
    with pytest.raises(ValueError, match=r"column 'a' varies by about 0\.69 .* Subtract an offset"):
        check_X(Reader(), shifted, None, reset=True)
    check_X(Reader(), TABLE.assign(a=TABLE["a"] + 1e3), None, reset=True)  # 7 digits suffice


def test_a_missing_column_is_named():
    """A SequenceData without a column seen in fit (a one-hot label absent from new data)."""
    reader = Reader()
    check_X(reader, SequenceData.from_frame(TABLE), None, reset=True)
    with pytest.raises(ValueError, match=r"Missing: \['b'\]; not seen in fit: \[\]"):
        check_X(reader, SequenceData.from_frame(TABLE[["a"]]), None, reset=False)


def test_groups_may_name_a_column_of_a_dataframe():
    table = TABLE.reset_index(drop=True).assign(Subject=np.repeat(["P1", "P2"], 20))
    reader = Reader()
    read = check_X(reader, table, "Subject", reset=True)
    assert list(read.series_ids) == ["P1", "P2"] and list(reader.feature_names_in_) == ["a", "b"]
    assert read.n_features == 2
    with pytest.raises(ValueError, match="groups='Patient' is not a column of X"):
        check_X(Reader(), table, "Patient", reset=True)
    with pytest.raises(ValueError, match="groups='Subject' names a column, but X is an array"):
        check_X(Reader(), table.to_numpy()[:, :2].astype(float), "Subject", reset=True)


def test_values_too_large_for_float32_are_named_as_such():
    big = TABLE.assign(b=TABLE["b"] * 1e300)
    with pytest.raises(ValueError, match=r"too large for float32.*column 'b' at row 0.*Rescale"):
        check_X(Reader(), big, None, reset=True)
    reader = Reader()
    check_X(reader, TABLE, None, reset=True)
    with pytest.raises(ValueError, match="too large for float32"):
        check_X(reader, big, None, reset=False)
    with pytest.raises(ValueError, match=r"contains NaN or inf.*column 'a'"):
        check_X(reader, TABLE.assign(a=np.inf), None, reset=False)


def test_dates_given_as_text_are_refused_with_the_fix():
    # pandas.read_csv(..., index_col=0) without parse_dates: the dates were row labels, so the
    # model read no season and forecast arrays without stamps, without a word.
    from tsforecast import LSTMForecaster, SeasonalNaive
    from tsforecast.datasets import load_air_passengers

    months = load_air_passengers().to_frame()
    text = months.set_axis(months.index.strftime("%Y-%m-%d"))
    for model in (LSTMForecaster(), SeasonalNaive(12)):
        with pytest.raises(ValueError, match=r"holds dates as text \('1949-01-01', ...\).*"
                           r"X.index = pandas.to_datetime\(X.index\)"):  # fmt: skip
            model.fit(text)
    model = LSTMForecaster(max_epochs=1, hidden_size=4).fit(months)
    with pytest.raises(ValueError, match="holds dates as text"):  # at forecast time too
        model.forecast(text, 2)
    years = months.iloc[:40].set_axis([str(1900 + i) for i in range(40)])
    with pytest.raises(ValueError, match=r"years as text \('1900', ...\).*X.index.astype\(int\)"):
        LSTMForecaster().fit(years)
    panel = pd.concat({"a": text, "b": text}, names=["id", "month"])
    with pytest.raises(ValueError, match="the time level of X's index holds dates as text"):
        check_X(Reader(), panel, None, reset=True)
    # labels that are no dates, and ids as text, are read as before
    for labels in (
        [f"row {i}" for i in range(len(months))],
        [f"{i:03d}" for i in range(len(months))],
    ):
        labelled = months.set_axis(labels)
        assert check_X(Reader(), labelled, None, reset=True).time is None
    ids = pd.concat({"a": months, "b": months}, names=["id", "month"])
    assert check_X(Reader(), ids, None, reset=True).n_series == 2


@pytest.mark.parametrize(
    ("index", "message", "fix"),
    [
        (lambda t: [f"{s.year} Q{s.quarter}" for s in t], r"quarters as text \('1949 Q1'",
         lambda i: pd.PeriodIndex(i.str.replace(" ", ""), freq="Q")),
        (lambda t: [f"{s.year}Q{s.quarter}" for s in t], r"quarters as text \('1949Q1'",
         lambda i: pd.PeriodIndex(i.str.replace(" ", ""), freq="Q")),
        (lambda t: [f"{s.year}M{s.month:02d}" for s in t], r"months as text \('1949M01'",
         lambda i: pd.to_datetime(i, format="%YM%m")),
        (lambda t: t.year * 100 + t.month, r"years and months written as numbers \(194901,",
         lambda i: pd.to_datetime(i.astype(int).astype(str), format="%Y%m")),
        (lambda t: t.year + t.month / 100, r"years and months written as numbers \(1949.01,",
         lambda i: pd.to_datetime(i.map("{:.2f}".format), format="%Y.%m")),
    ],
)  # fmt: skip
def test_periods_as_text_or_numbers_are_refused_with_a_fix_that_works(index, message, fix):
    # pmdarima's quarters ('1965 Q1'), Eurostat's months and 194901 were read as row labels
    # or numeric time: no season, forecasts without stamps or stamped 196013 (a trial).
    from tsforecast.datasets import load_air_passengers

    months = load_air_passengers().to_frame()
    stamps = months.index
    if "quarters" in message:  # one row per quarter
        months, stamps = months.iloc[::3], stamps[::3]
    given = months.set_axis(pd.Index(index(stamps)))
    with pytest.raises(ValueError, match=message + r".*Parse them: X.index = "):
        check_X(Reader(), given, None, reset=True)
    fixed = given.set_axis(fix(given.index))
    data = check_X(Reader(), fixed, None, reset=True)
    assert data.time is not None and len(data.local_time) == len(stamps)
    panel = pd.concat({"a": given, "b": given}, names=["id", "time"])
    with pytest.raises(ValueError, match=r"the time level of X's index holds .*set_levels\("):
        check_X(Reader(), panel, None, reset=True)
    panel.index = panel.index.set_levels(fix(panel.index.levels[-1]), level=-1)  # as advised
    assert check_X(Reader(), panel, None, reset=True).n_series == 2


def test_numbers_that_are_no_year_months_stay_numeric_time():
    hours = pd.DataFrame({"v": np.arange(30.0)}, index=pd.Index(194_901 + np.arange(30)))
    assert check_X(Reader(), hours, None, reset=True).time is not None  # steps of 1: time
