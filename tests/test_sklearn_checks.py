"""scikit-learn's own estimator checks, for every registered estimator."""

from _checks import parametrize_with_checks

from skprob import all_estimators

# Small, fast settings: the checks fit dozens of times on tiny data.
FAST = {"max_iter": 50, "width": 16, "learning_rate_init": 1e-2, "random_state": 0}

# Each entry: check name -> one-line reason it is expected to fail.
STOCHASTIC_TRAINING = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD on repeated rows is not the same trajectory as on weighted rows"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "minibatch SGD on repeated rows is not the same trajectory as on weighted rows"
    ),
    "check_sample_weights_invariance": (
        "zero-weight rows still change the shuffled batch order and the validation split"
    ),
}
# sklearn has no tag for integer targets: these checks fit on real-valued y, which a
# count model rejects by design (non-integer counts raise TargetSupportError).
REAL_VALUED_Y = "sklearn fits on real-valued y; non-integer counts are outside the Poisson support"
COUNTS_ONLY = {
    name: REAL_VALUED_Y
    for name in [
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_regressor_data_not_an_array",
        "check_regressor_multioutput",
        "check_regressors_no_decision_function",
        "check_regressors_train",
    ]
}

# sklearn has no ranking target type: these checks fit on one real-valued y column,
# while each row of a ranking target must be a permutation of 0..K-1 with K >= 2.
# The ranker's own behaviour on valid rankings is tested in test_plackett_luce.py.
NOT_A_RANKING = "sklearn fits on one real-valued y column; a ranking row is a permutation of 0..K-1"
RANKINGS_ONLY = {
    name: NOT_A_RANKING
    for name in [
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimator_sparse_array",
        "check_estimator_sparse_matrix",
        "check_estimator_sparse_tag",
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_sample_weights_list",
        "check_sample_weights_not_an_array",
        "check_sample_weights_not_overwritten",
        "check_sample_weights_pandas_series",
        "check_sample_weights_shape",
    ]
}

# sklearn has no tag for targets in (0, 1); its positive_only tag shifts y to >= 1.
NOT_A_PROPORTION = "sklearn fits on y outside (0, 1); a beta model rejects such targets by design"
PROPORTIONS_ONLY = {
    name: NOT_A_PROPORTION
    for name in [
        *RANKINGS_ONLY,
        "check_regressors_train",
        "check_regressor_data_not_an_array",
        "check_regressor_multioutput",
        "check_regressors_no_decision_function",
        "check_supervised_y_2d",
        "check_regressors_int",
        "check_non_transformer_estimators_n_iter",
        "check_estimators_partial_fit_n_features",
    ]
}
# This check ignores the positive_only tag and fits on make_regression's signed targets.
SIGNED_MULTIOUTPUT = {
    "check_regressor_multioutput": "the check fits on negative targets, outside y > 0"
}

# sklearn has no tag for compositions: its targets are never rows that sum to one.
NOT_A_COMPOSITION = "sklearn fits on y that are not compositions (positive rows summing to one)"
COMPOSITIONS_ONLY = dict.fromkeys(PROPORTIONS_ONLY, NOT_A_COMPOSITION)

# Supports that sklearn's generated data cannot reach, keyed by the support's class: a
# new family declares its support and gets its checks' expectations from it.
DOMAIN_FAILURES = {
    "Counts": COUNTS_ONLY,
    "Orderings": RANKINGS_ONLY,
    "UnitInterval": PROPORTIONS_ONLY,
    "PositiveReals": SIGNED_MULTIOUTPUT,
    "NonNegativeReals": SIGNED_MULTIOUTPUT,
    "Simplex": COMPOSITIONS_ONLY,
}


def expected_failures(estimator):
    support = type(estimator._make_family().support).__name__
    return {**STOCHASTIC_TRAINING, **DOMAIN_FAILURES.get(support, {})}


@parametrize_with_checks(
    [cls(**FAST) for cls in all_estimators()],
    expected_failed_checks=expected_failures,
    xfail_strict=False,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
