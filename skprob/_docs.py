"""Shared docstring sections, so that sibling estimators never copy prose.

An estimator's docstring holds what is its own: the summary, its own options under
``Parameters``, its own fitted attributes, See Also and Examples. :func:`fill_doc`
adds what all estimators share: the network and training hyper-parameters (and
``prediction`` for regressors) after the estimator's own parameters, and the fitted
attributes every estimator has.
"""

import inspect
import re

from sklearn.base import ClassifierMixin, RegressorMixin

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

PREDICTION_PARAMETER = """\
prediction : {"auto", "mode", "mean", "median"}, default="auto"
    Point returned by :meth:`predict`; ``"auto"`` is the family's
    ``point_prediction``: the mode (the most probable value), unless the
    mode says nothing about the row."""

CLASSES_ATTRIBUTE = """\
classes_ : ndarray of shape (n_classes,)
    The class labels, sorted."""

#: Sections in numpydoc's order; the shared ones are added to the first two.
_SECTIONS = ("Parameters", "Attributes", "See Also", "Notes", "References", "Examples")
_ENTRY = re.compile(r"^(\w+) :")


def _split(doc):
    """The text before the first section, and each section's lines by title."""
    lines = doc.splitlines()
    starts = [
        i for i in range(len(lines) - 1)
        if lines[i].strip() in _SECTIONS and set(lines[i + 1].strip()) == {"-"}
    ]
    head = lines[: starts[0]] if starts else lines
    sections = {}
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        sections[lines[start].strip()] = lines[start + 2 : stop]
    return head, sections


def _merge(own, shared):
    """``own`` entries, then the ``shared`` ones that ``own`` does not document itself."""
    own = [line for line in own]
    while own and not own[-1].strip():
        own.pop()
    documented = {m.group(1) for m in map(_ENTRY.match, own) if m}
    keep, skipping = [], False
    for line in shared.splitlines():
        match = _ENTRY.match(line)
        if match:
            skipping = match.group(1) in documented
        if not skipping:
            keep.append(line)
    return own + keep + [""]


def fill_doc(cls):
    """Add the shared parameters and fitted attributes to an estimator's docstring.

    Examples
    --------
    >>> from skprob import PoissonMLPRegressor
    >>> "learning_rate_init : float" in PoissonMLPRegressor.__doc__
    True
    """
    head, sections = _split(inspect.cleandoc(cls.__doc__))
    shared_parameters = MLP_PARAMETERS
    if issubclass(cls, RegressorMixin):
        shared_parameters = PREDICTION_PARAMETER + "\n" + shared_parameters
    shared_attributes = FITTED_ATTRIBUTES
    if issubclass(cls, ClassifierMixin):
        shared_attributes = CLASSES_ATTRIBUTE + "\n" + shared_attributes
    sections["Parameters"] = _merge(sections.get("Parameters", []), shared_parameters)
    sections["Attributes"] = _merge(sections.get("Attributes", []), shared_attributes)
    parts = [*head]
    for title in _SECTIONS:
        if title in sections:
            parts += [title, "-" * len(title), *sections[title]]
    cls.__doc__ = "\n".join(parts).rstrip() + "\n"
    return cls
