"""Scale-out: a grid search on a local Dask cluster gives the local result exactly.

The cluster listens on the loopback interface only (two worker processes, one
thread each, no dashboard). The estimators travel to the workers by pickle,
each candidate is fitted there with the same seed, and the cross-validated
scores must equal those of the same search run in this process with
``n_jobs=1``. Worker processes start with ``OMP_NUM_THREADS=1`` (Dask's nanny
sets it before spawning), so torch inside them uses one thread and the two
workers do not oversubscribe the cores.
"""

import contextlib
import logging
import signal
import threading

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skprob import HeteroscedasticRegressor

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'dask[distributed]')"
)
dask = pytest.importorskip("dask")
joblib = pytest.importorskip("joblib")
torch = pytest.importorskip("torch")

#: The whole test (cluster start, two searches, shutdown) must end within this.
TIME_LIMIT_S = 150
GRID = {"depth": [1, 2], "width": [8, 16]}
#: Environment of the worker processes, set by the nanny before they start (and so
#: before torch is imported there): one thread for every BLAS/OpenMP pool.
WORKER_ENVIRON = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}


@contextlib.contextmanager
def time_limit(seconds):
    """Fail, instead of hanging CI, if the block runs longer than ``seconds``."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not in_main_thread:
        yield
        return

    def on_alarm(signum, frame):
        pytest.fail(f"the Dask grid search did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def make_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(120, 2))
    y = X[:, 0] + (0.1 + 0.4 * np.abs(X[:, 1])) * rng.standard_normal(120)
    return X, y


def search():
    return GridSearchCV(HeteroscedasticRegressor(max_iter=10, random_state=0), GRID, cv=3)


def test_grid_search_on_local_dask_cluster_matches_local_run():
    X, y = make_data()
    local = search().set_params(n_jobs=1).fit(X, y)

    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_ENVIRON}
    with (
        time_limit(TIME_LIMIT_S),
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        # Per worker process, and in the thread that runs tasks (where fits happen).
        process_threads = client.run(torch.get_num_threads)
        task_threads = client.gather(
            [client.submit(torch.get_num_threads, pure=False, workers=[w]) for w in process_threads]
        )
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            remote = search().fit(X, y)
        workers_used = {task["worker"] for task in stream.data}

    assert set(process_threads.values()) == {1}, process_threads
    assert task_threads == [1, 1], task_threads
    assert workers_used == set(process_threads), "the fits did not run on both workers"
    assert remote.best_params_ == local.best_params_
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    for key in ["mean_test_score", *(f"split{i}_test_score" for i in range(3))]:
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key], err_msg=key)
    np.testing.assert_array_equal(
        remote.predict(X[:5]), local.predict(X[:5]), err_msg="refitted best model"
    )
