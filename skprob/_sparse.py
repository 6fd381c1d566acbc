"""Sparse inputs with bounded memory: statistics computed sparsely, rows densified per batch.

A one-hot encoded or bag-of-words ``X`` may be far larger dense than sparse (a
1,000,000 x 1,000 matrix with 1% non-zeros is 8 GB dense, 120 MB as CSR).
skprob never densifies it whole: the input scaling is computed from the stored
entries, training densifies (and standardises) the rows of one batch at a time
through :class:`StandardizedRows`, and prediction densifies one chunk of rows
at a time. Only a full-batch fit (``batch_size="full"`` or ``solver="lbfgs"``)
densifies every training row, because its one batch is all of them.
"""

import numpy as np
import scipy.sparse as sp
import torch

__all__ = [
    "SPARSE_CHUNK_ELEMENTS",
    "StandardizedRows",
    "chunk_rows",
    "is_sparse",
    "sparse_column_mean_std",
]

#: Dense float64 entries per chunk when densifying sparse rows (32 MB).
SPARSE_CHUNK_ELEMENTS = 2**22


def is_sparse(X):
    """Whether ``X`` is a scipy sparse matrix or array.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> is_sparse(sp.eye(2, format="csr")), is_sparse([[1.0]])
    (True, False)
    """
    return sp.issparse(X)


def chunk_rows(n_features, default):
    """Rows per densified chunk of a sparse ``X``: at most ``default``, about 32 MB each.

    Examples
    --------
    >>> chunk_rows(1000, 65536)
    4194
    """
    return int(max(1, min(default, SPARSE_CHUNK_ELEMENTS // max(1, n_features))))


def sparse_column_mean_std(X):
    """Mean and standard deviation of each column of a sparse ``X``, from its stored entries.

    Column ``j`` holds its stored values and ``n - nnz_j`` zeros, so its sum of
    squared deviations is ``sum((x - mean_j)**2)`` over the stored values plus
    ``(n - nnz_j) * mean_j**2``: no dense copy, no cancellation of ``E[x^2] -
    mean^2``. The stored entries are read in chunks of :data:`SPARSE_CHUNK_ELEMENTS`,
    so the memory added is a few arrays of that size, whatever ``X.nnz``.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)

    Returns
    -------
    mean, std : ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> sparse_column_mean_std(sp.csr_matrix(np.array([[1.0, 0.0], [3.0, 0.0]])))
    (array([2., 0.]), array([1., 0.]))
    """
    if X.format not in ("csr", "csc"):
        X = X.tocsr()
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    n, p = X.shape

    def entries():  # (column, value) of the stored entries, one chunk at a time
        for start in range(0, X.nnz, SPARSE_CHUNK_ELEMENTS):
            stop = min(start + SPARSE_CHUNK_ELEMENTS, X.nnz)
            if X.format == "csr":
                columns = X.indices[start:stop]
            else:
                columns = np.searchsorted(X.indptr, np.arange(start, stop), side="right") - 1
            yield columns, np.asarray(X.data[start:stop], dtype=np.float64)

    total = np.zeros(p)
    count = np.zeros(p)
    for columns, values in entries():
        total += np.bincount(columns, weights=values, minlength=p)
        count += np.bincount(columns, minlength=p)
    mean = total / n
    sum_sq = (n - count) * mean**2
    for columns, values in entries():
        deviation = values - mean[columns]
        sum_sq += np.bincount(columns, weights=deviation * deviation, minlength=p)
    return mean, np.sqrt(sum_sq / n)


class StandardizedRows:
    """Rows of a sparse ``X``, standardised and densified only when the training loop takes them.

    It answers what the training loop asks of its input tensor (``len``,
    ``device``, ``index_select(0, idx)`` for a batch, slices for evaluation
    chunks) with dense float32 tensors of those rows only.

    Parameters
    ----------
    X : CSR matrix of shape (n_samples, n_features)
    rows : ndarray of int
        The rows of ``X`` this object stands for (the training or validation rows).
    mean, scale : ndarray of shape (n_features,)
        Input standardisation.
    device : torch.device

    Attributes
    ----------
    row_chunk : int
        Rows per densified chunk (about 32 MB of float64): the most rows any one
        request densifies at a time, and what evaluation loops should ask for.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> import torch
    >>> X = sp.csr_matrix(np.array([[0.0, 2.0], [4.0, 0.0], [0.0, 0.0]]))
    >>> rows = StandardizedRows(X, np.array([0, 1]), np.zeros(2), np.full(2, 2.0), "cpu")
    >>> rows.index_select(0, torch.tensor([1]))
    tensor([[2., 0.]])
    >>> len(rows), rows[0:1].shape, len(rows.subset([1]))
    (2, torch.Size([1, 2]), 1)
    """

    def __init__(self, X, rows, mean, scale, device):
        self.X = X if X.format == "csr" else X.tocsr()
        self.rows = np.asarray(rows, dtype=np.int64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.device = torch.device(device)
        self.shape = (len(self.rows), X.shape[1])
        self.row_chunk = chunk_rows(X.shape[1], len(self.rows) or 1)

    def __len__(self):
        return len(self.rows)

    def _dense(self, rows):
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        for start in range(0, len(rows), self.row_chunk):
            block = rows[start : start + self.row_chunk]
            out[start : start + len(block)] = (self.X[block].toarray() - self.mean) / self.scale
        return torch.from_numpy(out).to(self.device)

    def subset(self, index):
        """The rows ``index`` (positions among :attr:`rows`), still sparse until used."""
        rows = self.rows[np.asarray(index.cpu() if torch.is_tensor(index) else index)]
        return StandardizedRows(self.X, rows, self.mean, self.scale, self.device)

    def index_select(self, dim, index):
        """Dense standardised rows ``index`` (positions among :attr:`rows`) as a tensor."""
        if dim != 0:
            raise ValueError(f"StandardizedRows selects rows only (dim=0); got dim={dim}.")
        return self._dense(self.rows[index.cpu().numpy()])

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError(f"StandardizedRows takes slices of rows; got {type(key).__name__}.")
        return self._dense(self.rows[key])
