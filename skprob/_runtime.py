"""Moving data between numpy and torch: devices, validation splits, batched inference.

These helpers know neither a distribution family nor an estimator class; the
estimators in :mod:`skprob.base` call them.
"""

import contextlib
import itertools
import warnings

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from ._sparse import chunk_rows, is_sparse, sparse_column_mean_std

__all__ = [
    "PREDICT_CHUNK",
    "SMALL_NETWORK",
    "training_threads",
    "c_order_rows",
    "column_mean_std",
    "predict_params",
    "resolve_device",
    "standardized_rows",
    "validation_split",
]

#: Rows per forward pass at prediction time (bounds memory on large inputs).
PREDICT_CHUNK = 65536
#: Networks with fewer hidden weights than this train on one CPU thread.
SMALL_NETWORK = 250_000


@contextlib.contextmanager
def training_threads(n_weights):
    """Train small networks on one CPU thread, restoring torch's setting afterwards.

    The matrices of a small MLP are too small to split between threads: on a
    2-core machine a 2x64 network trained 3 times faster on one thread than on
    torch's default two (``benchmarks/speed.py``). Larger networks keep torch's
    setting, which ``torch.set_num_threads`` or ``OMP_NUM_THREADS`` control.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with training_threads(1000):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    previous = torch.get_num_threads()
    if n_weights >= SMALL_NETWORK or previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


#: Device types skprob trains and predicts on; torch knows more (``"meta"``, ``"xla"``,
#: ``"vulkan"``, ...), which hold no data, need plug-ins or lack operations skprob uses.
DEVICE_TYPES = ("cpu", "cuda", "mps")
_EXPECTED = "expected 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto'"


def resolve_device(device):
    """Turn the ``device`` hyper-parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : str or torch.device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"`` (a GPU
        when there is one).

    Returns
    -------
    torch.device

    Raises
    ------
    TypeError
        If ``device`` is neither a string nor a :class:`torch.device`.
    ValueError
        If the string is not a device skprob uses, or names an accelerator
        (or a GPU index) that is absent.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("meta")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: device='meta' is a torch device type that skprob does not run on; ...
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a string such as 'cpu'; got {device!r}, a "
                        f"{type(device).__name__}; {_EXPECTED}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about deprecated device types
            resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"device={device!r} is not a torch device; {_EXPECTED}.") from None
    if resolved.type not in DEVICE_TYPES:
        raise ValueError(
            f"device={device!r} is a torch device type that skprob does not run on; "
            f"{_EXPECTED}."
        )
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but no CUDA GPU is available to torch; "
                "use device='cpu', or device='auto' to take a GPU only when there is one."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} names GPU {resolved.index}, but torch sees "
                f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0."
            )
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available.")
    if resolved.type == "cpu":
        return torch.device("cpu")  # "cpu:1" is the same memory as "cpu"
    return resolved


def column_mean_std(X):
    """Mean and standard deviation of each column, in float64, chunk by chunk.

    Working in chunks keeps memory at one chunk beyond ``X`` itself, where
    ``X.std`` would allocate a full float64 copy. Each chunk is copied into C
    order first: numpy sums a C-ordered and a Fortran-ordered array in different
    orders, and the statistics (hence every prediction) must not depend on how
    the caller's ``X`` lies in memory.

    Examples
    --------
    >>> column_mean_std(np.array([[1.0, 2.0], [3.0, 2.0]]))
    (array([2., 2.]), array([1., 0.]))
    """
    if is_sparse(X):
        return sparse_column_mean_std(X)
    n = len(X)
    mean = np.zeros(X.shape[1])
    for start in range(0, n, PREDICT_CHUNK):
        mean += c_order_rows(X, start).sum(axis=0)
    mean /= n
    sum_sq = np.zeros(X.shape[1])
    for start in range(0, n, PREDICT_CHUNK):
        centred = c_order_rows(X, start) - mean
        sum_sq += np.einsum("ij,ij->j", centred, centred)
    return mean, np.sqrt(sum_sq / n)


def c_order_rows(X, start, stop=None):
    """Rows ``start:stop`` (one chunk by default) as a C-ordered float64 array.

    Examples
    --------
    >>> c_order_rows(np.asfortranarray([[1, 2], [3, 4]]), 1).flags.c_contiguous
    True
    """
    stop = start + PREDICT_CHUNK if stop is None else stop
    if is_sparse(X):  # densified here, one chunk of rows at a time
        return X[start:stop].toarray().astype(np.float64, copy=False)
    return np.ascontiguousarray(X[start:stop], dtype=np.float64)


def standardized_rows(X, rows, mean, scale):
    """``(X[rows] - mean) / scale`` as float32, filled chunk by chunk.

    The result is the only full-size copy made: the network trains on it.

    Examples
    --------
    >>> standardized_rows(np.array([[1.0], [3.0]]), np.array([1]), np.array([2.0]), np.array([1.0]))
    array([[1.]], dtype=float32)
    """
    out = np.empty((len(rows), X.shape[1]), dtype=np.float32)
    chunk = chunk_rows(X.shape[1], PREDICT_CHUNK) if is_sparse(X) else PREDICT_CHUNK
    for start in range(0, len(rows), chunk):
        block = rows[start : start + chunk]
        values = X[block].toarray() if is_sparse(X) else X[block]
        out[start : start + len(block)] = (values - mean) / scale
    return out


def validation_split(n_samples, fraction, codes, seed):
    """Training and validation row indices; no validation rows when ``fraction`` is 0.

    The split is stratified on ``codes`` (class codes) when every class can be
    represented on both sides, and skipped when the data are too small to hold
    out a row.

    Parameters
    ----------
    n_samples : int
    fraction : float
        Share of rows to hold out; 0 disables the split.
    codes : ndarray of int or None
        Class codes of a classifier's target, for stratification.
    seed : int

    Returns
    -------
    train_idx : ndarray of int
    val_idx : ndarray of int or None

    Examples
    --------
    >>> train, val = validation_split(10, 0.2, None, seed=0)
    >>> len(train), len(val)
    (8, 2)
    """
    all_rows = np.arange(n_samples)
    n_val = int(np.floor(fraction * n_samples))
    if n_val < 1 or n_samples - n_val < 1:
        return all_rows, None
    stratify = None
    if codes is not None:
        counts = np.bincount(codes.astype(np.int64))
        counts = counts[counts > 0]
        if counts.min() >= 2 and n_val >= len(counts) and n_samples - n_val >= len(counts):
            stratify = codes
    train_idx, val_idx = train_test_split(
        all_rows, test_size=n_val, random_state=seed % (2**31 - 1), stratify=stratify
    )
    return np.sort(train_idx), np.sort(val_idx)


def predict_params(module, link, X, x_mean, x_scale):
    """Distribution parameters for every row of ``X``, computed in chunks.

    Parameters
    ----------
    module : DistributionNetwork
        The fitted network (in eval mode after fit); it runs float64 batches.
    link : callable
        The family's link: raw outputs to a dict of parameter tensors.
    X : ndarray of shape (n_samples, n_features)
        Validated inputs.
    x_mean, x_scale : ndarray of shape (n_features,)
        Input standardisation learned in fit.

    Returns
    -------
    dict of ndarray
        float64 parameters in the family's standardised units.

    Raises
    ------
    ValueError
        If any row gets non-finite parameters (inputs far outside the training range).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.network import DistributionNetwork
    >>> net = DistributionNetwork(2, (4,), n_dependent=1, n_constant=0, initial_bias=[0.5])
    >>> out = predict_params(net, lambda raw: {"loc": raw[:, 0]}, np.zeros((3, 2)),
    ...                      np.zeros(2), np.ones(2))
    >>> out["loc"].shape
    (3,)
    """
    head = getattr(module, "head", None)  # a DistributionNetwork: no parameter scan
    device = (head.weight if head is not None else next(
        itertools.chain(module.parameters(), [torch.empty(0)]))).device
    if module.training:  # fit leaves it in eval mode; switching costs ~0.1 ms per call
        module.eval()
    # Inference runs in float64 (MPS has none): predictions then do not depend on how
    # rows are batched, and the parameters are as exact as the weights allow.
    dtype = torch.float32 if device.type == "mps" else torch.float64
    chunks = []
    chunk = chunk_rows(X.shape[1], PREDICT_CHUNK) if is_sparse(X) else PREDICT_CHUNK
    with torch.inference_mode():
        for start in range(0, X.shape[0], chunk):
            block = (c_order_rows(X, start, start + chunk) - x_mean) / x_scale
            raw = module(torch.as_tensor(block, dtype=dtype, device=device))
            params = link(raw if raw.dtype == torch.float64 else raw.double())
            chunks.append({k: v.to("cpu", torch.float64).numpy() for k, v in params.items()})
    params = chunks[0] if len(chunks) == 1 else {
        k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]
    }
    if not all(np.isfinite(value).all() for value in params.values()):
        finite = np.ones(X.shape[0], dtype=bool)
        for value in params.values():
            finite &= np.isfinite(value.reshape(X.shape[0], -1)).all(axis=1)
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"The network produced non-finite distribution parameters for {len(bad)} row(s) "
            f"of X (first: row {bad[0]}). These inputs are far outside the range seen in "
            "training, or their magnitude overflows the network; check them for extreme values."
        )
    return params
