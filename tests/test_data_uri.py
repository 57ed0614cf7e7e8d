"""A data folder given as a URI is listed and read through Spark's Hadoop FileSystem.

``file:///...`` URIs take the same route as ``s3a://``, ``gs://`` or ``hdfs://`` (the connector
is the only difference), so the tiny example copied to a temporary folder stands in for a bucket.
"""

from __future__ import annotations

import datetime as dt

import pytest
from contract_checks import TINY, assert_tables_agree
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.errors import ContractError, ProfitlensError
from profitlens.pipeline.stages import load_data, run
from profitlens.staging import find_files

AS_OF = dt.date(2026, 3, 31)
runner = CliRunner()


@pytest.fixture(scope="module")
def con():
    pytest.importorskip("pyspark")
    from profitlens.engine import connect

    return connect("spark")


def _uri(path) -> str:
    return f"file://{path}"


@pytest.mark.spark
def test_uri_data_folder_on_spark_gives_the_expected_tables(tiny, tmp_path, con):
    files = find_files(_uri(tiny), con)
    assert files["customers"] == f"{_uri(tiny)}/customers.csv"  # a URI, not a collapsed Path
    info = run(_uri(tiny) + "/", tmp_path / "out", engine="spark", as_of=AS_OF)
    assert info["engine"] == "spark"
    assert info["rows"]["activities"] == {"read": 8, "used": 8, "quarantined": 0}
    assert_tables_agree(TINY / "expected", tmp_path / "out")


@pytest.mark.spark
@pytest.mark.parametrize(
    "spoil, words",
    [
        (lambda d: (d / "customers.csv").unlink(), "missing customers.csv"),
        (
            lambda d: (d / "payments.parquet").write_bytes(b""),
            "both payments.csv and payments.parquet",
        ),
        (lambda d: (d / "costmodel.yaml").unlink(), "every data folder needs a costmodel.yaml"),
        (lambda d: (d / "costmodel.yaml").write_text("currency: [EUR"), "not valid YAML"),
        (lambda d: d.rename(d.with_name("gone")), "not a folder"),
    ],
)
def test_uri_folder_errors_match_the_local_ones(tiny, con, spoil, words):
    spoil(tiny)
    with pytest.raises(ProfitlensError) as local:
        load_data(tiny, "spark", con=con)
    with pytest.raises(ProfitlensError) as remote:
        load_data(_uri(tiny), "spark", con=con)
    assert words in str(local.value)
    assert type(remote.value) is type(local.value)
    assert str(remote.value) == str(local.value).replace(str(tiny), _uri(tiny))


def test_uri_with_duckdb_is_one_clear_message_with_exit_code_2(tiny, tmp_path):
    result = runner.invoke(app, ["run", _uri(tiny), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "needs --engine spark" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(ContractError, match="needs --engine spark"):
        load_data(_uri(tiny), "duckdb")


def test_uri_output_folder_is_refused(tiny):
    result = runner.invoke(app, ["run", str(tiny), "--out", "s3a://bucket/out"])
    assert result.exit_code == 2
    assert "local folder" in " ".join(result.output.split())
    assert "Traceback" not in result.output
