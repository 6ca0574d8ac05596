"""The import graph of the project's own modules, and its cycles: `python -m tools.import_graph`.

Every import between the project's modules counts, at the top of a module or inside a function
(an import inside a function only hides a cycle), with two exceptions: imports for type checkers
only (`if TYPE_CHECKING:`), and the Celery tasks, which import the service they run inside the
task body on purpose, so that the services that queue a task can import it.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shoppe", "support", "rag")
TASK_MODULES = {"support.tasks"}


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
            if "migrations" not in p.parts}


def _type_checking_only(tree: ast.Module) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            hidden.update(id(child) for statement in node.body for child in ast.walk(statement))
    return hidden


def import_graph() -> dict[str, set[str]]:
    """Which project modules each project module imports."""
    modules = _modules()

    def owner(dotted: str) -> str | None:  # "support.services.replies.reply_stream" -> the module
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        hidden = _type_checking_only(tree)
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if id(node) in hidden or (name in TASK_MODULES and id(node) not in top_level):
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                imported = owner(target)
                # A package's own modules may import from the package (its __init__) and the reverse.
                if imported and imported != name and not name.startswith(imported + ".") \
                        and not imported.startswith(name + "."):
                    graph[name].add(imported)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan), as the path that closes it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found



if __name__ == "__main__":
    graph = import_graph()
    print(json.dumps({"cycles": cycles(graph), "graph": {name: sorted(imported) for name, imported in graph.items()}}))
