"""Reports across many projects: typed rows streamed as they arrive, and their writers.

One module per report: workflows, jobs, tests and flaky tests. Every row class is frozen and
lists its columns in order (``Row.columns()``); rows go to CSV, JSON Lines or Parquet.
"""

from ._flaky import FLAKY_FIELDS, FlakyTestRow, flaky_tests
from ._jobs import JOB_FIELDS, JobRow, job_rows
from ._rows import Cell, Row
from ._tests import FAILED_RESULTS, TEST_FIELDS, TestRow, test_rows
from ._workflows import FIELDS, WorkflowRow, workflow_rows
from ._writers import (
    PARQUET_BATCH_ROWS,
    TextSink,
    arrow_schema,
    write_csv,
    write_jsonl,
    write_parquet,
)

__all__ = [
    "FAILED_RESULTS",
    "FIELDS",
    "FLAKY_FIELDS",
    "JOB_FIELDS",
    "PARQUET_BATCH_ROWS",
    "TEST_FIELDS",
    "Cell",
    "FlakyTestRow",
    "JobRow",
    "Row",
    "TestRow",
    "TextSink",
    "WorkflowRow",
    "arrow_schema",
    "flaky_tests",
    "job_rows",
    "test_rows",
    "workflow_rows",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]
