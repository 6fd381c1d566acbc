"""The network's float64 inference path agrees with its float32 training path."""

import numpy as np
import pytest
import torch

from skprob.network import ACTIVATIONS, DistributionNetwork


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_float64_forward_matches_float32(activation, dropout):
    torch.manual_seed(0)
    net = DistributionNetwork(3, (8, 5), n_dependent=2, n_constant=1,
                              initial_bias=[0.5, -1.0, 2.0], activation=activation,
                              dropout=dropout)
    with torch.no_grad():  # non-zero head weights, so that the trunk matters
        net.head.weight.normal_()
    net.eval()
    x = torch.randn(16, 3)
    with torch.inference_mode():
        single = net(x)
        double = net(x.double())
    assert double.dtype == torch.float64 and double.shape == (16, 3)
    np.testing.assert_allclose(double.numpy(), single.double().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(double[:, 2].numpy(), 2.0)  # the constant column


def test_float64_weights_follow_updates():
    torch.manual_seed(0)
    net = DistributionNetwork(2, (4,), n_dependent=1, n_constant=0, initial_bias=[0.0]).eval()
    x = torch.ones(1, 2, dtype=torch.float64)
    with torch.inference_mode():
        before = net(x).item()
    with torch.no_grad():  # an in-place update, as an optimiser step makes
        net.head.bias.add_(1.0)
    with torch.inference_mode():
        after = net(x).item()
    assert after == pytest.approx(before + 1.0)
