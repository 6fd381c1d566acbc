"""Sparse X (CSR and CSC): the same model as the dense copy, densified one batch at a time."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skprob import CategoricalMLPClassifier, HeteroscedasticRegressor
from skprob._sparse import sparse_column_mean_std


def sparse_data(n=600, p=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[rng.random((n, p)) > 0.1] = 0.0  # about 10% non-zeros
    y = X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_fit_is_the_dense_fit(fmt):
    X, y = sparse_data()
    dense = HeteroscedasticRegressor(max_iter=5, random_state=0).fit(X, y)
    sparse = HeteroscedasticRegressor(max_iter=5, random_state=0)
    sparse.fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(sparse.x_mean_, X.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(sparse.x_scale_, X.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-6)
    d_dense = dense.predict_dist(X)
    d_sparse = sparse.predict_dist(sp.csr_matrix(X).asformat(fmt))
    np.testing.assert_allclose(d_sparse.params["loc"], d_dense.params["loc"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(d_sparse.params["scale"], d_dense.params["scale"], rtol=1e-6)
    np.testing.assert_allclose(d_sparse.ppf(0.9), d_dense.ppf(0.9), rtol=0, atol=1e-6)
    assert sparse.score(sp.csr_matrix(X).asformat(fmt), y) == pytest.approx(
        dense.score(X, y), abs=1e-6
    )


def test_sparse_statistics_match_dense_ones():
    X, _ = sparse_data(n=50, p=4)
    X[:, 3] = 0.0
    mean, std = sparse_column_mean_std(sp.csc_matrix(X))
    np.testing.assert_allclose(mean, X.mean(axis=0), atol=1e-15)
    np.testing.assert_allclose(std, X.std(axis=0), atol=1e-15)
    assert std[3] == 0.0


def test_rows_are_densified_one_chunk_at_a_time(monkeypatch):
    import skprob._sparse

    X, y = sparse_data(n=5000, p=10)
    # Chunks of at most 1000 rows of 10 columns; batches of 200 rows.
    monkeypatch.setattr(skprob._sparse, "SPARSE_CHUNK_ELEMENTS", 10 * 1000)
    densified = []
    original = sp.csr_matrix.toarray

    def recording_toarray(self, *args, **kwargs):
        densified.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", recording_toarray)
    tensors = []
    original_dense = skprob._sparse.StandardizedRows._dense

    def recording_dense(self, rows):
        tensors.append(len(rows))
        return original_dense(self, rows)

    monkeypatch.setattr(skprob._sparse.StandardizedRows, "_dense", recording_dense)
    model = HeteroscedasticRegressor(
        max_iter=2, batch_size=200, validation_fraction=0.5, random_state=0
    )
    model.fit(sp.csr_matrix(X), y)
    n_fit = len(densified)
    model.predict_dist(sp.csr_matrix(X))
    assert n_fit >= 2 * 2500 // 200  # every training batch, each epoch
    # the tensors handed to the network: batches, probe and evaluation chunks alike
    assert max(tensors) == 1000 and 200 in tensors
    assert max(densified[:n_fit]) <= 1000, max(densified[:n_fit])
    assert 200 in densified[:n_fit]
    # prediction: five chunks of 1000 rows, never the 5000 rows at once
    assert densified[n_fit:] == [1000] * 5


def test_one_hot_pipeline_is_accepted():
    rng = np.random.default_rng(0)
    city = rng.choice(["a", "b", "c", "d"], size=400)
    X = np.column_stack([city, rng.standard_normal(400).round(3)]).astype(object)
    y = (city == "a") * 2.0 + rng.standard_normal(400) * 0.1
    encoder = ColumnTransformer([("city", OneHotEncoder(), [0])], sparse_threshold=1.0)
    pipe = make_pipeline(encoder, HeteroscedasticRegressor(max_iter=30, random_state=0))
    assert sp.issparse(encoder.fit_transform(X))
    pipe.fit(X, y)
    mean = pipe.predict(X)
    assert abs(mean[city == "a"].mean() - 2.0) < 0.2
    assert abs(mean[city != "a"].mean()) < 0.2


def test_sparse_classifier_and_full_batch():
    X, y = sparse_data()
    labels = np.where(X[:, 0] > 0, "pos", "neg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dense = CategoricalMLPClassifier(max_iter=3, batch_size="full", random_state=0)
        dense.fit(X, labels)
        sparse = CategoricalMLPClassifier(max_iter=3, batch_size="full", random_state=0)
        sparse.fit(sp.csr_matrix(X), labels)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_statistics_read_the_stored_entries_in_chunks(fmt, monkeypatch):
    import skprob._sparse

    X, _ = sparse_data(n=300, p=7)
    expected = sparse_column_mean_std(sp.csr_matrix(X))
    monkeypatch.setattr(skprob._sparse, "SPARSE_CHUNK_ELEMENTS", 13)  # chunks split rows
    mean, std = sparse_column_mean_std(sp.csr_matrix(X).asformat(fmt))
    np.testing.assert_allclose(mean, expected[0], rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(std, expected[1], rtol=1e-13)
    np.testing.assert_allclose(std, X.std(axis=0), rtol=1e-12)
