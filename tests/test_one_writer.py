"""Every file pilot-eval writes goes through ``pilot_eval.atomic`` (issue 10 item 6, issue 11).

Read with ``ast``: no module other than ``atomic.py`` renames files, makes temporary files,
opens a file for writing or copies one, and no module writes a path directly with
``Path.write_bytes``/``write_text`` (one argument: the data) or a library's ``save(path)``.
Writers that fill an in-memory buffer (``workbook.save(buffer)``, ``savefig(buffer)``) are fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("pilot_eval", "estimators", "ui")
WRITER = ROOT / "pilot_eval" / "atomic.py"
ALLOWED_FILES = {
    # developer tool: PNG screenshots of the window and Qt's screen description for them
    "ui/screenshots.py",
    # a lock file must be created with O_EXCL (it is never replaced, only created or deleted)
    "ui/project_lock.py",
}
FORBIDDEN_CALLS = {("os", "replace"), ("os", "rename"), ("tempfile", "mkstemp"),
                   ("tempfile", "NamedTemporaryFile"), ("shutil", "copy"), ("shutil", "copy2"),
                   ("shutil", "copyfile"), ("shutil", "move")}
BUFFER_NAMES = ("buffer", "stream", "io.BytesIO", "BytesIO")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _writing_mode(call: ast.Call) -> bool:
    modes = [a for a in call.args[1:2]] + [k.value for k in call.keywords if k.arg == "mode"]
    return any(isinstance(m, ast.Constant) and isinstance(m.value, str)
               and any(c in m.value for c in "wax+") for m in modes)


def _problems(path: Path) -> list[str]:
    return _problems_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


def _problems_in(source: str, rel: str) -> list[str]:
    tree = ast.parse(source, filename=rel)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        owner, _, attr = name.rpartition(".")
        if isinstance(node.func, ast.Attribute) and not name:  # e.g. Path(p).write_text(...)
            owner, attr, name = "(...)", node.func.attr, f"(...).{node.func.attr}"
        if (owner, attr) in FORBIDDEN_CALLS:
            found.append(f"{rel}:{node.lineno} {name}")
        elif name in ("open", "io.open", "os.fdopen") and _writing_mode(node):
            found.append(f"{rel}:{node.lineno} {name}(..., write mode)")
        elif attr == "open" and owner and _writing_mode(node):
            found.append(f"{rel}:{node.lineno} {name}(write mode)")
        elif attr in ("write_bytes", "write_text") and owner and len(node.args) == 1:
            found.append(f"{rel}:{node.lineno} {name} (a path written directly)")
        elif attr in ("save", "savefig", "to_csv", "to_excel", "to_parquet", "to_stata") \
                and node.args \
                and not _dotted(node.args[0]).endswith(BUFFER_NAMES):
            found.append(f"{rel}:{node.lineno} {name}({_dotted(node.args[0]) or '...'})")
    return found


def test_every_output_goes_through_the_one_writer():
    problems = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != WRITER and path.relative_to(ROOT).as_posix() not in ALLOWED_FILES:
                problems += _problems(path)
    assert problems == [], "write files with pilot_eval.atomic instead:\n" + "\n".join(problems)


def test_the_check_finds_direct_writes():
    sample = ("import os\nfrom pathlib import Path\n"
              "def f(p, book, buffer):\n"
              "    os.replace(p, p)\n    Path(p).write_text('x')\n"
              "    open(p, 'wb')\n    book.save(p)\n"
              "    book.save(buffer)\n    open(p).read()\n    outputs.write_text('a', 'b')\n")
    assert len(_problems_in(sample, "pilot_eval/sample.py")) == 4
