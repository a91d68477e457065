"""The project's modules form a layered graph: no import cycle at module level, and the
emotions app never imports music (music builds on emotions, never the reverse)."""

import ast
import graphlib
from pathlib import Path

import pytest
from django.conf import settings

PACKAGES = ("accounts", "emotions", "music", "fermusic")
TOP_LEVEL_MODULES = ("celery_app",)


def project_modules() -> dict[str, Path]:
    modules = {name: settings.BASE_DIR / f"{name}.py" for name in TOP_LEVEL_MODULES}
    for package in PACKAGES:
        for path in (settings.BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(settings.BASE_DIR).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def module_level_imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Project modules imported by ``module`` when it is imported (function bodies,
    which hold the deferred imports, are left out)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = set()

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = resolve(module, node, path.name == "__init__.py")
                names = [target] + [f"{target}.{alias.name}" for alias in node.names]
            else:
                visit(ast.iter_child_nodes(node))
                continue
            for name in names:
                # "from a.b import c" imports a.b (and a.b.c when c is a module).
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    imported.add(name)

    visit(tree.body)
    return imported


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {module: module_level_imports(module, path, known) for module, path in modules.items()}


def test_the_graph_covers_every_app(graph):
    for package in PACKAGES:
        assert any(module.startswith(f"{package}.") for module in graph), package


def test_no_module_level_import_cycle(graph):
    # A package imports its own __init__ implicitly; that edge is not a cycle.
    edges = {module: {dep for dep in deps if not module.startswith(f"{dep}.")} for module, deps in graph.items()}
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def test_emotions_never_imports_music():
    for module, path in project_modules().items():
        if not module.startswith("emotions"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(name == "music" or name.startswith("music.") for name in names), (module, names)


def test_the_engine_and_the_pure_cores_import_no_django():
    pure = ("emotions.engine", "music.moods", "music.recommender")
    for module, path in project_modules().items():
        if not module.startswith(pure):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(n.split(".")[0] in ("django", "rest_framework", "channels", "celery") for n in names), (
                module,
                names,
            )


def test_deferred_imports_only_keep_the_engine_out_of_the_web_process():
    """An import inside a function hides a dependency; the one reason allowed is to load
    TensorFlow, LiteRT or OpenCV (the recognition engine) only in the processes that run it."""
    for module, path in project_modules().items():
        if module.startswith("emotions.engine"):
            continue  # the engine defers its heavy libraries inside itself
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] in (*PACKAGES, *TOP_LEVEL_MODULES):
                        assert name.startswith("emotions.engine"), (module, function.name, name)
