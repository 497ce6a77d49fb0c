"""``cci.triggers``: the triggers of a pipeline definition, request by request."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses
from bodies import BASE, PROJECT_ID

from aiocircle import CircleCI
from aiocircle._converter import structure
from aiocircle.models import (
    EventPreset,
    EventSource,
    PipelineTrigger,
    SourceRepo,
    TriggerDeleted,
    TriggerWebhook,
)

DEFINITION_ID = "2338d0ae-5541-4bbf-88a2-55e9f7281f3c"
TRIGGER_ID = "7f2e9c1a-52d4-4c3e-9f8a-1b2c3d4e5f60"
OF_DEFINITION = f"{BASE}/projects/{PROJECT_ID}/pipeline-definitions/{DEFINITION_ID}/triggers"
ONE = f"{BASE}/projects/{PROJECT_ID}/triggers/{TRIGGER_ID}"
SECRET_URL = "https://internal.circleci.com/private/soc/e/abc?secret=s3cr3t"
TRIGGER = {
    "id": TRIGGER_ID,
    "event_name": "tags",
    "event_source": {"provider": "github_app", "repo": {"external_id": "1001"}},
    "event_preset": "only-tags",
    "disabled": False,
}
WEBHOOK = {
    "id": TRIGGER_ID,
    "event_source": {"provider": "webhook", "webhook": {"url": SECRET_URL, "sender": "bot"}},
}


async def test_list_returns_the_definitions_triggers(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(OF_DEFINITION, payload={"items": [TRIGGER, WEBHOOK]})

    found = await cci.triggers.list(PROJECT_ID, DEFINITION_ID)

    assert sent.only().method == "GET"
    assert found[0] == PipelineTrigger(
        id=TRIGGER_ID,
        event_name="tags",
        event_source=EventSource(provider="github_app", repo=SourceRepo(external_id="1001")),
        event_preset=EventPreset.ONLY_TAGS,
        disabled=False,
    )
    assert found[1].event_source == EventSource(
        provider="webhook", webhook=TriggerWebhook(url=SECRET_URL, sender="bot")
    )


def test_a_webhook_triggers_url_with_its_secret_stays_out_of_the_repr() -> None:
    trigger = structure(WEBHOOK, PipelineTrigger)
    assert "s3cr3t" not in repr(trigger)
    assert "bot" in repr(trigger)


def test_an_unknown_or_absent_event_preset_is_kept_as_is() -> None:
    assert structure({"event_preset": "only-new-things"}, PipelineTrigger).event_preset == (
        "only-new-things"
    )
    assert structure({"event_preset": None}, PipelineTrigger).event_preset is None


async def test_create_sends_the_event_source_and_only_the_settings_given(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(OF_DEFINITION, payload=TRIGGER)

    created = await cci.triggers.create(
        PROJECT_ID,
        DEFINITION_ID,
        provider="github_app",
        repo_id="1001",
        event_preset=EventPreset.ONLY_TAGS,
        event_name="tags",
        disabled=False,
    )

    assert sent.only().json == {
        "event_source": {"provider": "github_app", "repo": {"external_id": "1001"}},
        "event_preset": "only-tags",
        "event_name": "tags",
        "disabled": False,
    }
    assert created.id == TRIGGER_ID


async def test_create_of_a_webhook_trigger_sends_its_sender(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(OF_DEFINITION, payload=WEBHOOK)

    await cci.triggers.create(
        PROJECT_ID, DEFINITION_ID, provider="webhook", webhook_sender="bot", checkout_ref="main"
    )

    assert sent.only().json == {
        "event_source": {"provider": "webhook", "webhook": {"sender": "bot"}},
        "checkout_ref": "main",
    }


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"provider": ""}, "provider must be a non-empty string"),
        ({"event_preset": "nightly"}, "event_preset must be one of all-pushes"),
        ({"disabled": "no"}, "disabled must be a bool"),
        ({"repo_id": " "}, "repo_id must be a non-empty string"),
    ],
)
async def test_create_checks_its_fields_before_sending(
    cci: CircleCI, sent, kwargs: dict[str, object], rule: str
) -> None:
    arguments: dict[str, object] = {"provider": "github_app", **kwargs}
    with pytest.raises(ValueError, match=rule):
        await cci.triggers.create(PROJECT_ID, DEFINITION_ID, **arguments)  # type: ignore[arg-type]
    assert sent() == []


async def test_get_update_and_delete_address_one_trigger(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(ONE, payload=TRIGGER)
    mock_api.patch(ONE, payload={**TRIGGER, "disabled": True})
    mock_api.delete(ONE, payload={"message": "Trigger deleted."})

    fetched = await cci.triggers.get(PROJECT_ID, TRIGGER_ID)
    updated = await cci.triggers.update(
        PROJECT_ID, TRIGGER_ID, disabled=True, config_ref="v2", webhook_sender="bot"
    )
    deleted = await cci.triggers.delete(PROJECT_ID, TRIGGER_ID)

    path = f"/api/v2/projects/{PROJECT_ID}/triggers/{TRIGGER_ID}"
    assert [(r.method, r.url.path) for r in sent()] == [
        ("GET", path),
        ("PATCH", path),
        ("DELETE", path),
    ]
    assert sent()[1].json == {
        "config_ref": "v2",
        "disabled": True,
        "event_source": {"webhook": {"sender": "bot"}},
    }
    assert fetched.event_preset is EventPreset.ONLY_TAGS
    assert updated.disabled is True
    assert deleted == TriggerDeleted(message="Trigger deleted.")


async def test_update_with_nothing_to_change_is_refused(cci: CircleCI, sent) -> None:
    with pytest.raises(ValueError, match="update needs one of event_preset"):
        await cci.triggers.update(PROJECT_ID, TRIGGER_ID)
    assert sent() == []
