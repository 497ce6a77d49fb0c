"""`python -m aiocircle.testing coverage` and the `@operation` registry it reads."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from aiocircle import CircleCI, NotFoundError
from aiocircle.resources import Users, operations
from aiocircle.testing import FakeCircleCI, _coverage
from aiocircle.testing.__main__ import main
from aiocircle.testing.spec import live_operations, openapi

TSV = Path(_coverage.__file__).with_name("spec") / "operations.tsv"


def test_the_spec_has_115_operations_by_operation_id() -> None:
    found = _coverage.spec_operations()
    assert len(found) == len({op.operation_id for op in found}) == 115
    in_openapi = sum(
        1 for item in openapi()["paths"].values() for method in item if method != "parameters"
    )
    assert in_openapi == 110
    assert {"getJob", "getOrganization", "listOtelExporters"} <= {op.operation_id for op in found}


def test_every_descriptor_names_its_operation_as_the_spec_does() -> None:
    spec = {op.operation_id: op for op in _coverage.spec_operations()}
    live = {operation_id: (method, path) for method, path, operation_id in live_operations()}
    with TSV.open(newline="") as rows:
        # The table says "no" for GetDecisionLogs and "offset" beside it: paged by offset.
        paginated = {
            r["operationId"]: r["paginated"] == "yes" or r["pagination_detail"] == "offset"
            for r in csv.DictReader(rows, delimiter="\t")
        }
    for operation_id, found in operations().items():
        assert operation_id in spec, operation_id
        expected = spec[operation_id]
        assert (found.method, found.path) in {
            (expected.method, expected.path),
            live.get(operation_id),
        }, operation_id
        if operation_id in paginated:
            assert found.paginated == paginated[operation_id], operation_id


def test_every_descriptor_is_a_method_of_a_client_namespace() -> None:
    names = _coverage._method_names()
    assert sorted(names) == sorted(op.qualname for op in operations().values())
    assert names["Pipelines.get"] == "pipelines.get"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    with pytest.raises(SystemExit) as exited:
        main(["coverage", *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out.splitlines(), err


def test_the_command_counts_what_the_registry_the_fake_and_the_tests_cover(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registered = operations()
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(sorted(registered)))
    served = set(FakeCircleCI().routes)
    expected = len(registered)
    # Every registered operation is served by the fake (its route name is METHOD path).
    assert all(f"{op.method} {op.path}" in served for op in registered.values())

    code, lines, _ = run(capsys, "--calls", str(calls), "--min", str(expected))
    assert code == 0
    assert lines[-1] == f"{expected}/115 operations covered"
    assert len(lines) == 1 + 115 + 1
    row = next(line.split() for line in lines if line.startswith("getPipelineById "))
    assert row == [
        "getPipelineById",
        "GET",
        "/pipeline/{pipeline-id}",
        "pipelines.get",
        "yes",
        "yes",
    ]
    # An operation no method serves shows "-" and was not tested.
    unserved = [row for row in map(str.split, lines[1:-1]) if row[3] == "-"]
    assert len(unserved) == 115 - expected
    assert all(row[5] == "no" for row in unserved)

    assert run(capsys, "--calls", str(calls), "--min", str(expected + 1))[0] == 1
    # The default asks for all 115: met once every operation has its method.
    assert run(capsys, "--calls", str(calls))[0] == (0 if expected == 115 else 1)


def test_an_operation_no_test_called_is_not_covered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(["getCurrentUser"]))
    code, lines, _ = run(capsys, "--calls", str(calls), "--min", "2")
    assert code == 1
    assert lines[-1] == "1/115 operations covered"

    code, lines, err = run(capsys, "--calls", str(tmp_path / "absent.json"), "--min", "0")
    assert code == 0
    assert lines[-1] == "0/115 operations covered"
    assert "run pytest first" in err


async def test_instrument_records_a_call_once_it_returns_and_undo_restores() -> None:
    called: set[str] = set()
    before = Users.me
    undo = _coverage.instrument(called)
    try:
        assert Users.me is not before
        async with FakeCircleCI() as fake, CircleCI(fake.token, base_url=fake.base_url) as cci:
            await cci.users.me()
            cci.pipelines.list("gh/acme/web")
            with pytest.raises(NotFoundError):
                await cci.projects.get("gh/acme/absent")
    finally:
        undo()
    assert called == {"getCurrentUser", "listPipelinesForProject"}
    assert Users.me is before
