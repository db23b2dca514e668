"""The steps of `LSTMForecaster.fit`: columns, transforms, one fit, the seasonal average.

`_fit` coordinates them on the scratch copy `LSTMForecaster.fit` makes; `_after_training`
chooses the seasonal average's weight and judges the forecasts fit gives.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Any

import numpy as np

from tsforecast import _spacing
from tsforecast._boundary import check_trainable, check_X, check_y
from tsforecast._columns import learn_roles, refuse_positions_unlike_labels, refuse_roles_with_y
from tsforecast._recurrent import bounds as _bounds
from tsforecast._recurrent import combined_check
from tsforecast._recurrent.combined_widths import validation_outcomes, widening_factors
from tsforecast._recurrent.ensemble import fit_members
from tsforecast._recurrent.far_values import far_value_message
from tsforecast._recurrent.held_out import check_held_out
from tsforecast._recurrent.hyperparameters import loss_kind, resolve
from tsforecast._recurrent.pooled_calibration import dominating_message, strongest
from tsforecast._recurrent.problem import TrainingProblem
from tsforecast._recurrent.scaling import fit_scalers
from tsforecast._recurrent.seasonal_average import (
    WEIGHTS,
    blend,
    chosen_weights,
    seasonal_average,
)
from tsforecast._recurrent.series_scales import dwarfed, fitted_scale
from tsforecast._recurrent.target_transform import from_name
from tsforecast._recurrent.training import TrainingSettings, fit_network
from tsforecast._recurrent.transform_choice import (
    QUICK_EPOCHS,
    best_fit,
    combined_by_auto,
    combines,
    is_short,
    mean_score,
    observed_targets,
    transform_candidates,
    validation_error,
    validation_scores,
)
from tsforecast._segments import carried_forward, split_series
from tsforecast._training_rows import TrainingEnds
from tsforecast._warnings import ignoring
from tsforecast.sequences import SequenceData

__all__ = ["FittingSteps"]


class FittingSteps:
    """`LSTMForecaster.fit`'s steps (the coordinator, `fit`, stays with the estimator)."""

    def _fit(self, X: Any, y: Any, groups: Any) -> None:
        """Fit on a scratch copy (`LSTMForecaster.fit` coordinates): columns, transforms, weight."""
        refuse_positions_unlike_labels(
            X, "LSTMForecaster.fit", target=self.target,
            future_covariates=self.future_covariates, static_covariates=self.static_covariates,
        )  # fmt: skip
        data = check_X(self, X, groups, reset=True)
        y = None if y is None else check_y(y, data).astype(np.float32)
        self._learn_columns(data, y)
        names = transform_candidates(
            self.target_transform, data, self.target_indices_, self.seasonal_period_,
            self.validation_fraction_, not (self.future_indices_ or self.time_gaps_),
        )  # fmt: skip
        members, combine = self.n_members, combines(self.target_transform, names, data)
        # quick fits of at most max_epochs are full ones: compared as such, none fitted again
        quick = not (is_short(data) or combine) and self.max_epochs > QUICK_EPOCHS
        fitted, scores, others = best_fit(
            names, lambda name, epochs: self._fitted_copy(data, y, name, epochs, 1),
            lambda fit: fit._validation_error(data), quick=quick,
            final=None if members == 1 else lambda name: self._fitted_copy(data, y, name),
            combine=combine, keep=combined_by_auto if self.target_transform == "auto" else None,
        )  # fmt: skip
        self.__dict__.update(fitted.__dict__)
        self.target_transform_scores_ = scores
        self.transform_members_ = others
        self._after_training(data)
        self._training_ends = TrainingEnds.of(data)  # a score of them warns (not saved)

    def _fitted_copy(
        self,
        data: SequenceData,
        y: Any,
        name: str,
        epochs: int | None = None,
        members: int | None = None,
    ) -> FittingSteps:
        """Return a copy of this model fitted with the transform ``name``.

        For ``epochs`` (None: ``max_epochs``), with ``members`` networks (None: ``n_members``).
        """
        fitted = type(self).__new__(type(self))
        fitted.__dict__.update(self.__dict__)
        if epochs is not None:
            fitted.max_epochs = min(self.max_epochs, epochs)
        fitted._fit_transformed(data, y, name, self.n_members if members is None else members)
        return fitted

    def _validation_error(self, data: SequenceData) -> float:
        """Return the scaled MAE of forecasts from the final rows of ``data``'s series."""
        return validation_error(
            data, self.target_indices_, self.validation_fraction_, self.horizon_,
            self.seasonal_period_, lambda *cut: self._backtest_forecasts(data, *cut, None)[0],
        )  # fmt: skip

    def _after_training(self, data: SequenceData) -> None:
        """Choose the seasonal average's weight, then judge the forecasts fit gives.

        The network's check against the naive forecasters (``baseline_scores_``) warns as it
        is where the forecasts are the network's; where they are combined with the seasonal
        average, the combination is judged instead (`combined_check`).
        """
        self._choose_seasonal_average(data)
        try:
            self._widen_combined(data)
            self._warn_if_losing(data)
        finally:
            self.__dict__.pop("_forecast_memo", None)
        # Each transform's model is calibrated on its own; the forecasts combine them.
        found = [
            model.__dict__.pop("_calibration_dominated", ())
            for model in (*self.transform_members_, self)
        ]
        said = dominating_message(strongest(found), data.series_ids, self.target_names_)
        if said:  # at the caller's fit: this <- _fit <- fit <- caller
            warnings.warn(said, RuntimeWarning, stacklevel=4)

    def _fit_forecasts(
        self, data: SequenceData, firsts: np.ndarray, lasts: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the forecasts fit gives after ``lasts`` (every level, with quantiles).

        Computed once per set of origins for fit's checks of its combined forecasts, which
        read the same validation origins (`combined_widths.validation_outcomes`,
        `validation_scores`), once the seasonal average's weight is chosen.
        """
        memo = self.__dict__.setdefault("_forecast_memo", {})
        key = (np.asarray(lasts).tobytes(), steps)
        if key not in memo:
            memo[key] = self._backtest_forecasts(
                data, firsts, lasts, steps, None if self.quantiles_ is None else True,
                "LSTMForecaster.fit",
            )  # fmt: skip
        return memo[key]

    def _warn_if_losing(self, data: SequenceData) -> None:
        """Warn where the forecasts fit gives lose to a naive forecaster, pooled or per series."""
        network = self.__dict__.pop("_network_losing", None)
        for member in self.transform_members_:
            member.__dict__.pop("_network_losing", None)
        own = self.seasonal_average_weights_  # every series of the data has its own, if any
        weight = max(own.values()) if own else self.seasonal_average_weight_
        per_series = self._judged_per_series(data)
        contest = self._validation_contest(data) if weight or per_series else None
        message = network if not weight else self._combination_losing(contest, weight)
        series = self._series_losing(contest, data.series_ids) if per_series else None
        # raised at the caller's fit: this <- _after_training <- _fit <- fit <- caller
        for said in (message, series):
            if said:
                warnings.warn(said, RuntimeWarning, stacklevel=5)

    def _judged_per_series(self, data: SequenceData) -> bool:
        """Whether fit judges each series of ``data`` on its own (`_series_losing`).

        For panels of short data (`is_short`: the check copies the targets) whose forecasts
        read nothing but the history, as the seasonal average's weight is chosen
        (known-future covariates and time gaps need rows a backtest of the last validation
        origins does not have).
        """
        plain = not (self.future_indices_ or self.time_gaps_)
        return data.n_series > 1 and self.autoregressive_ and plain and is_short(data)

    def _validation_contest(self, data: SequenceData) -> dict[str, np.ndarray]:
        """Return each series' validation score of the forecasts fit gives, and the naive ones'.

        ``"given"`` (the forecasts fit gives), ``"persistence"`` and, with a season,
        ``"seasonal naive"``: `validation_scores` on the validation part alone,
        ``(n_series, n_targets)`` each, every forecaster scored on the same rows
        (`combined_check.jointly`).
        """
        observed = observed_targets(data.values, data.mask, self.target_indices_)
        values = carried_forward(observed, data.offsets)  # as the public baselines read it
        season = self.seasonal_period_
        lags = {"persistence": 1, **({"seasonal naive": season} if season else {})}
        forecasts = combined_check.jointly([
            lambda *cut: self._fit_forecasts(data, *cut)[0],
            *(partial(combined_check.naive_forecasts, values, lag=lag) for lag in lags.values()),
        ])  # fmt: skip
        return {
            name: validation_scores(
                data, self.target_indices_, self.validation_fraction_, self.horizon_, season,
                forecast, at_least=0.0,
            )
            for name, forecast in zip(["given", *lags], forecasts, strict=True)
        }  # fmt: skip

    def _series_losing(self, contest: dict[str, np.ndarray], ids: np.ndarray) -> str | None:
        """Return the warning where some series of a panel lose to a naive forecaster.

        Each series' forecasts (those fit gives) beside persistence's and seasonal naive's
        on its own validation rows (``contest``: `_validation_contest`;
        `combined_check.losing_series`).
        """
        with ignoring(RuntimeWarning, "Mean of empty slice"):
            per_series = {name: np.nanmean(found, axis=1) for name, found in contest.items()}
        given = per_series.pop("given")
        return combined_check.losing_series(given, per_series, ids)

    def _widen_combined(self, data: SequenceData) -> None:
        """Set ``interval_widening_`` from the combined forecasts of the validation rows.

        None unless the forecasts combine several (transform members, or the seasonal
        average) with quantiles, and validation rows hold outcomes (`combined_widths`).
        """
        self.interval_widening_ = None
        combined = bool(self.transform_members_) or bool(self._average_weight())
        if self.quantiles_ is None or not self.autoregressive_ or not combined:
            return
        held_out = split_series(data.offsets, self.validation_fraction_)[1]
        if held_out is None:
            return
        targets = observed_targets(data.values, data.mask, self.target_indices_)
        firsts, lasts, truth, counted = validation_outcomes(
            targets, data.offsets, held_out, self.horizon_
        )
        points, levels = self._fit_forecasts(data, firsts, lasts, self.horizon_)
        self.interval_widening_ = widening_factors(points, levels, truth, counted, self.quantiles_)

    def _combination_losing(self, contest: dict[str, np.ndarray], weight: float) -> str | None:
        """Return the warning where a naive forecaster beats the combined forecasts.

        ``contest``: `_validation_contest`, each forecaster's scores pooled (`mean_score`).
        """
        naive = {name: mean_score(found) for name, found in contest.items() if name != "given"}
        some = bool(self.seasonal_average_weights_)  # not every series' weight
        return combined_check.losing_message(weight, mean_score(contest["given"]), naive, some)

    def _choose_seasonal_average(self, data: SequenceData) -> None:
        """Set ``seasonal_average_weight_``, ``_weights_`` and ``_scores_`` for ``data``.

        A weight given is kept (`_refuse_average` has checked it); "auto" chooses on the
        validation data (`seasonal_average.chosen_weights`) on short series (`is_short`)
        with a season, whose forecasts read nothing but the history, and keeps 0.0 where no
        validation origin has a full season before it; on a panel each series' own weight
        too (``seasonal_average_weights_``, None where all equal the pooled one); 0.0
        otherwise.
        """
        self.seasonal_average_weight_, self.seasonal_average_scores_ = 0.0, None
        self.seasonal_average_weights_ = None
        season, weight = self.seasonal_period_, self.seasonal_average
        if weight != "auto":
            self.seasonal_average_weight_ = float(weight)  # checked by `_refuse_average`
            return
        plain = not (self.future_indices_ or self.time_gaps_)
        if not (self.autoregressive_ and season and plain and is_short(data)):
            return
        held_out = split_series(data.offsets, self.validation_fraction_)[1]
        if held_out is None:
            return  # no validation data to choose on
        values = observed_targets(data.values, data.mask, self.target_indices_)
        made: dict[str, np.ndarray] = {}

        def scores(weight: float) -> np.ndarray:
            def forecast(firsts: np.ndarray, lasts: np.ndarray, steps: int) -> np.ndarray:
                if not made:  # the same origins for every weight
                    made["net"] = self._backtest_forecasts(data, firsts, lasts, steps, None)[0]
                    made["average"] = seasonal_average(
                        values, firsts, lasts, steps, season, self.target_transform_.log
                    )  # relative (of the logs) for a model of a log transform
                    made["firsts"] = firsts
                return blend(made["net"], None, made["average"], weight, self.bounds_)[0]

            return validation_scores(
                data, self.target_indices_, self.validation_fraction_, self.horizon_, season,
                forecast,
            )  # fmt: skip

        found = {weight: scores(weight) for weight in WEIGHTS}
        if not made:
            return  # no origin to score
        weight, errors, own = chosen_weights(
            found, held_out, data.offsets, made["firsts"], made["average"]
        )
        self.seasonal_average_weight_, self.seasonal_average_scores_ = weight, errors
        if own is not None and (own != weight).any():
            ids = [i.item() if isinstance(i, np.generic) else i for i in data.series_ids]
            self.seasonal_average_weights_ = dict(zip(ids, map(float, own), strict=True))

    def _refuse_average(self) -> None:
        """Refuse a ``seasonal_average`` weight over 0 the data cannot use, before training."""
        weight = self.seasonal_average
        if weight == "auto" or not weight:
            return
        why, fix = "", "or seasonal_average=0"
        if not self.autoregressive_:
            why, fix = "the model learns y, not the next rows of X", "fit without y, " + fix
        elif self.time_gaps_:
            why = "the series are irregular (time_gaps_ is True): a season of rows means nothing"
            fix = "give regular stamps (NaN rows for missing periods), " + fix
        elif not self.seasonal_period_:
            why = "the data has no seasonal period (seasonal_period_ is None)"
            fix = "give seasonal_period, " + fix
        if why:
            raise ValueError(
                f"LSTMForecaster.fit: seasonal_average={weight!r} combines the forecasts with "
                f"the average of the last seasons of the targets, but {why}: {fix}."
            )

    def _fit_transformed(
        self, data: SequenceData, y: np.ndarray | None, name: str, members: int
    ) -> None:
        self.target_transform_ = from_name(
            name, self.seasonal_period_, self.target_indices_, "LSTMForecaster.fit"
        )
        # Set by LSTMForecaster._fit for the model it keeps (a model of a transform it combines
        # has neither scores nor members of its own).
        self.transform_members_: list[Any] = []
        self.target_transform_scores_ = None
        self.scale_ = fitted_scale(
            self.scale, y is None, data.n_series, name, "LSTMForecaster.fit",
            dwarfs_a_series=lambda: self._scales_series_it_dwarfs(data),
        )  # fmt: skip
        if self.scale_ == "series":
            transform = self.target_transform_.scaled_by_series(data, "LSTMForecaster.fit")
            self.target_transform_ = transform
        original, data = data, self.target_transform_.apply(data, "LSTMForecaster.fit")
        self.target_transform_.check_trainable(data, "LSTMForecaster.fit")
        targets = None if y is None else y.reshape(len(y), -1)
        if targets is None:
            fitted_targets = (original.values, original.mask, self.target_indices_)
        else:
            fitted_targets = (targets, None, list(range(targets.shape[1])))
        self.target_range_, self.bounds_ = _bounds.learn_range(
            *fitted_targets, self.bounds, self.target_names_
        )
        device, ranks = self._resolve_device(), self._ranks()
        if ranks is not None:  # "cuda" in a torchrun group: each rank on its own GPU
            device = ranks.own_device(device)
        self.device_ = str(device)
        inputs = self._input_rows()
        values, observed = inputs.for_training(data, "LSTMForecaster.fit")
        # Row ranges, not row lists: no per-row index array or copy of the data (memory).
        train_part, valid_part = split_series(data.offsets, self.validation_fraction_)
        self.input_scaler_, self.target_scaler_ = fit_scalers(
            values,
            targets,
            observed,
            train_part,
            self.target_indices_,
            self.scale_ != "none",
        )
        problem = TrainingProblem(
            readable=self.input_scaler_.fill_missing(values, observed),  # no copy if complete
            observed=observed, inputs=self.input_scaler_, target_columns=self.target_indices_,
            targets=None if y is None else self.target_scaler_.transform(targets),
            first_step=inputs.layout().first_steps(), changes=self.target_transform_.lag > 0,
        )  # fmt: skip
        resolved = {"horizon": self.horizon_, "levels": self.quantiles_,
                    "context_length": self.context_length_,
                    "loss": loss_kind(self.quantiles, self.loss)}  # fmt: skip
        names = [n for n in TrainingSettings.__dataclass_fields__ if n not in resolved]
        settings = TrainingSettings(**{n: getattr(self, n) for n in names}, **resolved)
        fitted = fit_members(
            lambda seed: fit_network(
                self._network_spec().build, problem, data.offsets, (train_part, valid_part),
                settings, seed, device,
            ),
            members, self.random_state,
        )  # fmt: skip
        self.module_, self.fit_seconds_ = fitted.module, fitted.seconds
        self.n_members_ = len(getattr(fitted.module, "members", [fitted.module]))
        self.history_, self.n_epochs_ = fitted.history, len(fitted.history)
        self.best_epoch_, self.stopped_ = fitted.best_epoch, fitted.stopped
        check = check_held_out(
            fitted, problem, data.offsets, self.quantiles_, self.target_scaler_.scale,
            self.seasonal_period_, autoregressive=self.autoregressive_,
            verbose=bool(self.verbose) and (ranks is None or ranks.rank == 0),
            changes_of=self._changes_of(original), lag=self.target_transform_.lag,
            warn_unscored=not isinstance(self.horizon, str),  # "auto": said at forecast
            transform=self.target_transform_.name,
        )  # fmt: skip
        self.conformal_margins_ = check.conformal_margins
        self.calibration_lag_ = self.target_transform_.lag
        self.baseline_scores_ = check.baseline_scores
        self._network_losing = check.losing  # given or not by `_after_training`
        self._calibration_dominated = check.dominating  # given by `_after_training`

    def _changes_of(self, data: SequenceData) -> tuple[Any, ...] | None:
        """Return what the targets' changes are taken of, where observed, and the lag."""
        transform = self.target_transform_
        if not self.autoregressive_ or not transform.lag:
            return None  # none taken
        columns = list(transform.columns)
        observed = None if data.mask is None else data.mask[:, columns]
        return transform.levels(data, "LSTMForecaster.fit"), observed, transform.lag

    def _scales_series_it_dwarfs(self, data: SequenceData) -> bool:
        """Whether a fit scales each series when the pooled scale dwarfs some (`dwarfed`).

        On short data it does; on larger data, where a scale per series holds a scaled copy
        of the targets, it warns instead.
        """
        count = dwarfed(data.values, self.target_indices_, data.mask, data.offsets)
        if count and not is_short(data):
            warnings.warn(
                f"LSTMForecaster.fit: {count} of {data.n_series} series have values below "
                "a hundredth of the panel's pooled standard deviation, which the pooled "
                "scale leaves the model unable to tell apart; pass scale='series' to scale "
                "each series by its own size (it holds a scaled copy of the targets).",
                RuntimeWarning,
                stacklevel=5,
            )
            return False
        return count > 0

    def _learn_columns(self, data: SequenceData, y: np.ndarray | None) -> None:
        """Mode, target columns and names, calendar features: what the columns mean."""
        check_trainable(data, "LSTMForecaster.fit")
        self.autoregressive_ = y is None
        resolved = resolve(self.get_params(deep=False), data, y is None)
        self.time_features_, self.time_gaps_ = resolved.time_features, resolved.time_gaps
        self.time_step_ = None if self.time_gaps_ else _spacing.typical_step(data)
        self.horizon_, self.quantiles_ = resolved.horizon, resolved.quantiles
        self.seasonal_period_ = resolved.seasonal_period
        self.validation_fraction_ = resolved.validation_fraction
        self.context_length_ = resolved.context_length
        self._refuse_average()
        self.target_indices_, self.y_ndim_ = None, 2 if y is None else y.ndim
        self.future_indices_, self.static_indices_ = [], []
        if y is not None:
            refuse_roles_with_y(
                target=self.target, future_covariates=self.future_covariates,
                static_covariates=self.static_covariates,
            )  # fmt: skip
            self.target_names_ = [f"y{i}" for i in range(1 if y.ndim == 1 else y.shape[1])]
            return
        names = self._column_names()
        roles = learn_roles(
            self.target, self.future_covariates, self.static_covariates, names,
            getattr(self, "feature_names_in_", None),
        )  # fmt: skip
        self.target_indices_, self.future_indices_ = roles.targets, roles.future
        self.static_indices_ = roles.static
        self.target_names_ = [names[i] for i in self.target_indices_]
        if data.mask is not None:  # a target never observed cannot be learnt, nor forecast
            never = [names[i] for i in self.target_indices_ if not data.mask[:, i].any()]
            if never:
                raise ValueError(
                    f"LSTMForecaster.fit: target column {never[0]!r} has no observed value "
                    "(all NaN, or masked); drop it from X, or name the columns to forecast "
                    "with target=."
                )
        said = far_value_message(
            data.values, data.mask, self.target_indices_, data.offsets, data.series_ids,
            self.target_names_,
        )  # fmt: skip
        if said:
            warnings.warn(f"LSTMForecaster.fit: {said}", UserWarning, stacklevel=4)
