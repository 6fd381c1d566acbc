"""scikit-learn's estimator checks across the versions skprob supports."""

import inspect

from sklearn.utils import estimator_checks


def parametrize_with_checks(estimators, **options):
    """``sklearn.utils.estimator_checks.parametrize_with_checks``, dropping unknown options.

    ``xfail_strict`` arrived after scikit-learn 1.6, the oldest version skprob supports;
    without it the expected failures are marked as (non-strict) xfails anyway.
    """
    known = inspect.signature(estimator_checks.parametrize_with_checks).parameters
    return estimator_checks.parametrize_with_checks(
        estimators, **{k: v for k, v in options.items() if k in known}
    )
