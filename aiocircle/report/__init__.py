"""Reports across many projects: typed rows streamed as they arrive, and their writers.

One module per report: workflows, jobs, tests, flaky tests, Insights and the usage export. Every row
class is frozen and lists its columns in order (``columns()``); rows go to CSV, JSON Lines or
Parquet.
"""

from ._flaky import FLAKY_FIELDS, FlakyTestRow, flaky_tests
from ._insights import ALL_BRANCHES, INSIGHTS_FIELDS, InsightsRow, insights_rows
from ._jobs import JOB_FIELDS, JobRow, job_rows
from ._rows import Cell, Row
from ._tests import FAILED_RESULTS, TEST_FIELDS, TestRow, test_rows
from ._usage import (
    MAX_POLL_INTERVAL,
    MAX_WAIT,
    POLL_INTERVAL,
    USAGE_FIELDS,
    UsageExportRows,
    UsageRow,
    usage_export,
)
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
    "ALL_BRANCHES",
    "FAILED_RESULTS",
    "FIELDS",
    "FLAKY_FIELDS",
    "INSIGHTS_FIELDS",
    "JOB_FIELDS",
    "MAX_POLL_INTERVAL",
    "MAX_WAIT",
    "PARQUET_BATCH_ROWS",
    "POLL_INTERVAL",
    "TEST_FIELDS",
    "USAGE_FIELDS",
    "Cell",
    "FlakyTestRow",
    "InsightsRow",
    "JobRow",
    "Row",
    "TestRow",
    "TextSink",
    "UsageExportRows",
    "UsageRow",
    "WorkflowRow",
    "arrow_schema",
    "flaky_tests",
    "insights_rows",
    "job_rows",
    "test_rows",
    "usage_export",
    "workflow_rows",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]
