"""The package's shape: families own their helpers, and every public path imports."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import sklearn_ccafusion
from sklearn_ccafusion.utils import public_modules

ROOT = Path(sklearn_ccafusion.__file__).parent

# The public paths users and examples write (the estimators, the networks, the data,
# the study, the similarity measures, the figures, the runs and their aliases).
PUBLIC_PATHS = [
    "sklearn_ccafusion:PCAWhitener",
    "sklearn_ccafusion:CCAProjector",
    "sklearn_ccafusion:SubspaceProjector",
    "sklearn_ccafusion:CCASumFusion",
    "sklearn_ccafusion:LogitAverageFusion",
    "sklearn_ccafusion:KernelELMClassifier",
    "sklearn_ccafusion:ClassLayerClassifier",
    "sklearn_ccafusion.cca:CCAProjector",
    "sklearn_ccafusion.cca:PCAWhitener",
    "sklearn_ccafusion.cca:SubspaceProjector",
    "sklearn_ccafusion.whitening:PCAWhitener",
    "sklearn_ccafusion.subspace:SubspaceProjector",
    "sklearn_ccafusion.subspace:METHODS",
    "sklearn_ccafusion.head:ClassLayerClassifier",
    "sklearn_ccafusion.fusion:CCASumFusion",
    "sklearn_ccafusion.fusion:LogitAverageFusion",
    "sklearn_ccafusion.fusion:KernelELMClassifier",
    "sklearn_ccafusion.similarity:svcca",
    "sklearn_ccafusion.similarity:pwcca",
    "sklearn_ccafusion.similarity:linear_cka",
    "sklearn_ccafusion.similarity:class_subspace_alignment",
    "sklearn_ccafusion.similarity:permutation_test",
    "sklearn_ccafusion.nets:SHLConvNet",
    "sklearn_ccafusion.nets:CIFARResNet",
    "sklearn_ccafusion.nets:MLPNet",
    "sklearn_ccafusion.nets:TimeSeriesConvNet",
    "sklearn_ccafusion.nets:SensorNetClassifier",
    "sklearn_ccafusion.nets:NetFeatures",
    "sklearn_ccafusion.nets:LayerFeatures",
    "sklearn_ccafusion.nets:fit_jointly",
    "sklearn_ccafusion.nets:layer_from_net",
    "sklearn_ccafusion.nets:training_recipe",
    "sklearn_ccafusion.nets:head_recipe",
    "sklearn_ccafusion.datasets:load_shl2018",
    "sklearn_ccafusion.datasets:load_cifar10",
    "sklearn_ccafusion.datasets:make_multisensor_classification",
    "sklearn_ccafusion.datasets:load_digits_views",
    "sklearn_ccafusion.preprocessing:Spectrogram",
    "sklearn_ccafusion.study:subspace_study",
    "sklearn_ccafusion.study:fusion_study",
    "sklearn_ccafusion.study:NetworkFeatures",
    "sklearn_ccafusion.plotting:plot_subspace_study",
    "sklearn_ccafusion.plotting:plot_cross_sensor",
    "sklearn_ccafusion.runs:run_study",
    "sklearn_ccafusion.runs:reproduce",
    "sklearn_ccafusion.runs:StudyData",
    "sklearn_ccafusion.runs:Reproduction",
    "sklearn_ccafusion.runs:load_study_file",
    "sklearn_ccafusion.reproduce:run_study",
    "sklearn_ccafusion.reproduce:reproduce",
    "sklearn_ccafusion.cli:main",
    "sklearn_ccafusion.utils:all_estimators",
]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_path_imports(path):
    module_name, name = path.split(":")
    module = importlib.import_module(module_name)
    assert getattr(module, name) is not None
    assert name in module.__all__, f"{name} is not in {module_name}.__all__"


def test_every_public_module_imports():
    for name in public_modules():
        assert importlib.import_module(name).__name__ == name


def test_aliases_give_the_same_objects():
    from sklearn_ccafusion import reproduce, runs
    from sklearn_ccafusion.nets import training_recipe
    from sklearn_ccafusion.runs._recipes import training_recipe as recipe_in_runs

    assert reproduce.run_study is runs.run_study
    assert training_recipe is recipe_in_runs
    assert sklearn_ccafusion.whitening.PCAWhitener is sklearn_ccafusion.cca.PCAWhitener


def test_few_private_modules_in_the_package_root():
    # each family keeps its private helpers in its own subpackage (cca/, head/,
    # similarity/, nets/, runs/); shared plumbing lives in utils/
    private = sorted(
        path.name
        for path in ROOT.iterdir()
        if path.name.startswith("_")
        and not path.name.startswith("__")
        and (path.suffix == ".py" or (path / "__init__.py").is_file())
    )
    assert len(private) <= 3, private


def test_nets_modules_are_grouped_by_role():
    # the networks' subpackage holds its roles' folders, not a flat list of modules
    nets = ROOT / "nets"
    flat = sorted(p.name for p in nets.glob("_*.py") if not p.name.startswith("__"))
    assert len(flat) <= 3, flat
    for role in ("_architectures", "_classifier", "_joint", "_features"):
        assert (nets / role / "__init__.py").is_file(), role


def _module_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_only_nets_imports_torch_at_module_level():
    # the light core: what needs no training imports torch only inside the functions
    # that train, so ``import sklearn_ccafusion`` and its joblib workers stay small
    outside = [
        str(path.relative_to(ROOT))
        for path in sorted(ROOT.rglob("*.py"))
        if "nets" not in path.relative_to(ROOT).parts[:1]
        and {"torch", "skorch"} & _module_level_imports(path)
    ]
    assert outside == []
