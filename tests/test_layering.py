"""No module imports from a layer above it: `portal.sms` needs nothing of the portal outside itself,
and the shared modules below the areas never import an area's package (imports inside functions
count too)."""

import ast
from pathlib import Path

import pytest

from portal import PROJECT_ROOT

PORTAL = PROJECT_ROOT / "portal"
#: The feature areas: blueprints with their views, forms and services.
AREAS = ("auth", "users", "campaigns", "contacts", "senders", "settings", "callbacks", "delivery",
         "main", "errors")
#: The modules every area builds on.
SHARED = ("config.py", "extensions.py", "tenancy.py", "queue.py", "smsapi_account.py", "audit.py",
          "templating.py", "token_vault.py", "embedded_redis.py", "models")


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


@pytest.mark.parametrize("path", _modules(*SHARED), ids=lambda path: str(path.relative_to(PORTAL)))
def test_shared_modules_never_import_an_area(path: Path):
    parts = [name.split(".") for name in _imported(path)]
    areas = {".".join(part) for part in parts if part[0] == "portal" and len(part) > 1 and part[1] in AREAS}
    assert areas == set()


def test_the_check_sees_imports_inside_functions_and_relative_ones():
    source = "def banner():\n    from portal.settings.service import x\n    from ..senders import y\n"
    names = _imports_of(source, "portal.models")
    assert {"portal.settings.service", "portal.senders.y"} <= names
