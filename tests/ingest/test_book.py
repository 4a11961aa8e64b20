"""Writing an upload as the book, on DuckDB and PostgreSQL: replace semantics, kept ids
and tags, nothing written on a rejected file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.book import DEFAULT_TAG_COLOR, ensure_portfolio, write_book
from ingest.csv_positions import CsvValidationError, parse_positions_csv
from ingest.upload import upload_positions_csv

TODAY = dt.date(2024, 6, 28)
SPEC_SAMPLE = (Path(__file__).parent / "data" / "spec_sample.csv").read_bytes()  # design sample
HEADER = "ticker,quantity,entry_price,entry_date,tags\n"
USER = 7


def rows_of(text: str | bytes):
    return parse_positions_csv(text.encode() if isinstance(text, str) else text, today=TODAY)


def upload(warehouse, text, upload_id, portfolio_id=None, user_id=USER):
    with warehouse.connect() as conn:
        portfolio_id = portfolio_id or ensure_portfolio(conn, user_id, "Main")
        result = write_book(conn, portfolio_id=portfolio_id, user_id=user_id,
                            rows=rows_of(text), upload_id=upload_id)
    return portfolio_id, result


def book(warehouse, portfolio_id):
    """{(symbol, entry_date): (id, quantity, entry_price, {tag names})}."""
    with warehouse.connect() as conn:
        positions = conn.fetchall(
            "select id, symbol, quantity, entry_price, entry_date from app.positions "
            "where portfolio_id = :p", {"p": portfolio_id})
        tags = conn.fetchall(
            "select pt.position_id, t.name from app.position_tags pt "
            "join app.tags t on t.id = pt.tag_id")
    names: dict[int, set[str]] = {}
    for position_id, name in tags:
        names.setdefault(position_id, set()).add(name)
    return {(s, d): (i, q, p, names.get(i, set())) for i, s, q, p, d in positions}


def snapshot(warehouse):
    """Every row of every app and raw table."""
    with warehouse.connect() as conn:
        tables = conn.fetchall(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('app', 'raw') order by 1, 2")
        return {f"{schema}.{name}":
                sorted(map(repr, conn.fetchall(f"select * from {schema}.{name}")))
                for schema, name in tables}


def test_spec_sample_is_written_as_the_book(warehouse):
    portfolio_id, result = upload(warehouse, SPEC_SAMPLE, "u1")
    assert (result.inserted, result.updated, result.removed) == (3, 0, 0)
    got = book(warehouse, portfolio_id)
    assert {key: value[1:] for key, value in got.items()} == {
        ("AAPL", dt.date(2024, 1, 15)): (1000.0, 150.0, {"momentum", "tech"}),
        ("MSFT", dt.date(2024, 1, 20)): (-500.0, 380.0, {"hedge", "tech"}),
        ("AAPL240119C00150000", dt.date(2024, 1, 10)): (10.0, 5.5, {"hedge", "options"}),
    }
    ids_in_file_order = [got[("AAPL", dt.date(2024, 1, 15))][0],
                         got[("MSFT", dt.date(2024, 1, 20))][0],
                         got[("AAPL240119C00150000", dt.date(2024, 1, 10))][0]]
    assert result.position_ids == ids_in_file_order
    with warehouse.connect() as conn:
        tags = conn.fetchall("select user_id, name, color from app.tags order by name")
        uploads = conn.fetchall(
            "select upload_id, portfolio_id, row_number, symbol, quantity, entry_price, "
            "entry_date, tags from raw.position_uploads order by row_number")
    assert tags == [(USER, name, DEFAULT_TAG_COLOR)
                    for name in ("hedge", "momentum", "options", "tech")]
    assert uploads == [
        ("u1", portfolio_id, 1, "AAPL", 1000.0, 150.0, dt.date(2024, 1, 15), "momentum,tech"),
        ("u1", portfolio_id, 2, "MSFT", -500.0, 380.0, dt.date(2024, 1, 20), "hedge,tech"),
        ("u1", portfolio_id, 3, "AAPL240119C00150000", 10.0, 5.5, dt.date(2024, 1, 10),
         "hedge,options"),
    ]


def test_reupload_keeps_ids_and_tags_replaces_the_rest(warehouse):
    portfolio_id, _ = upload(warehouse, SPEC_SAMPLE, "u1")
    before = book(warehouse, portfolio_id)
    aapl = before[("AAPL", dt.date(2024, 1, 15))][0]
    msft = before[("MSFT", dt.date(2024, 1, 20))][0]
    with warehouse.connect() as conn:  # a tag the user created and attached through the API
        conn.execute("insert into app.tags (user_id, name, color) values (:u, 'Core', '#FF0000')",
                     {"u": USER})
        core = conn.fetch_one("select id from app.tags where name = 'Core'")["id"]
        conn.execute("insert into app.position_tags values (:p, :t)", {"p": aapl, "t": core})
        conn.execute("insert into app.position_tags values (:p, :t)", {"p": msft, "t": core})
    _, result = upload(warehouse, HEADER
                       + 'AAPL,1200,151.5,2024-01-15,"CORE,value"\n'
                       + "NVDA,50,480,2024-02-01,\n"
                       + "AAPL240119C00150000,-10,5.5,2024-01-10,\n", "u2", portfolio_id)
    assert (result.inserted, result.updated, result.removed) == (1, 2, 1)
    after = book(warehouse, portfolio_id)
    nvda = after[("NVDA", dt.date(2024, 2, 1))][0]
    assert nvda not in {value[0] for value in before.values()}
    assert after == {
        ("AAPL", dt.date(2024, 1, 15)): (aapl, 1200.0, 151.5, {"momentum", "tech", "Core",
                                                               "value"}),
        ("NVDA", dt.date(2024, 2, 1)): (nvda, 50.0, 480.0, set()),
        ("AAPL240119C00150000", dt.date(2024, 1, 10)):
            (before[("AAPL240119C00150000", dt.date(2024, 1, 10))][0], -10.0, 5.5,
             {"hedge", "options"}),
    }
    assert result.position_ids == [aapl, nvda, after[("AAPL240119C00150000",
                                                      dt.date(2024, 1, 10))][0]]
    with warehouse.connect() as conn:
        assert conn.fetchall("select count(*) from app.position_tags where position_id = :p",
                             {"p": msft}) == [(0,)]
        names = [row[0] for row in conn.fetchall("select name from app.tags order by name")]
        assert conn.fetchall("select count(*) from raw.position_uploads") == [(6,)]
    assert names == ["Core", "hedge", "momentum", "options", "tech", "value"]  # no 2nd 'core'


def test_identical_reupload_changes_nothing_but_the_audit_log(warehouse):
    portfolio_id, first = upload(warehouse, SPEC_SAMPLE, "u1")
    before = book(warehouse, portfolio_id)
    _, second = upload(warehouse, SPEC_SAMPLE, "u2", portfolio_id)
    assert second.position_ids == first.position_ids
    assert (second.inserted, second.updated, second.removed) == (0, 3, 0)
    assert book(warehouse, portfolio_id) == before


def test_other_portfolios_and_users_are_untouched(warehouse):
    mine, _ = upload(warehouse, SPEC_SAMPLE, "u1")
    theirs, _ = upload(warehouse, SPEC_SAMPLE, "u2", user_id=8)
    assert theirs != mine
    before = book(warehouse, theirs)
    upload(warehouse, HEADER + "IBM,1,100,2024-01-02,tech\n", "u3", mine)
    assert book(warehouse, theirs) == before
    assert {key[0] for key in book(warehouse, mine)} == {"IBM"}
    with warehouse.connect() as conn:
        per_user = conn.fetchall("select user_id, count(*) from app.tags group by user_id "
                                 "order by user_id")
    assert per_user == [(USER, 4), (8, 4)]


def test_a_rejected_upload_writes_nothing(warehouse):
    upload_positions_csv(warehouse, user_id=USER, data=SPEC_SAMPLE, today=TODAY)
    before = snapshot(warehouse)
    assert before["app.positions"]
    assert before["raw.position_uploads"]
    bad = (HEADER + "AAPL,100,150,2024-01-15,newtag\nMSFT,0,380,2024-01-20,\n").encode()
    with pytest.raises(CsvValidationError):
        upload_positions_csv(warehouse, user_id=USER, data=bad, today=TODAY, equity=1e6)
    assert snapshot(warehouse) == before


def test_a_failure_after_write_book_rolls_everything_back(warehouse):
    _, _ = upload(warehouse, SPEC_SAMPLE, "u1")
    before = snapshot(warehouse)

    def write_then_fail() -> None:
        with warehouse.connect() as conn:
            portfolio_id = ensure_portfolio(conn, USER, "Main", equity=5e5)
            write_book(conn, portfolio_id=portfolio_id, user_id=USER,
                       rows=rows_of(HEADER + "IBM,1,100,2024-01-02,x\n"), upload_id="u2")
            assert conn.fetchall("select symbol from app.positions where portfolio_id = :p",
                                 {"p": portfolio_id}) == [("IBM",)]
            raise RuntimeError("a later step of the caller failed")

    with pytest.raises(RuntimeError, match="later step"):
        write_then_fail()
    assert snapshot(warehouse) == before


def test_remove_update_and_readd_the_same_keys_in_one_transaction(warehouse):
    """DuckDB's unique-index quirk: delete + re-insert + update of one key, one transaction."""
    full = HEADER + "AAPL,1,10,2024-01-02,a\nMSFT,2,20,2024-01-02,b\n"
    with warehouse.connect() as conn:
        portfolio_id = ensure_portfolio(conn, USER, "Main")
        write_book(conn, portfolio_id=portfolio_id, user_id=USER, rows=rows_of(full),
                   upload_id="u1")
        removed = write_book(conn, portfolio_id=portfolio_id, user_id=USER,
                             rows=rows_of(HEADER + "AAPL,3,30,2024-01-02,\n"), upload_id="u2")
        readded = write_book(conn, portfolio_id=portfolio_id, user_id=USER,
                             rows=rows_of(HEADER + "AAPL,4,40,2024-01-02,\n"
                                          "MSFT,5,50,2024-01-02,c\n"), upload_id="u3")
    assert (removed.inserted, removed.updated, removed.removed) == (0, 1, 1)
    assert (readded.inserted, readded.updated, readded.removed) == (1, 1, 0)
    got = book(warehouse, portfolio_id)
    assert {key[0]: value[1:] for key, value in got.items()} == {
        "AAPL": (4.0, 40.0, {"a"}), "MSFT": (5.0, 50.0, {"c"})}


def test_repeated_keys_are_refused_before_writing(warehouse):
    rows = rows_of(HEADER + "AAPL,1,10,2024-01-02,\n")
    with warehouse.connect() as conn, pytest.raises(ValueError, match="repeat"):
        write_book(conn, portfolio_id=1, user_id=USER, rows=rows + rows, upload_id="u1")


def test_ensure_portfolio_creates_once_and_sets_equity_only_when_given(warehouse):
    with warehouse.connect() as conn:
        first = ensure_portfolio(conn, USER, "Main")
        again = ensure_portfolio(conn, USER, "Main", equity=2_500_000.0)
        kept = ensure_portfolio(conn, USER, "Main")
        other = ensure_portfolio(conn, USER, "Second", equity=1.0)
        rows = conn.fetchall("select id, user_id, name, equity from app.portfolios order by id")
    assert first == again == kept != other
    assert rows == [(first, USER, "Main", 2_500_000.0), (other, USER, "Second", 1.0)]


def test_ensure_portfolio_refuses_a_bad_equity(warehouse):
    for equity in (0.0, -1.0, 0.5, 1e13 * 1.0001, float("nan"), float("inf")):
        with warehouse.connect() as conn, pytest.raises(ValueError, match="equity"):
            ensure_portfolio(conn, USER, "Main", equity=equity)
    assert snapshot(warehouse)["app.portfolios"] == []
