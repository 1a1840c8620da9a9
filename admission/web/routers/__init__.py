"""The site's parts, one router each; ``create_app`` includes them in this order."""

from __future__ import annotations

from fastapi import APIRouter

from admission.web.routers import accounts, api, ledger_book, meetings, projects, reports, screening, site, supervision

ROUTERS: tuple[APIRouter, ...] = (
    site.router,
    accounts.router,
    screening.router,
    ledger_book.router,
    projects.router,
    meetings.router,
    reports.router,
    supervision.router,
    api.router,
    supervision.api,
)
