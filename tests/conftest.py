import numpy as np
import pytest
import torch

# One thread keeps the tiny networks of the tests fast and pytest-xdist workers from
# competing for the two cores.
torch.set_num_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
