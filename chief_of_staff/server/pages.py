"""The departments and costs pages: what is installed (with each adapter and every plugin that failed to load),
and what the cloud cost, against budget and against sending everything to Sonnet."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chief_of_staff.escalation.escalate import threshold_for
from chief_of_staff.escalation.ledger import Ledger
from chief_of_staff.escalation.policy import Tier
from chief_of_staff.server.cost_chart import spend_chart_svg
from chief_of_staff.server.templating import render
from chief_of_staff.tinylora.store import AdapterStore, adapter_summary

router = APIRouter()


@router.get("/departments", response_class=HTMLResponse)
def departments_page(request: Request) -> HTMLResponse:
    session = request.app.state.shared.session
    store = AdapterStore.for_settings(session.settings)
    rows = [{
        "name": d.name,
        "description": d.manifest.description,
        "source": d.source,
        "folder": str(d.folder),
        "examples": len(d.manifest.examples),
        "tiers": sorted(d.manifest.tiers.allowed_tiers),
        "always_local": d.manifest.tiers.always_local,
        "threshold": threshold_for(session.context.escalation, d),
        "adapter": adapter_summary(store, d),
    } for d in session.registry.departments.values()]
    from chief_of_staff.models.catalogue import catalogue_rows, measured_scores

    models = catalogue_rows(session.settings)
    measured = sorted({d for m in models for d in m["scores"].get("departments", {})})
    return render(request, "departments.html", departments=rows, broken=session.registry.broken, models=models,
                  measured_departments=measured, measured_by=measured_scores())


@router.get("/costs", response_class=HTMLResponse)
def costs_page(request: Request, days: int = Query(30, ge=1, le=366)) -> HTMLResponse:
    session = request.app.state.shared.session
    escalation = session.context.escalation
    ledger = escalation.ledger if escalation and escalation.ledger else Ledger(session.settings.ledger_store,
                                                                                  session.settings.budgets)
    summary = ledger.summary(days=days)
    return render(request, "costs.html", summary=summary, days=days, chart_svg=spend_chart_svg(summary["by_day"]),
                  tier_names={int(t): f"{int(t)} · {t.label}" for t in Tier})
