"""Shared docstring fragments, so that sibling estimators never copy prose."""

MLP_PARAMETERS = """\
depth : int, default=1
        Number of hidden layers; 0 gives a generalised linear model.
    width : int, default=256
        Units in each hidden layer.
    hidden_layer_sizes : sequence of int or None, default=None
        Explicit hidden-layer sizes; overrides ``depth`` and ``width``.
    activation : {"relu", "tanh", "logistic", "gelu", "silu", "elu", "leaky_relu", \
"identity"}, default="relu"
        Activation after each hidden layer.
    dropout : float in [0, 1), default=0.0
        Dropout probability after each hidden activation.
    weight_decay : float >= 0, default=0.0
        L2 penalty applied by the optimiser.
    solver : {"adam", "adamw", "sgd", "lbfgs"}, default="adam"
        Optimiser. ``"sgd"`` uses Nesterov momentum; ``"lbfgs"`` is full batch.
    learning_rate_init : float > 0, default=1e-3
        Learning rate of the optimiser.
    momentum : float in [0, 1], default=0.9
        Momentum of ``solver="sgd"``.
    batch_size : int, "auto" or "full", default="auto"
        Rows per gradient step: ``"auto"`` is ``min(256, n_samples)``,
        ``"full"`` uses every training row in each step.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training rows, stop when their
        NLL stops improving and keep the weights of the best epoch. When
        ``False``, stopping follows the training NLL.
    validation_fraction : float in (0, 1), default=0.1
        Share of rows held out when ``early_stopping=True`` (stratified for
        classifiers).
    n_iter_no_change : int, default=20
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float >= 0, default=1e-4
        Smallest improvement of the monitored NLL (nats per sample) that counts.
    scale_inputs : bool, default=True
        Standardise each input column with the training mean and standard
        deviation before the network sees it.
    random_state : int, RandomState instance or None, default=None
        Seed of the weight initialisation, the validation split, the batch order
        and dropout. The same integer gives the same predictions.
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"`` (or ``"cuda:N"``) or ``"auto"`` (a GPU when one is
        present).
    verbose : int, default=0
        Print one line per epoch (train and validation NLL, time) when positive.
    warm_start : bool, default=False
        Continue from the previous fit's weights when the input and target
        shapes are unchanged."""

FITTED_ATTRIBUTES = """\
module_ : torch.nn.Module
        The fitted network (its output is the family's raw parameter vector).
    family_ : Family
        The fitted distribution family (support checks, links, target scaling).
    loss_curve_ : list of float
        Mean training NLL per epoch (nats per sample, in the target's units).
    validation_loss_curve_ : list of float
        Mean validation NLL per epoch (empty without early stopping).
    best_validation_loss_ : float or None
        Lowest validation NLL; its epoch's weights are the ones kept.
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` was a DataFrame with string columns."""


def fill_doc(cls):
    """Substitute the shared fragments into ``cls.__doc__``."""
    cls.__doc__ = cls.__doc__.replace("{mlp_parameters}", MLP_PARAMETERS).replace(
        "{fitted_attributes}", FITTED_ATTRIBUTES
    )
    return cls
