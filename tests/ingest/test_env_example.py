"""``.env.example`` lists every setting and is what the generator writes today."""

from __future__ import annotations

from ingest.config import REPO_ROOT, Settings
from ingest.env_example import render


def test_env_example_is_generated_from_the_settings():
    committed = (REPO_ROOT / ".env.example").read_text()
    assert committed == render(), "run `make env-example` and commit .env.example"
    names = {line.split("=", 1)[0] for line in committed.splitlines()
             if line and not line.startswith("#")}
    assert {f"SIGMASIGHT_{name.upper()}" for name in Settings.model_fields} <= names


def test_env_example_parses_back_to_the_defaults(tmp_path, monkeypatch):
    """Loaded as a .env file, the example gives the default settings (empty = default)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"SIGMASIGHT_{name.upper()}", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(render())
    monkeypatch.chdir(REPO_ROOT)
    loaded = Settings(_env_file=env_file)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert loaded.model_dump() == defaults.model_dump()
