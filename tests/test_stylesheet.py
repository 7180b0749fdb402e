"""The stylesheet's blocks close where they open. A merge once left two selector lines one after the
other, and the browser read every rule after them as nested inside the first: the whole page lost its
look while each rule still sat in the file."""

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "css" / "forum.css"


def unbalanced_lines(css: str) -> list[int]:
    """Line numbers where a top-level rule starts inside an open block, or a block closes twice."""
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), css, flags=re.S)
    css = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", '""', css)
    problems, depth, in_at_rule = [], 0, []
    for number, line in enumerate(css.split("\n"), 1):
        starts_rule = bool(re.match(r"[.#a-zA-Z:\[*@]", line))  # written at the start of a line
        if starts_rule and depth and not in_at_rule[-1]:
            problems.append(number)
        for char in line:
            if char == "{":
                in_at_rule.append(line.lstrip().startswith("@") and depth == len(in_at_rule))
                depth += 1
            elif char == "}":
                depth -= 1
                if depth < 0:
                    problems.append(number)
                    depth = 0
                else:
                    in_at_rule.pop()
    if depth:
        problems.append(number)
    return problems


def test_every_block_of_the_stylesheet_closes():
    assert unbalanced_lines(STYLESHEET.read_text()) == []


def test_the_check_catches_a_doubled_selector_line():
    doubled = "a, b {\na, c {\n  color: red;\n}\n.d { color: blue; }\n"
    assert unbalanced_lines(doubled) != []
    assert unbalanced_lines("a, b,\nc { color: red; }\n@media (min-width: 1px) {\n  .d { color: blue; }\n}\n") == []
