"""The tag modules whose routes the fake serves beside the core ones in ``_api.ROUTES``.

One line per tag module, sorted; each is a :class:`TagApi` subclass.
"""

from __future__ import annotations

from ._api_contexts import ContextsApi
from ._api_deploys import DeploysApi
from ._api_insights import InsightsApi
from ._api_jobs import JobsApi
from ._api_oidc import OidcApi
from ._api_organizations import OrganizationsApi
from ._api_otel_exporters import OtelExportersApi
from ._api_pipeline_definitions import PipelineDefinitionsApi
from ._api_pipelines import PipelinesApi
from ._api_policies import PoliciesApi
from ._api_projects import ProjectsApi
from ._api_rollbacks import RollbacksApi
from ._api_schedules import SchedulesApi
from ._api_triggers import TriggersApi
from ._api_usage import UsageApi
from ._api_webhooks import WebhooksApi
from ._tagapi import TagApi

TAG_APIS: tuple[type[TagApi], ...] = (
    WebhooksApi,
    SchedulesApi,
    ContextsApi,
    DeploysApi,
    InsightsApi,
    JobsApi,
    OidcApi,
    OrganizationsApi,
    OtelExportersApi,
    PipelineDefinitionsApi,
    PipelinesApi,
    PoliciesApi,
    ProjectsApi,
    RollbacksApi,
    UsageApi,
    TriggersApi,
)
