"""partial_fit: chunked training, and Dask-ML's Incremental driving it on a loopback cluster."""

import logging
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from skprob import CategoricalMLPClassifier, HeteroscedasticRegressor, PoissonMLPRegressor
from skprob.exceptions import TargetSupportError


def chunks(n_chunks=4, n=250, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_chunks):
        X = rng.uniform(-1, 1, size=(n, 2))
        y = 3.0 + X[:, 0] + (0.1 + 0.3 * np.abs(X[:, 1])) * rng.standard_normal(n)
        out.append((X, y))
    return out


def test_first_call_fixes_the_scaling_and_later_calls_continue():
    data = chunks()
    model = HeteroscedasticRegressor(random_state=0)
    model.partial_fit(*data[0])
    x_mean, x_scale = model.x_mean_.copy(), model.x_scale_.copy()
    family = pickle.dumps(model.family_)
    np.testing.assert_allclose(x_mean, data[0][0].mean(axis=0))
    for _ in range(10):
        for X, y in data[1:]:
            model.partial_fit(X, y)
    np.testing.assert_array_equal(model.x_mean_, x_mean)
    np.testing.assert_array_equal(model.x_scale_, x_scale)
    assert pickle.dumps(model.family_) == family
    assert model.n_iter_ == len(model.loss_curve_) == 31
    assert model.loss_curve_[-1] < model.loss_curve_[0] - 0.5
    X, y = chunks(1, 2000, seed=1)[0]
    assert model.score(X, y) == pytest.approx(0.0, abs=0.25)  # the true model scores about 0.03
    assert np.abs(model.predict(X) - (3.0 + X[:, 0])).mean() < 0.1


def test_partial_fit_survives_pickling_between_calls():
    data = chunks()
    straight = HeteroscedasticRegressor(random_state=0)
    pickled = HeteroscedasticRegressor(random_state=0)
    for X, y in data:
        straight.partial_fit(X, y)
        pickled = pickle.loads(pickle.dumps(pickled.partial_fit(X, y)))
    np.testing.assert_array_equal(pickled.loss_curve_, straight.loss_curve_)
    np.testing.assert_array_equal(pickled.predict(data[0][0]), straight.predict(data[0][0]))


def test_sparse_chunks_train_as_dense_ones():
    data = chunks(2)
    dense = HeteroscedasticRegressor(random_state=0)
    sparse = HeteroscedasticRegressor(random_state=0)
    for X, y in data:
        dense.partial_fit(X, y)
        sparse.partial_fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-6)


def test_partial_fit_after_fit_continues_the_fitted_model():
    X, y = chunks(1)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = HeteroscedasticRegressor(max_iter=5, random_state=0).fit(X, y)
    x_mean = model.x_mean_.copy()
    model.partial_fit(X + 1.0, y)
    np.testing.assert_array_equal(model.x_mean_, x_mean)
    assert model.n_iter_ == 6


def test_classifier_needs_classes_on_the_first_call():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    y = np.where(X[:, 0] > 0, "b", "a")
    clf = CategoricalMLPClassifier(learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match=r"classes=None on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "module_")
    with pytest.raises(TargetSupportError, match=r"not in classes=\['a', 'c'\]: \['b'\]"):
        clf.partial_fit(X, y, classes=["a", "c"])
    # a first chunk may lack a class: it still gets a positive probability
    clf.partial_fit(X[y == "a"], y[y == "a"], classes=["a", "b", "c"])
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    assert (clf.predict_proba(X) > 0).all()
    for _ in range(20):
        clf.partial_fit(X, y)
    assert (clf.predict(X) == y).mean() > 0.95
    with pytest.raises(ValueError, match=r"differs from the classes of the first call"):
        clf.partial_fit(X, y, classes=["a", "b"])
    with pytest.raises(TargetSupportError):
        clf.partial_fit(X, np.where(y == "a", "z", y))
    assert clf.n_iter_ == 21  # failed calls changed nothing


def test_targets_outside_the_support_are_refused():
    X = np.zeros((3, 1))
    model = PoissonMLPRegressor(random_state=0).partial_fit(X, [0, 1, 2])
    with pytest.raises(TargetSupportError):
        model.partial_fit(X, [-1, 2, 3])
    assert model.n_iter_ == 1


def test_dask_ml_incremental_on_a_loopback_cluster():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    data = chunks(4)
    X = np.concatenate([c[0] for c in data])
    y = np.concatenate([c[1] for c in data])
    local = HeteroscedasticRegressor(random_state=0)
    for X_chunk, y_chunk in data:
        local.partial_fit(X_chunk, y_chunk)

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        X_dask = da.from_array(X, chunks=(250, 2))
        y_dask = da.from_array(y, chunks=250)
        inc = wrappers.Incremental(
            HeteroscedasticRegressor(random_state=0), shuffle_blocks=False
        ).fit(X_dask, y_dask)
        addresses = [client.scheduler_info()["address"], *client.scheduler_info()["workers"]]
        predicted = inc.predict(X_dask).compute()
        score = inc.score(X_dask, y_dask)

    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    remote = inc.estimator_
    assert remote.n_iter_ == 4
    np.testing.assert_array_equal(remote.loss_curve_, local.loss_curve_)
    np.testing.assert_array_equal(predicted, local.predict(X))
    assert score == pytest.approx(local.score(X, y), abs=1e-12)


def test_data_frames_keep_their_names_and_index():
    pd = pytest.importorskip("pandas")
    (X, y), (X2, y2) = chunks(2)
    frame = pd.DataFrame(X, columns=["a", "b"], index=range(1000, 1250))
    model = HeteroscedasticRegressor(random_state=0).partial_fit(frame, pd.Series(y))
    np.testing.assert_array_equal(model.feature_names_in_, ["a", "b"])
    with pytest.raises(ValueError, match="feature names"):
        model.partial_fit(pd.DataFrame(X2, columns=["b", "a"]), y2)
    assert model.n_iter_ == 1
    assert model.predict_dist(frame.iloc[:3]).to_frame().index.tolist() == [1000, 1001, 1002]
