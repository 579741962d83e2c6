"""The simulator judges the portal's SMSAPI code, so it must not borrow any of it."""

import ast
from pathlib import Path

import portal.simulator

SIMULATOR = Path(portal.simulator.__file__).parent


def _imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            modules.append("portal.simulator")  # relative: inside the package
    return modules


def test_no_simulator_module_imports_the_portal():
    borrowed = {
        f"{path.name}: {module}"
        for path in SIMULATOR.rglob("*.py")
        for module in _imported_modules(path)
        if (module == "portal" or module.startswith("portal."))
        and not (module == "portal.simulator" or module.startswith("portal.simulator."))
    }

    assert borrowed == set()


def test_the_import_check_sees_a_borrowed_module(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from portal.sms.segments import analyze\nimport portal.models\n")

    assert _imported_modules(sample) == ["portal.sms.segments", "portal.models"]
