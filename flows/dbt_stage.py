"""One dbt stage of the batch, on the warehouse itself or on Spark.

On the ``duckdb`` and ``postgres`` targets this is :func:`flows.dbt_runner.run_dbt`. On
``spark`` (``SIGMASIGHT_DBT_TARGET=spark``) it is export → dbt on Spark → publish:
the declared sources go to parquet (:func:`ingest.warehouse.parquet_bridge.
export_sources`), dbt builds on the cluster, and every model it built is published
back to the serving warehouse (also those built before a failure, as dbt leaves them
live on the other targets), whose data version is then bumped for the API's cache.
"""

from __future__ import annotations

from collections.abc import Sequence

from dbt.cli.main import dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest

from flows.dbt_runner import DbtError, dbt_target, parsed_manifest, run_dbt
from ingest.config import Settings
from ingest.warehouse import Warehouse
from ingest.warehouse.data_version import bump_warehouse
from ingest.warehouse.parquet_bridge import BuiltRelation, export_sources, publish


def run_dbt_stage(args: Sequence[str], settings: Settings,
                  warehouse: Warehouse) -> dbtRunnerResult | None:
    """``dbt <args>`` on ``settings``' target; on Spark with export and publish around it.

    Returns dbt's result (None when a Spark run failed before building anything);
    raises :class:`~flows.dbt_runner.DbtError` on a failure.
    """
    if dbt_target(settings) != "spark":
        return run_dbt(args, settings)
    manifest = parsed_manifest(settings)
    export_sources(warehouse, [(source.schema, source.identifier)
                               for source in manifest.sources.values()],
                   settings.spark_root / "sources")
    try:
        result = run_dbt(args, settings)
    except DbtError as error:
        _publish(warehouse, settings, manifest, error.built)
        raise
    built = [item.node.name for item in getattr(result.result, "results", []) or []
             if str(getattr(item.node, "resource_type", "")) == "model"
             and str(item.status) == "success"]
    _publish(warehouse, settings, manifest, built)
    return result


def _publish(warehouse: Warehouse, settings: Settings, manifest: Manifest,
             models: Sequence[str]) -> None:
    if not models:
        return
    publish(warehouse, built_relations(manifest, models, settings))
    bump_warehouse(warehouse)


def built_relations(manifest: Manifest, models: Sequence[str],
                    settings: Settings) -> list[BuiltRelation]:
    """The Spark tables of ``models``: Spark's managed-table location
    (``<warehouse dir>/<schema>.db/<name>``) and, under an enforced contract, the
    declared columns and types."""
    wanted = set(models)
    relations: list[BuiltRelation] = []
    for node in manifest.nodes.values():
        if node.resource_type != "model" or node.name not in wanted:
            continue
        name = (node.alias or node.name).lower()
        columns: tuple[tuple[str, str], ...] = ()
        if node.config.contract.enforced:
            columns = tuple((column.name, str(column.data_type))
                            for column in node.columns.values())
        relations.append(BuiltRelation(
            schema=node.schema, name=name, columns=columns,
            location=settings.spark_root / "warehouse" / f"{node.schema.lower()}.db" / name))
    return sorted(relations, key=lambda relation: (relation.schema, relation.name))
