"""`cos departments list|show|new`: the department plugins, broken ones with their file and fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chief_of_staff.cli.common import out, user_errors
from chief_of_staff.plugins.discovery import discover_departments, load_department
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.plugins.scaffold import scaffold_department
from chief_of_staff.settings import load_settings

departments_app = typer.Typer(no_args_is_help=True)


def _summary(d: Department) -> dict:
    return {
        "name": d.name,
        "description": d.manifest.description,
        "source": d.source,
        "folder": str(d.folder),
        "examples": len(d.manifest.examples),
        "fallback": d.manifest.fallback,
        "always_local": d.manifest.tiers.always_local,
        "adapter": d.manifest.adapter.path if d.manifest.adapter else None,
        "hooks": sorted(d.hooks),
    }


@departments_app.command("list", help="Every department found, and every plugin that failed to load.")
@user_errors
def list_departments(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    registry = discover_departments(load_settings())
    if json_output:
        print(json.dumps({
            "departments": [_summary(d) for d in registry.departments.values()],
            "broken": [vars(b) for b in registry.broken],
        }, indent=2))
        return
    table = Table(box=None, pad_edge=False)
    table.add_column("department", no_wrap=True, min_width=10)
    table.add_column("source", no_wrap=True, min_width=7)
    table.add_column("examples", justify="right", min_width=8)
    table.add_column("description", no_wrap=True, overflow="ellipsis", max_width=50)
    for d in registry.departments.values():
        table.add_row(f"[bold]{d.name}[/]", d.source, str(len(d.manifest.examples)), d.manifest.description)
    out.print(table)
    for b in registry.broken:
        out.print(f"\n[bold red]broken[/] ({b.source}) {b.path}\n  {b.error}\n  [green]fix:[/] {b.fix}")


@departments_app.command("show", help="One department's manifest, prompt and hooks.")
@user_errors
def show(name: str, json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    d = discover_departments(load_settings()).require(name)
    details = {**_summary(d), "keywords": d.manifest.keywords, "tiers": d.manifest.tiers.model_dump(),
               "routing_examples": d.manifest.examples, "system_prompt": d.system_prompt,
               "style": d.manifest.style.model_dump(exclude_defaults=True) if d.manifest.style else None}
    if json_output:
        print(json.dumps(details, indent=2))
        return
    out.print(f"[bold]{d.name}[/] — {d.manifest.description}\n[dim]{d.folder} ({d.source})[/]\n")
    out.print(f"[bold]tiers[/] {d.manifest.tiers.model_dump()}")
    out.print(f"[bold]hooks[/] {', '.join(sorted(d.hooks)) or 'none'}")
    if d.manifest.style:
        from chief_of_staff.style.checks import rules_in_words  # loads the emoji and spelling data

        out.print(f"[bold]house style[/]\n{rules_in_words(d.manifest.style)}")
    out.print(f"[bold]keywords[/] {', '.join(d.manifest.keywords)}")
    out.print(f"[bold]routing examples[/] ({len(d.manifest.examples)})")
    for example in d.manifest.examples[:5]:
        out.print(f"  • {example}")
    out.print(f"\n[bold]system prompt[/]\n{d.system_prompt}")


@departments_app.command("new", help="Create ./departments/NAME: a working department to edit.")
@user_errors
def new(
    name: str,
    description: Annotated[str | None, typer.Option(help="One sentence: what it handles.")] = None,
) -> None:
    folder = scaffold_department(name, Path.cwd() / "departments", description)
    load_department(folder, "cwd")  # proves the scaffold loads before the user edits it
    out.print(f"created {folder}/ (department.toml, prompt.md, tasks.jsonl, rewards.py)")
    out.print(f"next: edit its examples, then try `cos route \"I have a {name} question\"`")
