"""`cos graph`: Mermaid text of the real graph, a PNG through Graphviz's `dot` (setup --test installs it), and a clear
error naming how to install `dot` when it is missing."""

import shutil

from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.cli.graph import graph_dot

runner = CliRunner()
NODES = ("route", "assess", "security", "content", "finance", "general", "decide", "escalate", "respond")


def test_graph_prints_mermaid_with_every_node():
    result = runner.invoke(app, ["graph"])
    assert result.exit_code == 0, result.output
    assert "graph TD;" in result.stdout
    assert all(f"\t{node}({node})" in result.stdout for node in NODES)
    assert "decide -.-> escalate;" in result.stdout  # a conditional edge


def test_dot_source_has_every_edge_and_dashes_the_conditional_ones():
    dot = graph_dot()
    assert '"route" -> "assess";' in dot and '"decide" -> "escalate" [style=dashed];' in dot


def test_png_is_drawn_offline_by_dot(tmp_path):
    assert shutil.which("dot"), "scripts/setup.sh --test installs Debian's graphviz"
    picture = tmp_path / "graph.png"
    result = runner.invoke(app, ["graph", "--png", str(picture)])
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_without_dot_exits_2_saying_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["graph", "--png", str(tmp_path / "graph.png")])
    assert result.exit_code == 2 and "apt install graphviz" in result.stderr
    assert not (tmp_path / "graph.png").exists()
