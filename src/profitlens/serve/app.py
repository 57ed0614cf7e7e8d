"""``profitlens serve``: the web application over one output folder.

FastAPI for the routes and the JSON API (contract 5.6), Jinja2 for pages rendered on the
server: every page is plain HTML and inline SVG, works without JavaScript and loads nothing from
another site. Requests are answered from :class:`~.store.OutputStore` (DuckDB, read-only,
parameterised) and :class:`~.customer_list.CustomerList` (the list in memory).

Errors: a bad parameter is a 400 naming what was expected, an unknown page or customer a 404
page, the token rule a 401; anything unexpected is logged on the server and the browser gets a
plain 500 page, never a stack trace.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from . import pages, queries
from .customer_list import BadQuery, CustomerList, ListQuery
from .portfolio import Portfolio
from .security import COOKIE, HEADERS, OPEN_PATHS, authorised
from .store import OutputStore

log = logging.getLogger("profitlens.serve")
HERE = Path(__file__).parent
MAX_FORM = 4096


def create_app(out_dir: Path, token: str | None = None, warm: bool = False) -> FastAPI:
    """The dashboard over ``out_dir``; ``token`` (from :func:`.security.required_token`) is
    asked of every request when given. With ``warm``, the portfolio page and the list's usual
    orders are computed in a background thread right away, not on the first visit.

    Raises
    ------
    ProfitlensError
        When ``out_dir`` is not the output folder of a run.
    """
    store = OutputStore(out_dir)
    customers = CustomerList(store)
    portfolio = Portfolio(store, customers)
    invoices = queries.OpenInvoices(store)
    if warm:
        threading.Thread(target=_warm, args=(portfolio, customers), daemon=True).start()
    view = pages.Pages(store, customers, HERE / "templates")
    app = FastAPI(title="profitlens", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if (
            token is not None
            and not path.startswith(OPEN_PATHS)
            and not authorised(
                token, request.headers.get("authorization"), request.cookies.get(COOKIE)
            )
        ):
            response = (
                JSONResponse(
                    {"error": "a token is needed: send 'Authorization: Bearer TOKEN'"}, 401
                )
                if _wants_json(request)
                else view.render(request, "login.html", {"failed": False}, 401)
            )
            response.headers["WWW-Authenticate"] = "Bearer"
        else:
            response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return _error(view, request, exc.status_code, str(exc.detail))

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery):
        return _error(view, request, 400, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("error serving %s", request.url.path)
        return _error(
            view,
            request,
            500,
            "Something went wrong on the server; it is logged there. The data was not changed.",
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        return view.render(request, "portfolio.html", {"p": portfolio.content()})

    @app.get("/customers", response_class=HTMLResponse)
    def customer_list(request: Request):
        query = list_query(request)
        total, rows = customers.page(query)
        return view.render(
            request, "customers.html", view.list_context(request, query, total, rows)
        )

    @app.get("/customers.csv")
    def customer_csv(request: Request):
        chunks = customers.csv(list_query(request, limit=1))
        return StreamingResponse(
            chunks,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
        )

    @app.get("/customers/{customer_id:path}", response_class=HTMLResponse)
    def customer_page(request: Request, customer_id: str):
        found = queries.customer_page(store, customers, invoices, customer_id)
        if found is None:
            raise HTTPException(404, f"No customer {customer_id[:80]!r} in this run.")
        return view.render(request, "customer.html", view.customer_context(found))

    @app.get("/prospects", response_class=HTMLResponse)
    def prospects(request: Request):
        found = queries.table_page(
            store, "prospect_scores", "expected_return DESC, prospect_id", _offset(request)
        )
        return view.render(
            request,
            "table.html",
            view.table_context(request, "Prospects", found, "prospect_scores", "prospects"),
        )

    @app.get("/quality", response_class=HTMLResponse)
    def quality(request: Request):
        found = queries.table_page(
            store, "quarantine", '"table", "row", "column", reason', _offset(request)
        )
        return view.render(
            request,
            "table.html",
            view.table_context(request, "Data quality", found, "quarantine", "quality"),
        )

    @app.get("/api/customers")
    def api_customers(request: Request):
        total, rows = customers.page(list_query(request))
        return JSONResponse({"total": total, "rows": rows})

    @app.get("/api/customers/{customer_id:path}")
    def api_customer(customer_id: str):
        found = queries.customer_api(store, customers, customer_id)
        if found is None:
            raise HTTPException(404, "unknown customer")
        return JSONResponse(found)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return view.render(request, "login.html", {"failed": False})

    @app.post("/login")
    async def login(request: Request):
        body = await request.body()
        if len(body) > MAX_FORM:
            raise BadQuery("the login form holds one token")
        given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
        if token is not None and not authorised(token, None, given):
            return view.render(request, "login.html", {"failed": True}, 401)
        response = RedirectResponse("/", status_code=303)
        if token is not None:
            response.set_cookie(COOKIE, given, httponly=True, samesite="strict")
        return response

    app.state.store, app.state.customers = store, customers
    return app


def _warm(portfolio: Portfolio, customers: CustomerList) -> None:
    """Compute what the first visits ask for: the portfolio page and the list by rank and by
    profit. A failure here is left for the visit itself to meet and report."""
    try:
        for sort, order in (("rank", "asc"), ("profit", "desc"), ("profit", "asc")):
            customers.order(sort, order)
        portfolio.content()
    except Exception:  # noqa: BLE001 - logged; the page's own request will show the error
        log.exception("warming the dashboard")


def list_query(request: Request, limit: int | None = None) -> ListQuery:
    """The customer-list parameters of a request (raises BadQuery for bad ones)."""
    params = request.query_params
    return ListQuery(
        sort=params.get("sort") or "rank",
        order=params.get("order") or "asc",
        limit=limit or _integer(params.get("limit"), 50, "limit"),
        offset=_integer(params.get("offset"), 0, "offset"),
        q=params.get("q", "").strip(),
        values={
            name: params.get(name, "")
            for name in ("segment", "status", "recommendation", "quadrant")
        },
        loss_makers=params.get("loss") in ("1", "true", "on"),
        liabilities=params.get("liability") in ("1", "true", "on"),
    )


def _integer(text: str | None, default: int, name: str) -> int:
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise BadQuery(f"{name} must be a whole number (0 or more)")
    return int(text)


def _offset(request: Request) -> int:
    return _integer(request.query_params.get("offset"), 0, "offset")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(view: pages.Pages, request: Request, status: int, message: str):
    if _wants_json(request):
        return JSONResponse({"error": message}, status)
    titles = {400: "Bad request", 401: "Token needed", 404: "Not found"}
    return view.render(
        request,
        "error.html",
        {"status": status, "message": message, "title": titles.get(status, "Server error")},
        status,
    )
