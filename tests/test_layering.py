"""No module imports from a layer above it: `portal.sms` needs nothing of the portal outside itself,
and the shared modules below the areas never import an area's package or a module that puts the
areas together (imports inside functions count too). The simulator shares no code with the portal."""

import ast
from pathlib import Path

import pytest

from portal import PROJECT_ROOT

PORTAL = PROJECT_ROOT / "portal"
#: The layers below the areas: the models, and the SMS domain code that needs nothing of the portal.
LOWER_PACKAGES = ("models", "sms")
#: The modules that put the areas together, each for its reason; they may import any area.
COMPOSITION_ROOTS = {
    "__init__.py": "create_app registers every area's blueprint",
    "cli.py": "the commands call the areas' services",
    "jobs.py": "the job functions call the areas' services",
    "worker.py": "runs the send jobs itself and loads the job functions before it forks",
    "schedule.py": "the periodic jobs, named by their functions in jobs.py",
    "demo.py": "connects the demo account through the settings and starts the simulator",
    "runner.py": "`flask serve`: starts the web process, worker, scheduler and the demo",
}
#: The one place outside the composition roots that may build the app: a job run by a plain `rq worker`
#: has no app until `queue.py` makes one.
BUILDS_THE_APP = ("queue.py",)


def _subpackages() -> list[str]:
    return sorted(path.parent.name for path in PORTAL.glob("*/__init__.py"))


def _defines_a_blueprint(package: str) -> bool:
    return any("Blueprint(" in path.read_text() for path in (PORTAL / package).rglob("*.py"))


#: The feature areas: every package of the portal above the lower layers (each one with a blueprint
#: is one, and so are the callbacks answered in front of Flask and the delivery reports they apply).
AREAS = tuple(name for name in _subpackages() if name not in LOWER_PACKAGES)
#: The modules every area builds on: each top-level module but the composition roots, and the models.
SHARED = (*sorted(path.name for path in PORTAL.glob("*.py") if path.name not in COMPOSITION_ROOTS),
          "models")


def _modules(*relative: str) -> list[Path]:
    paths = []
    for name in relative:
        path = PORTAL / name
        paths.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [path for path in paths if path.exists()]


def _imported(path: Path) -> set[str]:
    """Every module `path` imports, absolute, wherever in the file the import is."""
    package = ".".join(("portal", *path.relative_to(PORTAL).with_suffix("").parts[:-1]))
    return _imports_of(path.read_text(), package)


def _imports_of(source: str, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", _modules("sms"), ids=lambda path: str(path.relative_to(PORTAL)))
def test_sms_imports_nothing_of_the_portal_outside_itself(path: Path):
    outside = {name for name in _imported(path)
               if name.split(".")[0] == "portal" and not name.startswith("portal.sms")}
    assert outside == set()


@pytest.mark.parametrize("path", _modules("simulator"), ids=lambda path: str(path.relative_to(PORTAL)))
def test_the_simulator_imports_nothing_of_the_portal_outside_itself(path: Path):
    outside = {name for name in _imported(path)
               if name.split(".")[0] == "portal" and not name.startswith("portal.simulator")}
    assert outside == set()


def _area_of(name: str) -> str | None:
    part = name.split(".")
    return part[1] if part[0] == "portal" and len(part) > 1 and part[1] in AREAS else None


def _root_of(name: str) -> str | None:
    """The composition root `name` (a dotted import) reaches, if any."""
    if name == "portal.create_app":
        return "__init__.py"
    part = name.split(".")
    if part[0] == "portal" and len(part) > 1 and f"{part[1]}.py" in COMPOSITION_ROOTS:
        return f"{part[1]}.py"
    return None


@pytest.mark.parametrize("path", _modules(*SHARED), ids=lambda path: str(path.relative_to(PORTAL)))
def test_shared_modules_never_import_an_area(path: Path):
    areas = {name for name in _imported(path) if _area_of(name)}
    assert areas == set()


@pytest.mark.parametrize("path", _modules(*SHARED), ids=lambda path: str(path.relative_to(PORTAL)))
def test_shared_modules_never_import_a_composition_root(path: Path):
    roots = {name for name in _imported(path) if _root_of(name)}
    if path.relative_to(PORTAL).as_posix() in BUILDS_THE_APP:
        roots.discard("portal.create_app")
    assert roots == set()


def test_every_blueprint_is_in_an_area_and_the_lower_layers_have_none():
    with_blueprints = {name for name in _subpackages() if _defines_a_blueprint(name)}
    assert {"campaigns", "contacts", "reports", "senders", "settings", "users"} <= with_blueprints
    assert with_blueprints <= set(AREAS)
    assert set(LOWER_PACKAGES) <= set(_subpackages())
    assert not with_blueprints & set(LOWER_PACKAGES)


@pytest.mark.parametrize("name", sorted(COMPOSITION_ROOTS))
def test_every_composition_root_does_put_areas_together(name: str):
    imported = _imported(PORTAL / name)
    assert any(_area_of(module) or _root_of(module) for module in imported), (
        f"{name} imports no area: it is a shared module, take it off COMPOSITION_ROOTS")


def test_the_check_sees_imports_inside_functions_and_relative_ones():
    source = "def banner():\n    from portal.settings.service import x\n    from ..senders import y\n"
    names = _imports_of(source, "portal.models")
    assert {"portal.settings.service", "portal.senders.y"} <= names


def test_the_check_sees_the_app_built_or_a_root_imported_inside_a_function():
    source = "def app():\n    from portal import create_app\n    from portal import jobs\n"
    names = _imports_of(source, "portal")
    assert {_root_of(name) for name in names} == {None, "__init__.py", "jobs.py"}
