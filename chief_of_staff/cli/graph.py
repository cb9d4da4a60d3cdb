"""`cos graph`: the Chief of Staff graph as Mermaid text (LangGraph's own drawing), or as a PNG picture drawn
offline by Graphviz's `dot` when it is installed. No model is loaded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from chief_of_staff.cli.common import out, user_errors
from chief_of_staff.errors import MissingProgramError
from chief_of_staff.graph import build_graph


def graph_dot() -> str:
    """The graph in Graphviz's DOT language: LangGraph draws PNGs only through pygraphviz or a web service, and
    neither is offline and light, so the few lines of DOT are ours. Conditional edges are dashed."""
    drawing = build_graph().get_graph()
    lines = ["digraph chief_of_staff {", "  rankdir=TB;", '  node [shape=box, style="rounded,filled", '
             'fillcolor="#f2f0ff", fontname="Helvetica"];']
    lines += [f'  "{node.id}";' for node in drawing.nodes.values()]
    lines += [f'  "{edge.source}" -> "{edge.target}"{" [style=dashed]" if edge.conditional else ""};'
              for edge in drawing.edges]
    return "\n".join([*lines, "}"]) + "\n"


@user_errors
def graph(
    png: Annotated[Path | None, typer.Option("--png", help="Write a PNG picture here (needs Graphviz's `dot`).",
                                             dir_okay=False)] = None,
) -> None:
    """Print the graph as Mermaid (paste it into any Mermaid viewer), or write it as a PNG with --png."""
    if png is None:
        print(build_graph().get_graph().draw_mermaid(), end="")  # plain: rich would turn its tabs into spaces
        return
    dot = shutil.which("dot")
    if dot is None:
        raise MissingProgramError("no offline renderer: --png needs Graphviz's `dot` (Debian/Ubuntu: `sudo apt install "
                         "graphviz`; macOS: `brew install graphviz`); `cos graph` alone prints Mermaid text")
    try:
        subprocess.run([dot, "-Tpng", "-o", str(png)], input=graph_dot(), text=True, check=True,
                       capture_output=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        raise MissingProgramError(f"dot could not write {png}: {exc.stderr.strip() or exc}") from None
    out.print(f"wrote {png}")
