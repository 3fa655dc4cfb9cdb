"""Where in a TOML file a problem's key path is written, so a message can name the line."""

from __future__ import annotations

import re

__all__ = ["at_line"]


def at_line(text: str, source: str, problem_line: str) -> str:
    """`source, line N: problem`, where N is where the problem's key path is written (the
    table header or the key), so a researcher can go straight to it; without a line if the
    key is missing from the file."""
    path, _, _message = problem_line.partition(": ")
    found = _line_of(text.splitlines(), path) if _message else None
    return f"{source}, line {found}: {problem_line}" if found else f"{source}: {problem_line}"


def _line_of(lines: list[str], path: str) -> int | None:
    start, table, found = 0, "", None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if found is not None and lines[found - 1].rstrip().endswith("= ["):
                element = _inline_element(lines, found, index)  # options = [ {…}, {…} ]
                if element is not None:
                    start, found = element, element + 1
                continue
            headers = [n for n, line in enumerate(lines) if line.strip() == f"[[{table}]]"]
            if index >= len(headers):
                return found
            start = headers[index]
            found = start + 1
            continue
        table = f"{table}.{part}" if table and not found else part
        for n in range(start, len(lines)):
            stripped = lines[n].strip()
            if n > start and stripped.startswith("[") and found is not None:
                break
            if re.match(rf"{re.escape(part)}\s*=", stripped) or stripped in (
                f"[{table}]",
                f"[[{table}]]",
            ):
                start, found = n, n + 1
                break
    return found


def _inline_element(lines: list[str], after: int, index: int) -> int | None:
    """The line (0-based) of element `index` of a multi-line array opened on line `after`."""
    elements = []
    for n in range(after, len(lines)):
        stripped = lines[n].strip()
        if stripped.startswith("]"):
            break
        if stripped.startswith("{"):
            elements.append(n)
    return elements[index] if index < len(elements) else None
