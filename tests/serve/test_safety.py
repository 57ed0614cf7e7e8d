"""Safe by default: loopback, the token, read-only data, hostile input, no stack trace."""

from __future__ import annotations

import socket
from urllib.parse import quote

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from profitlens.errors import ProfitlensError
from profitlens.serve import app as app_module
from profitlens.serve import create_app, required_token
from profitlens.serve.store import OutputStore

HOSTILE = [
    "' OR 1=1 --",
    "A' UNION SELECT * FROM customer_pnl --",
    "A; DROP TABLE customer_summary",
    "x" * 60_000,
    "\x00",
    "A\x00B",
    "../../etc/passwd",
    "..%2F..%2Frun_info.json",
    "%00",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "\u202e\ufeff",
    "-1",
    "1e309",
    "NaN",
    "profit desc, (SELECT 1)",
    "rank; PRAGMA version",
    "*",
]
LIST_PARAMS = [
    "sort",
    "order",
    "limit",
    "offset",
    "q",
    "segment",
    "status",
    "recommendation",
    "quadrant",
    "loss",
    "liability",
]
REAL_IDS = {"A", "B", "C"}


@pytest.mark.parametrize("param", LIST_PARAMS)
def test_hostile_list_parameters_give_4xx_or_real_rows(client, param):
    for value in HOSTILE:
        for path in ("/api/customers", "/customers", "/customers.csv"):
            response = client.get(path, params={param: value})
            assert response.status_code in (200, 400), (path, param, value[:40])
            if path == "/api/customers" and response.status_code == 200:
                rows = response.json()["rows"]
                assert {r["customer_id"] for r in rows} <= REAL_IDS
                assert all(set(r) == set(rows[0]) for r in rows)  # summary rows only
    assert client.get("/api/customers").json()["total"] == 3  # still serving, same data


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_customer_ids_are_404(client, value):
    for prefix in ("/api/customers/", "/customers/"):
        response = client.get(prefix + quote(value, safe="/."))
        assert response.status_code == 404, (prefix, value[:40])
        assert "<script>" not in response.text


def test_hostile_offsets_of_the_table_pages(client):
    for path in ("/prospects", "/quality"):
        for value in HOSTILE:
            assert client.get(path, params={"offset": value}).status_code in (200, 400)


def test_unknown_page_is_a_clear_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.text and 'href="/customers"' in response.text


def test_the_database_is_read_only(tiny_out):
    store = OutputStore(tiny_out)
    with pytest.raises(duckdb.Error):
        store.arrow("CREATE TABLE spoil (a INTEGER)")
    with pytest.raises(duckdb.Error):
        store.arrow("DELETE FROM customer_summary")
    assert store.arrow("SELECT count(*) FROM customer_summary").column(0)[0].as_py() == 3
    store.close()


def test_an_unexpected_error_shows_no_stack_trace(tiny_out, monkeypatch):
    def broken(*args):
        raise RuntimeError("secret internal detail at /srv/data")

    monkeypatch.setattr(app_module.queries, "customer_page", broken)
    client = TestClient(create_app(tiny_out), raise_server_exceptions=False)
    response = client.get("/customers/A")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "secret" not in response.text
    assert "Something went wrong" in response.text
    assert client.get("/api/customers/A").status_code == 200  # the API is unaffected


def test_security_headers_on_every_response(client):
    for path in ("/", "/api/customers", "/nope"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_token(host):
    assert required_token(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_any_other_address_refuses_to_start_without_a_token(host):
    with pytest.raises(ProfitlensError, match="PROFITLENS_TOKEN"):
        required_token(host, None)
    assert required_token(host, "t0ken") == "t0ken"


def test_with_a_token_every_request_needs_it(tiny_out):
    client = TestClient(create_app(tiny_out, token="s3cret"), raise_server_exceptions=False)
    for path in (
        "/",
        "/customers",
        "/customers/A",
        "/api/customers",
        "/api/customers/A",
        "/customers.csv",
        "/nope",
    ):
        assert client.get(path).status_code == 401, path
        wrong = client.get(path, headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 401, path
    assert client.get("/api/customers").headers["www-authenticate"] == "Bearer"
    ok = client.get("/api/customers/A", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["summary"]["customer_id"] == "A"


def test_a_browser_logs_in_once_with_the_token(tiny_out):
    client = TestClient(create_app(tiny_out, token="s3cret"), raise_server_exceptions=False)
    assert client.post("/login", data={"token": "nope"}).status_code == 401
    assert client.get("/customers").status_code == 401
    assert client.post("/login", data={"token": "s3cret"}).status_code == 200  # redirected
    assert client.get("/customers").status_code == 200


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(ProfitlensError, match="not a folder"):
        create_app(tmp_path / "missing")
    with pytest.raises(ProfitlensError, match="customer_summary"):
        create_app(tmp_path)


def test_a_huge_request_does_not_stop_the_real_server(live_server):
    host, port = live_server.removeprefix("http://").split(":")
    reply = b""
    with socket.create_connection((host, int(port)), timeout=30) as s:
        try:
            s.sendall(b"GET /customers?q=" + b"x" * 1_000_000 + b"%00 HTTP/1.1\r\nHost: a\r\n\r\n")
            reply = s.recv(64)
        except OSError:  # the server may close the connection while we send
            pass
    assert reply == b"" or reply.startswith((b"HTTP/1.1 4", b"HTTP/1.1 200"))
    assert not reply.startswith(b"HTTP/1.1 5")
    assert httpx.get(live_server + "/api/customers").json()["total"] == 3
