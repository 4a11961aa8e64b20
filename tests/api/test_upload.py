"""POST /portfolio/upload: all-or-nothing validation, size limits, equity, 202 + run id.

The successful upload through the real backfill is exercised by the ``env`` build
(tests/api/conftest.py) and checked in ``test_upload_through_the_api_built_the_book``.
"""

from __future__ import annotations

from tests.api.conftest import AS_OF, DEMO_DATA, error_of, ok_data

UPLOAD = "/api/v1/portfolio/upload"
BAD_CSV = (
    b"ticker,quantity,entry_price,entry_date,tags\n"
    b"AAPL,100,150,2026-01-05,tech\n"
    b"MSFT,abc,300,2026-01-05,\n"          # row 2: quantity not a number
    b"GOOG,10,-5,2099-01-01,\n"            # row 3: negative price, future date
    b"AAPL,100,150,2026-01-05,\n"          # row 4: duplicate of row 1
    b"AAPL240119X00150000,1,2,2024-01-02,=cmd\n"  # row 5: bad OCC, formula tag
)


def _counts(env) -> dict[str, int]:
    return {table: env.rows(f"select count(*) as n from {table}")[0]["n"]
            for table in ("app.positions", "raw.position_uploads", "app.batch_runs",
                          "app.position_tags")}


def test_invalid_csv_is_422_with_every_problem_and_writes_nothing(fresh_env):
    env = fresh_env
    before = _counts(env)
    response = env.client.post(UPLOAD, headers=env.headers("demo_user_1"),
                               files={"file": ("bad.csv", BAD_CSV, "text/csv")})
    error = error_of(response, 422, "invalid_csv")
    problems = {(p["row"], p["column"]) for p in error["details"]}
    assert {(2, "quantity"), (3, "entry_price"), (3, "entry_date"), (4, "ticker"),
            (5, "ticker"), (5, "tags")} <= problems
    assert all(set(p) == {"row", "column", "message"} for p in error["details"])
    assert _counts(env) == before


def test_empty_and_badly_encoded_files_are_422(fresh_env):
    cases = [
        (b"", "empty"), (b"ticker,quantity\n", "no data rows"),
        ("ticker,quantity,entry_price,entry_date\nAAPL,1,2,2026-01-05\n".encode("utf-16"),
         "UTF"),
        ("ticker,quantity,entry_price,entry_date\nAAPL,1,2,2026-01-05\n".encode("latin-1")
         + b"MSFT,1,2,2026-01-05,\xe9\n", "UTF-8"),
    ]
    for data, needle in cases:
        response = fresh_env.client.post(UPLOAD, headers=fresh_env.headers("demo_user_1"),
                                         files={"file": ("x.csv", data, "text/csv")})
        error = error_of(response, 422)
        assert any(needle.lower() in p["message"].lower() for p in error["details"]), error


def test_missing_file_and_bad_equity_are_422(fresh_env):
    env, h = fresh_env, fresh_env.headers("demo_user_1")
    error_of(env.client.post(UPLOAD, headers=h, data={"equity": "1000"}), 422, "validation_error")
    good = (DEMO_DATA / "demo_user_2.csv").read_bytes()
    for equity in ("-5", "0", "abc", "inf", "nan"):
        error = error_of(env.client.post(UPLOAD, headers=h, data={"equity": equity},
                                         files={"file": ("b.csv", good, "text/csv")}), 422)
        assert error["details"][0]["loc"][-1] == "equity"
    assert _counts(env)["app.positions"] == 0


def test_extreme_magnitudes_are_422_naming_row_and_column_and_write_nothing(fresh_env):
    env = fresh_env
    before = _counts(env)
    data = (b"ticker,quantity,entry_price,entry_date,tags\n"
            b"AAPL,1e308,150,2026-01-05,\n"        # row 1: finite but huge quantity
            b"MSFT,10,1e-320,2026-01-05,\n"        # row 2: subnormal price
            b"GOOG,inf,150,2026-01-05,\n"          # row 3: infinite quantity
            b"AMZN,10,nan,2026-01-05,\n")          # row 4: NaN price
    response = env.client.post(UPLOAD, headers=env.headers("demo_user_1"),
                               files={"file": ("big.csv", data, "text/csv")})
    error = error_of(response, 422, "invalid_csv")
    assert [(p["row"], p["column"]) for p in error["details"]] == [
        (1, "quantity"), (2, "entry_price"), (3, "quantity"), (4, "entry_price")]
    good = (DEMO_DATA / "demo_user_2.csv").read_bytes()
    error = error_of(env.client.post(UPLOAD, headers=env.headers("demo_user_1"),
                                     data={"equity": "1e14"},
                                     files={"file": ("b.csv", good, "text/csv")}), 422)
    assert error["details"][0]["loc"][-1] == "equity"
    assert _counts(env) == before


def test_a_file_with_thousands_of_problems_lists_the_first_200_and_counts_them(fresh_env):
    env = fresh_env
    rows = "".join(f"X{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}{chr(65 + i // 676)},1,-1,"
                   f"2099-01-01,=t\n" for i in range(2000))  # 3 problems per row
    response = env.client.post(
        UPLOAD, headers=env.headers("demo_user_1"),
        files={"file": ("many.csv", b"ticker,quantity,entry_price,entry_date,tags\n"
                        + rows.encode(), "text/csv")})
    error = error_of(response, 422, "invalid_csv")
    assert error["total"] == 6000
    expected = [(row, column) for row in range(1, 68)
                for column in ("entry_price", "entry_date", "tags")][:200]
    assert [(p["row"], p["column"]) for p in error["details"]] == expected
    assert len(response.content) < 100_000
    assert _counts(env)["app.positions"] == 0


def test_a_full_batch_queue_is_429_before_writing_but_a_users_own_run_is_replaced(
        fresh_env, monkeypatch):
    from flows import pipeline
    from ingest.warehouse.batch_runs import create_batch_run

    env = fresh_env
    env.settings.batch_queue_limit = 1
    monkeypatch.setattr(pipeline, "submit_portfolio_backfill",
                        lambda settings, portfolio_id, requested_by=None: "run-new")
    mine = env.rows("select id from app.portfolios where user_id = :u",
                    {"u": env.users["demo_user_1"]})[0]["id"]
    create_batch_run(env.warehouse, "portfolio_backfill", portfolio_id=mine + 1000)
    before = _counts(env)
    good = (DEMO_DATA / "demo_user_2.csv").read_bytes()
    response = env.client.post(UPLOAD, headers=env.headers("demo_user_1"),
                               files={"file": ("b.csv", good, "text/csv")})
    error_of(response, 429, "batch_queue_full")
    assert response.headers["Retry-After"] == "30"
    error_of(env.client.post("/api/v1/admin/daily-update",
                             headers=env.headers("demo_admin")), 429, "batch_queue_full")
    assert _counts(env) == before
    with env.warehouse.connect() as conn:  # the queued run is now demo_user_1's own
        conn.execute("update app.batch_runs set portfolio_id = :p", {"p": mine})
    accepted = ok_data(env.client.post(UPLOAD, headers=env.headers("demo_user_1"),
                                       files={"file": ("b.csv", good, "text/csv")}), 202)
    assert accepted["batch_run_id"] == "run-new"


def test_upload_needs_a_token(fresh_env):
    response = fresh_env.client.post(
        UPLOAD, files={"file": ("b.csv", (DEMO_DATA / "demo_user_2.csv").read_bytes())})
    error_of(response, 401)


def test_oversized_bodies_are_413_before_reading(fresh_env):
    env, h = fresh_env, fresh_env.headers("demo_user_1")
    big = b"x" * 6_000_000
    error = error_of(env.client.post(UPLOAD, headers=h, files={"file": ("big.csv", big)}), 413,
                     "payload_too_large")
    assert error["details"]["max_bytes"] >= 5_000_000

    def chunks():  # no Content-Length: counted while read
        boundary = b"--b0undary\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(100):
            yield b"y" * 100_000
        yield b"\r\n--b0undary--\r\n"

    response = env.client.post(UPLOAD, headers={**h, "content-type":
                                                "multipart/form-data; boundary=b0undary"},
                               content=chunks())
    error_of(response, 413, "payload_too_large")
    # a JSON body over the default 1 MiB limit
    response = env.client.post("/api/v1/tags", headers={**h, "content-type": "application/json"},
                               content=b'{"name": "' + b"a" * 2_000_000 + b'"}')
    error_of(response, 413)
    assert _counts(env)["app.positions"] == 0


def test_file_just_over_the_csv_limit_is_413(fresh_env):
    data = b"ticker,quantity,entry_price,entry_date\n" + b"A" * 5_000_000
    response = fresh_env.client.post(UPLOAD, headers=fresh_env.headers("demo_user_1"),
                                     files={"file": ("big.csv", data, "text/csv")})
    error = error_of(response, 413, "payload_too_large")
    assert error["details"] == {"max_bytes": 5_000_000}


def test_valid_upload_replaces_the_book_stores_equity_and_queues_a_backfill(
        fresh_env, monkeypatch):
    from flows import pipeline

    calls = []
    monkeypatch.setattr(pipeline, "submit_portfolio_backfill",
                        lambda settings, portfolio_id, requested_by=None: calls.append(
                            (settings.database_url, portfolio_id, requested_by)) or "run-1")
    env, h = fresh_env, fresh_env.headers("demo_user_2")
    data = (DEMO_DATA / "demo_user_2.csv").read_bytes()
    accepted = ok_data(env.client.post(UPLOAD, headers=h, data={"equity": "250000"},
                                       files={"file": ("b.csv", data, "text/csv")}), 202)
    portfolio = env.rows("select id, equity from app.portfolios where user_id = :u",
                         {"u": env.users["demo_user_2"]})
    assert len(portfolio) == 1  # the seeded portfolio was filled, not a second one
    assert portfolio[0]["equity"] == 250000.0
    rows = data.decode().strip().splitlines()[1:]
    assert accepted == {"batch_run_id": "run-1", "portfolio_id": portfolio[0]["id"],
                        "upload_id": accepted["upload_id"], "positions": len(rows),
                        "inserted": len(rows), "updated": 0, "removed": 0}
    assert calls == [(env.settings.database_url, portfolio[0]["id"], env.users["demo_user_2"])]
    stored = env.rows("select symbol, quantity from app.positions where portfolio_id = :p",
                      {"p": portfolio[0]["id"]})
    assert sorted(r["symbol"] for r in stored) == sorted(r.split(",")[0] for r in rows)
    # a second upload of a smaller book replaces it (ids of kept positions unchanged)
    smaller = "\n".join(data.decode().strip().splitlines()[:3]).encode() + b"\n"
    again = ok_data(env.client.post(UPLOAD, headers=h,
                                    files={"file": ("c.csv", smaller, "text/csv")}), 202)
    assert (again["inserted"], again["updated"], again["removed"]) == (0, 2, len(rows) - 2)
    assert env.rows("select equity from app.portfolios where user_id = :u",
                    {"u": env.users["demo_user_2"]})[0]["equity"] == 250000.0
    # another user's portfolio id is a 404
    error_of(env.client.post(UPLOAD, headers=env.headers("demo_user_1"),
                             params={"portfolio_id": portfolio[0]["id"]},
                             files={"file": ("b.csv", data, "text/csv")}), 404)
    assert AS_OF.isoformat() >= max(r.split(",")[3] for r in rows)


def test_upload_through_the_api_built_the_book(env):
    upload = env.upload
    positions = env.rows("select id from app.positions where portfolio_id = :p",
                         {"p": env.portfolios["demo_user_1"]})
    assert upload["positions"] == upload["inserted"] == len(positions) == 50
    assert env.run["kind"] == "portfolio_backfill"
    assert env.run["portfolio_id"] == env.portfolios["demo_user_1"]
    assert env.run["progress"] == 1.0
    assert env.run["requested_by"] == env.users["demo_user_1"]
