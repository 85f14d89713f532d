"""The default classifiers of the fusion study, chosen by the size of the training set.

The papers' CCA fusions classify the fused canonical variates with a linear SVM (Ahmad &
Khan 2020) and a kernel ELM (Imran & Raman 2020). Both have an exact solver whose cost
grows faster than the samples: libsvm's ``SVC(kernel="linear")`` (between O(n^2) and
O(n^3) time) and the kernel ELM's ``n x n`` kernel. Above
:data:`~sklearn_ccafusion.fusion._kelm.EXACT_MAX_SAMPLES` training samples (or always, when
asked) the study swaps them for linear-time solvers of nearly the same problems: liblinear's
``LinearSVC`` and the Nystroem kernel ELM.
"""

from __future__ import annotations

from sklearn.svm import SVC, LinearSVC

from sklearn_ccafusion.fusion import KernelELMClassifier, _kelm

__all__ = ["KELM_SOLVERS", "default_fusions", "linear_svm", "uses_liblinear"]

#: The choices of ``fusion_study``'s ``kelm_solver``.
KELM_SOLVERS = ("auto", "exact", "nystroem")
#: Passes of liblinear's dual coordinate descent at most: the default 1,000 stops short
#: of ``tol`` on overlapping classes of tens of thousands of samples; 10,000 passes stay
#: linear in the samples.
LINEAR_SVM_MAX_ITER = 10_000


def uses_liblinear(kelm_solver: str, n_train: int) -> bool:
    """Whether the fusion study's linear SVMs are fitted with liblinear rather than libsvm.

    The rule of the kernel ELM's solver: ``"nystroem"`` always, ``"exact"`` never,
    ``"auto"`` above ``EXACT_MAX_SAMPLES`` (10,000) training samples.

    Parameters
    ----------
    kelm_solver : {"auto", "exact", "nystroem"}
        The fusion study's ``kelm_solver``.
    n_train : int
        Training samples.

    Returns
    -------
    liblinear : bool
    """
    if kelm_solver not in KELM_SOLVERS:
        raise ValueError(
            f"kelm_solver must be 'auto', 'exact' or 'nystroem', got {kelm_solver!r}."
        )
    if kelm_solver == "auto":
        return n_train > _kelm.EXACT_MAX_SAMPLES
    return kelm_solver == "nystroem"


def linear_svm(liblinear: bool) -> SVC | LinearSVC:
    """The fusion study's linear SVM: libsvm's ``SVC`` or liblinear's ``LinearSVC``.

    Parameters
    ----------
    liblinear : bool
        ``False``: ``SVC(kernel="linear")`` (C=1, the papers' classifier); ``True``: the
        ``LinearSVC`` closest to it.

    Returns
    -------
    classifier : SVC or LinearSVC
        Unfitted.
    """
    if not liblinear:
        return SVC(kernel="linear")
    # The same problem as SVC(kernel="linear", C=1) as far as liblinear allows: the hinge
    # loss (not liblinear's default squared hinge) with C=1, solved in the dual (the only
    # solver liblinear has for the hinge loss). Two differences remain: one-vs-rest instead
    # of libsvm's one-vs-one for more than two classes, and an intercept that is
    # regularised (a constant feature of value 1, ``intercept_scaling=1``), which barely
    # matters on the standardised canonical variates. The dual coordinate descent visits
    # the samples in a random order: seeded, so a study gives the same numbers every run.
    return LinearSVC(
        loss="hinge",
        dual=True,
        C=1.0,
        multi_class="ovr",
        max_iter=LINEAR_SVM_MAX_ITER,
        random_state=0,
    )


def default_fusions(kelm_solver: str, n_train: int) -> dict[str, tuple[str, object]]:
    """The CCA fusions of the papers: sum + SVM (Ahmad), sum + KELM (Imran), concat + SVM.

    Parameters
    ----------
    kelm_solver : {"auto", "exact", "nystroem"}
        Solver of the kernel ELM; it also decides the linear SVMs' solver
        (:func:`uses_liblinear`).
    n_train : int
        Training samples.

    Returns
    -------
    fusions : dict
        ``{name: (fusion, classifier)}``. The kernel ELM's Nystroem landmarks are drawn
        with a fixed seed (0), as is liblinear's order of samples, so a study gives the
        same numbers on every run.
    """
    liblinear = uses_liblinear(kelm_solver, n_train)
    return {
        "cca_sum_svm": ("sum", linear_svm(liblinear)),
        "cca_sum_kelm": ("sum", KernelELMClassifier(solver=kelm_solver, random_state=0)),
        "cca_concat_svm": ("concat", linear_svm(liblinear)),
    }
