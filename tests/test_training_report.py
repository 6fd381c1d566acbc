"""What a fit says when it ends: ConvergenceWarning, DivergenceWarning and the verbose line."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning

from skprob import HeteroscedasticRegressor
from skprob.exceptions import DivergenceWarning


def data(n=300):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, X[:, 0] + 0.2 * rng.standard_normal(n)


def test_stopping_at_max_iter_warns():
    X, y = data()
    with pytest.warns(ConvergenceWarning, match=r"stopped at max_iter=3 epochs"):
        model = HeteroscedasticRegressor(max_iter=3, random_state=0).fit(X, y)
    assert model.n_iter_ == 3
    assert not model.training_result_.converged


def test_a_converged_fit_is_silent():
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # tol so large that no epoch counts as an improvement after the first
        model = HeteroscedasticRegressor(
            max_iter=50, tol=10.0, n_iter_no_change=2, random_state=0
        ).fit(X, y)
    assert model.n_iter_ == 3
    assert model.training_result_.converged


def test_a_finite_but_huge_loss_warns_of_divergence(capsys):
    X, y = load_diabetes(return_X_y=True)
    model = HeteroscedasticRegressor(learning_rate_init=1e6, max_iter=5, random_state=0, verbose=1)
    with pytest.warns(DivergenceWarning, match=r"learning_rate_init=1e\+06") as record:
        model.fit(X, y)
    message = str(next(w.message for w in record if w.category is DivergenceWarning))
    pattern = r"ended at (\S+) nats per row, far above the (\S+) "
    end, start = map(float, re.search(pattern, message).groups())
    assert start == pytest.approx(5.7693, abs=1e-3)  # the initial network: about a constant model
    assert end > 1e20
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith("(diverged).")


def test_a_sound_fit_does_not_warn_of_divergence():
    X, y = load_diabetes(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        HeteroscedasticRegressor(max_iter=5, random_state=0).fit(X, y)


def test_verbose_ends_with_why_and_which_epoch_was_kept(capsys):
    X, y = data()
    model = HeteroscedasticRegressor(max_iter=15, random_state=0, verbose=1)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 16  # one per epoch, then the closing line
    best = model.training_result_.best_epoch
    assert model.validation_loss_curve_[best - 1] == min(model.validation_loss_curve_)
    assert lines[-1].startswith(
        "Training stopped after epoch 15: max_iter=15 epochs were run before the validation "
        f"NLL stopped improving; kept the weights of epoch {best} (best validation NLL "
        f"{min(model.validation_loss_curve_):.4f}); training NLL "
    )


def test_verbose_names_the_stopping_rule_and_the_last_epoch(capsys):
    X, y = data()
    model = HeteroscedasticRegressor(
        max_iter=50, tol=10.0, n_iter_no_change=2, early_stopping=False, random_state=0,
        verbose=1,
    )
    model.fit(X, y)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(
        "Training stopped after epoch 3: the training NLL did not improve by tol=10 for "
        "n_iter_no_change=2 epochs; kept the weights of the last epoch, 3; training NLL "
    )
    start, end = map(float, re.search(r"NLL (\S+) at the start, (\S+) with", last).groups())
    assert end < start
