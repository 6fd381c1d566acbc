"""Base class of the regressors: the choice of point prediction and ``return_std``."""

from dataclasses import KW_ONLY
from typing import ClassVar

import numpy as np
from sklearn.base import RegressorMixin

from .._compat import StrOptions, fit_context
from .._validation import as_float_array
from ..censoring import is_censored
from ._estimator import MLPDistributionEstimator

__all__ = ["MLPDistributionRegressor"]


class MLPDistributionRegressor(RegressorMixin, MLPDistributionEstimator):
    """Base class of regressors: adds the choice of point prediction."""

    _parameter_constraints: ClassVar[dict] = {
        **MLPDistributionEstimator._parameter_constraints,
        "prediction": [StrOptions({"auto", "mode", "mean", "median"})],
    }

    _: KW_ONLY
    prediction: str = "auto"

    # RegressorMixin.score (R^2) comes first in the MRO; skprob scores by likelihood.
    score = MLPDistributionEstimator.score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # score is a log-likelihood, not R^2: sklearn's "score > 0.5" test does not apply.
        tags.regressor_tags.poor_score = True
        return tags

    @fit_context
    def partial_fit(self, X, y, sample_weight=None):
        """One pass of mini-batch training over a chunk of data, as ``MLPRegressor.partial_fit``.

        The first call fixes the target scaling, the input scaling and the
        network from its chunk, so it should be representative of the data;
        later calls continue the optimiser. No early stopping: call it until
        the loss (``loss_curve_``, one entry per call) stops falling.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
            One chunk of inputs (sparse rows are densified one batch at a time).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets, inside the family's support.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the likelihood.

        Returns
        -------
        self
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skprob import HeteroscedasticRegressor
        >>> rng = np.random.default_rng(0)
        >>> model = HeteroscedasticRegressor(random_state=0)
        >>> for _ in range(3):
        ...     X = rng.uniform(-1, 1, size=(500, 1))
        ...     model = model.partial_fit(X, X[:, 0] + 0.1 * rng.standard_normal(500))
        >>> len(model.loss_curve_)
        3
        """
        return self._partial_fit(X, y, sample_weight, classes=None)

    def _target_for_scoring(self, y):
        if is_censored(y):
            return np.asarray(y)  # bounds, checked by the distribution
        y = as_float_array(y, "y")
        if not np.isfinite(y).all():
            raise ValueError(
                "y contains NaN or infinity; the log-likelihood of a non-finite target is "
                "undefined. Drop or impute those rows before scoring."
            )
        return y

    def predict(self, X, return_std=False):
        """Point prediction: the mode (the recipe's step 4), mean or median, per ``prediction``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the predictive standard deviation, as
            :meth:`sklearn.gaussian_process.GaussianProcessRegressor.predict` does.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        y_std : ndarray, only when ``return_std=True``

        Raises
        ------
        ValueError
            If the requested statistic does not exist as a finite number for some
            row, e.g. the standard deviation of a Student t with ``df <= 2``; the
            message says what to use instead.
        """
        dist = self.predict_dist(X)
        statistic = self.family_.point_prediction if self.prediction == "auto" else self.prediction
        dist._require_defined(statistic, *(("std",) if return_std else ()))
        point = getattr(dist, statistic)()
        if return_std:
            return point, dist.std()
        return point
