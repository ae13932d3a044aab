"""The investigator page (public HTML and scripts; every data call it makes needs a key)."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from graph_service.services.graphview import page_vocabulary

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(tags=["page / 页面"])


@cache
def _index() -> str:
    """The page with the catalogue's actions and the roles' names filled in."""
    vocab = html.escape(json.dumps(page_vocabulary(), ensure_ascii=False), quote=True)
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace("__VOCABULARY__", vocab)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request) -> HTMLResponse:
    """The investigator page."""
    limit = request.app.state.settings.graph_neighbour_limit
    html = _index().replace("__NEIGHBOUR_LIMIT__", str(int(limit)))
    return HTMLResponse(
        html,
        headers={
            # everything comes from this service: no CDN, no inline handlers needed
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
