"""CSV and FIX exports through HTTP: RFC 4180 read back, formulas neutralised, FIX framing
checked by hand and orders parsed back with simplefix."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import simplefix

from api.exports.orders import plain
from tests.api.conftest import error_of, ok_data
from tests.utils.fix_messages import fields, verify_framing

BASE = "/api/v1/modeling/sessions"


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    return list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))


def session_with_trades(env) -> tuple[str, dict, list[dict]]:
    headers = env.headers("demo_user_1")
    sid = ok_data(env.client.post(BASE, headers=headers), 201)["id"]
    positions = ok_data(env.get(f"{BASE}/{sid}/risk?positions=all"))["positions"]
    stock = next(p for p in positions if p["strike"] is None and p["quantity"]["current"] > 0)
    trades = [{"position_id": stock["position_id"],
               "quantity": -(stock["quantity"]["current"] + 10), "price": 101.237},
              {"symbol": "AAPL261218C00260000", "quantity": 3, "price": 4.5}]
    ok_data(env.client.post(f"{BASE}/{sid}/trades", json={"trades": trades}, headers=headers),
            201)
    return sid, stock, trades


def orders_of(raw: bytes) -> list[dict[int, bytes]]:
    """Order entries of D messages, or of the NoOrders group of an E message."""
    parser = simplefix.FixParser()
    parser.append_buffer(raw)
    messages = []
    while (message := parser.get_message()) is not None:
        messages.append(message)
    entries = []
    for message in messages:
        body = [(int(tag), value) for tag, value in message.pairs][3:-1]
        starts = [i for i, (tag, _) in enumerate(body) if tag == 11]
        entries += [dict(body[a:b]) for a, b in zip(starts, [*starts[1:], len(body)],
                                                    strict=True)]
    return entries


def test_fix_export_round_trip(env):
    sid, stock, _ = session_with_trades(env)
    response = env.get(f"{BASE}/{sid}/export?format=fix&order_type=limit")
    assert response.status_code == 200
    raw = response.content
    entries = orders_of(raw)
    held = Decimal(repr(stock["quantity"]["current"]))
    expected = [(stock["symbol"], b"2", plain(held).encode(), b"101.24", None),
                (stock["symbol"], b"5", b"10", b"101.24", None),
                ("AAPL", b"1", b"3", b"4.5", b"O")]
    got = [(e[55].decode(), e[54], e[38], e[44], e.get(77)) for e in entries]
    assert got == expected
    assert entries[2][201] == b"1"
    assert entries[2][202] == b"260"
    assert entries[2][541] == b"20261218"
    assert entries[2][311] == b"AAPL"
    assert int(response.headers["x-order-count"]) == 3
    starts = [i for i in range(len(raw)) if raw.startswith(b"8=FIX.4.4\x01", i)]
    for a, b in zip(starts, [*starts[1:], len(raw)], strict=True):
        verify_framing(raw[a:b])
        pairs = dict(fields(raw[a:b]))
        assert (pairs[49], pairs[56], pairs[35]) == (b"SIGMASIGHT", b"BROKER", b"D")

    listed = env.get(f"{BASE}/{sid}/export?format=fix&message=list").content
    verify_framing(listed)
    assert dict(fields(listed))[35] == b"E"
    assert [(e[55].decode(), e[54], e[38], e.get(44)) for e in orders_of(listed)] == [
        (symbol, side, quantity, None) for symbol, side, quantity, _, _ in expected]


def test_trade_list_csv(env):
    sid, stock, trades = session_with_trades(env)
    rows = read_csv(env.get(f"{BASE}/{sid}/export?format=csv"))
    assert [r["symbol"] for r in rows] == [stock["symbol"], "AAPL261218C00260000"]
    assert Decimal(rows[0]["quantity"]) == Decimal(repr(trades[0]["quantity"]))
    assert rows[1]["quantity"] == "3"
    assert rows[1]["price"] == "4.5"
    assert rows[0]["position_id"] == str(stock["position_id"])
    assert rows[1]["position_id"] == ""
    error_of(env.get(f"{BASE}/{sid}/export?format=xml"), 422)


def test_positions_export_neutralises_a_formula_tag(env):
    user = env.users["demo_user_1"]
    position = env.rows("select id from app.positions where portfolio_id = :p order by id "
                        "limit 1", {"p": env.portfolios["demo_user_1"]})[0]["id"]
    name = '=HYPERLINK("http://evil.example","x")'  # stored before the tag rule existed
    with env.warehouse.connect() as conn:
        conn.execute("insert into app.tags (id, user_id, name, color) values "
                     "(990001, :u, :n, '#000000')", {"u": user, "n": name})
        conn.execute("insert into app.position_tags (position_id, tag_id) values (:p, 990001)",
                     {"p": position})
    try:
        rows = read_csv(env.get("/api/v1/positions/export?format=csv"))
    finally:
        with env.warehouse.connect() as conn:
            conn.execute("delete from app.position_tags where tag_id = 990001")
            conn.execute("delete from app.tags where id = 990001")
    row = next(r for r in rows if r["position_id"] == str(position))
    assert row["tags"].startswith("'=HYPERLINK(\"http://evil.example\",\"x\")")
    json_rows = ok_data(env.get("/api/v1/positions?limit=500"))["items"]
    assert len(rows) == len(json_rows)


def test_risk_exports_equal_the_json_reports(env):
    greeks = ok_data(env.get("/api/v1/risk/greeks"))["positions"]
    rows = read_csv(env.get("/api/v1/risk/greeks/export"))
    assert [int(r["position_id"]) for r in rows] == [g["position_id"] for g in greeks]
    for row, greek in zip(rows, greeks, strict=True):
        for name in ("delta", "gamma", "vega", "dollar_delta"):
            assert (float(row[name]) if row[name] else None) == greek[name]
    factors = ok_data(env.get("/api/v1/risk/factors"))["positions"]
    assert len(read_csv(env.get("/api/v1/risk/factors/export"))) == len(factors)
    metrics = ok_data(env.get("/api/v1/risk/metrics"))
    components = read_csv(env.get("/api/v1/risk/metrics/export"))
    position_rows = [float(r["component_var"]) for r in components
                     if r["component_level"] == "position" and r["component_var"]]
    assert abs(sum(position_rows) - metrics["metrics"]["parametric_var_95"]) < 1e-6
    snapshots = ok_data(env.get("/api/v1/portfolio/snapshots"))["snapshots"]
    exported = read_csv(env.get("/api/v1/portfolio/snapshots/export"))
    assert [r["snapshot_date"] for r in exported] == [s["snapshot_date"] for s in snapshots]


def test_exports_are_per_user(env):
    other = env.headers("demo_user_2")
    mine = read_csv(env.get("/api/v1/positions/export"))
    theirs = read_csv(env.client.get("/api/v1/positions/export", headers=other))
    assert {r["position_id"] for r in mine}.isdisjoint({r["position_id"] for r in theirs})
    error_of(env.client.get(f"/api/v1/positions/export?portfolio_id="
                            f"{env.portfolios['demo_user_1']}", headers=other), 404)
