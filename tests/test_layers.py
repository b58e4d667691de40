"""Layers point down only: saas <- accounts <- billing <- banking. A lower app never imports a higher one.

Every module of the four apps is read with `ast`: imports at the top and inside functions, and the dotted
paths given to `importlib.import_module` or `import_string`. saas/urls.py and saas/settings.py are the
composition root and may name every app; nothing else is exempt.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("saas", "accounts", "billing", "banking")
COMPOSITION_ROOT = {"saas/urls.py", "saas/settings.py"}
DYNAMIC_IMPORTERS = {"import_module", "import_string"}


def imported_modules(tree: ast.Module, *, package: str) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the module, at any depth, static or by a literal string."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from . import x` stays inside `package`
                found.append((node.lineno, package))
            else:
                found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if name in DYNAMIC_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def upward_imports(path: Path, *, root: Path = ROOT) -> list[str]:
    relative = path.relative_to(root).as_posix()
    app = relative.split("/")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    problems = []
    for line, module in imported_modules(tree, package=app):
        target = module.split(".")[0]
        if target in LAYERS and LAYERS.index(target) > LAYERS.index(app):
            problems.append(f"{relative}:{line}: {app} imports {module}, a higher layer")
    return problems


def layer_modules() -> list[Path]:
    return sorted(
        path
        for app in LAYERS
        for path in (ROOT / app).rglob("*.py")
        if path.relative_to(ROOT).as_posix() not in COMPOSITION_ROOT
    )


def test_every_app_has_modules_to_check():
    checked = {path.relative_to(ROOT).parts[0] for path in layer_modules()}

    assert checked == set(LAYERS)


def test_no_app_imports_a_higher_one():
    problems = [problem for path in layer_modules() for problem in upward_imports(path)]

    assert problems == [], "Layers point down only (saas <- accounts <- billing <- banking):\n" + "\n".join(problems)


def check_module(root: Path, relative: str, source: str) -> list[str]:
    module = root / relative
    module.parent.mkdir(parents=True)
    module.write_text(source)
    return upward_imports(module, root=root)


@pytest.mark.parametrize(
    "source",
    [
        "from billing.selectors import user_is_subscribed",
        "import banking.models",
        "def f():\n    from billing import services\n",
        "def f():\n    import banking.selectors as s\n",
        "import importlib\nimportlib.import_module('billing.webhooks')",
        "from django.utils.module_loading import import_string\nimport_string('banking.verification.Provider')",
    ],
)
def test_the_check_finds_an_upward_import_wherever_it_is(tmp_path, source):
    problems = check_module(tmp_path, "accounts/example.py", source)

    assert len(problems) == 1
    assert problems[0].startswith("accounts/example.py:")


@pytest.mark.parametrize(
    "source",
    [
        "from accounts.models import User",
        "from saas.db import locked_by_pk",
        "from . import selectors",
        "import django.db",
    ],
)
def test_imports_of_the_same_or_a_lower_layer_pass(tmp_path, source):
    assert check_module(tmp_path, "billing/example.py", source) == []


def test_billing_services_never_import_the_webhook_module():
    # webhooks.py maps event types to services and imports them; the other way round would be a cycle.
    for path in sorted((ROOT / "billing" / "services").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        modules = [module for _, module in imported_modules(tree, package="billing.services")]
        names = [
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        ]
        assert "billing.webhooks" not in modules + names, path.name
