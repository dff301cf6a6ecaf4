import json
from datetime import UTC, datetime

from canonical.events.envelope import CloudEvent


def test_structured_json_carries_the_cloudevents_attributes_and_extensions() -> None:
    event = CloudEvent(
        source="/sentry-wms/inventory",
        type="warehouse.created",
        subject="warehouse-1",
        time=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        data={"warehouse_id": 1},
        sequence=1,
        correlationid="c",
        actor="user-1",
        warehouseid=1,
    )
    wire = json.loads(event.to_json())
    assert wire["specversion"] == "1.0"
    assert wire["time"] == "2026-01-02T03:04:05.678901Z"
    assert wire["datacontenttype"] == "application/json"
    assert {wire["sequence"], wire["correlationid"], wire["actor"], wire["warehouseid"]} == {1, "c", "user-1"}
    assert "causationid" not in wire  # absent attributes are omitted, not null


def test_round_trip_is_lossless() -> None:
    event = CloudEvent(source="/s", type="t.x", data={"a": [1, 2]}, sequence=3)
    assert CloudEvent.from_json(event.to_json()) == event


def test_unknown_attributes_from_newer_producers_are_tolerated_and_kept() -> None:
    wire = json.loads(CloudEvent(source="/s", type="t.x", data={}).to_json())
    wire["deviceid"] = "scanner-7"
    event = CloudEvent.from_json(json.dumps(wire))
    assert (event.model_extra or {})["deviceid"] == "scanner-7"
    assert json.loads(event.to_json())["deviceid"] == "scanner-7"
