"""The layout's promises, checked on the source: imports point one way and never loop, and no code uses
a private (underscore) name of another package."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "model", "training")
SCANNED = (*PACKAGES, "bench", "tests")

# Who may import whom, by folder. Each entry: a module prefix and the prefixes it must never import.
# Records and the store sit at the bottom, domain folders above them, views above those, app and CLI
# on top; the model knows nothing of the service, and training reads the store only through its
# public entry `service.store`.
ABOVE_DOMAIN = ("service.views", "service.app", "service.cli", "service.services")
DOMAIN = ("service.intake", "service.moderation", "service.privacy", "service.sites", "service.scoring")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "service.runtime": (*DOMAIN, *ABOVE_DOMAIN, "service.store", "service.http"),
    "service.http": (*DOMAIN, *ABOVE_DOMAIN, "service.store"),
    "service.store": (*DOMAIN, *ABOVE_DOMAIN),
    **{domain: ABOVE_DOMAIN for domain in DOMAIN},
    "service.views": ("service.app", "service.cli"),
    "model": ("service", "training"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(folders: tuple[str, ...]) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every module of ours that importing `path` runs, parent packages included (Python runs a package's
    `__init__` before any module inside it), wherever the import statement sits."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    # The packages holding `path` have run before it does: importing a sibling runs them again only
    # when one of them is the import's own target (`from service.store import open_store`).
    holders = {".".join(this.split(".")[:end]) for end in range(1, len(this.split(".")))}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                candidate = ".".join(parts[:end])
                if candidate in known and candidate != this and (candidate not in holders or candidate == name):
                    found.add(candidate)
    return found


def import_graph() -> dict[str, set[str]]:
    files = list(source_files(PACKAGES))
    known = {module_name(f) for f in files}
    return {module_name(f): imported_modules(f, known) for f in files}


def test_no_module_imports_itself_through_a_loop() -> None:
    graph = import_graph()
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
    assert set(order) >= set(graph)


def test_imports_point_one_way() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for prefix, banned in FORBIDDEN.items()
        if module == prefix or module.startswith(prefix + ".")
        for target in targets
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert wrong == []


def test_training_reads_the_service_only_through_its_public_entries() -> None:
    allowed = {"service", "service.store", "service.settings", "service.privacy", "service.privacy.email_vault"}
    wrong = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if module.startswith("training")
        for target in targets
        if target.startswith("service") and target not in allowed
    ]
    assert wrong == []


def own_private_names() -> set[str]:
    """Underscore names our own code defines: functions, classes, variables and attributes."""
    names: set[str] = set()
    for path in source_files(SCANNED):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
                names.update(a.arg for a in [*node.args.args, *node.args.kwonlyargs])
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_name_of_another_package_is_used() -> None:
    ours = own_private_names()
    used: list[str] = []
    for path in source_files(SCANNED):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and not (node.module or "").startswith(PACKAGES) and not node.level:
                used += [f"{where}: from {node.module} import {a.name}" for a in node.names if is_private(a.name)]
                if any(is_private(part) for part in (node.module or "").split(".")):
                    used.append(f"{where}: from {node.module}")
            elif isinstance(node, ast.Import):
                used += [f"{where}: import {a.name}" for a in node.names if any(map(is_private, a.name.split(".")))]
            elif isinstance(node, ast.Attribute) and is_private(node.attr) and node.attr not in ours:
                used.append(f"{where}:{node.lineno}: .{node.attr}")
    assert used == []
