"""Right-sizing of the running fleet, open alarms and stock alerts. The fleet loop is the capacity skill's, over the
same engine (``actions.rightsizing``) and forecasts (``actions.forecasting``), without the skill: one forecast per
instance of the next week, sized to cover the next day's 80 % upper bound and the week's mean."""
from __future__ import annotations

import logging
import time
from typing import TypedDict

import numpy as np
from botocore.exceptions import ClientError

from actions.aws.alarms import list_alarms
from actions.aws.capacity import CapacityHistory
from actions.aws.errors import CloudButlerError
from actions.aws.inventory.store import InventoryStore
from actions.aws.size_tables import DEFAULT_PREFIX
from actions.forecasting import fleet
from actions.insights.shapes import Clients
from actions.rightsizing.engine import UNDER, recommend

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 14
WEEK_STEPS = 7 * 288  # five-minute steps
BOUND_STEPS = 288  # the next day: the horizon the forecasts' intervals are calibrated on
PERCENTILE = 99.5
HEADROOM = 0.20
MAX_OUT_OF_STOCK = 200  # rows one answer lists (the longest out first)


class InstanceRow(TypedDict):
    name: str
    id: str
    type: str
    finding: str
    recommended_type: str
    monthly_change_usd: float
    forecast_peak_cpu: float | None


class Capacity(TypedDict):
    instances: list[InstanceRow]
    not_sized: list[dict[str, str]]  # {"name", "id", "reason"}: too little CPU history and the like


class AlarmRow(TypedDict):
    name: str
    state: str
    metric: str
    threshold: str  # the alarm's condition as CloudWatch has it: "CPUUtilization > 80 for 2 x 5 min"
    updated: str | None


class OutRow(TypedDict):
    store: str
    item: str
    since: str | None


class Alerts(TypedDict):
    alarms: list[AlarmRow]
    out_of_stock: list[OutRow]


def capacity(clients: Clients, *, lookback_days: int = LOOKBACK_DAYS, workers: int = 1) -> Capacity:
    """Every running instance with its finding and recommended type, the most pressed first."""
    history = CapacityHistory(ec2=clients.client("ec2"), cloudwatch=clients.client("cloudwatch"))
    rows: list[InstanceRow] = []
    skipped: list[dict[str, str]] = []
    histories = {}
    for instance in history.running():
        try:
            histories[instance.instance_id] = history.cpu(instance, days=lookback_days)
        except CloudButlerError as exc:
            skipped.append({"name": instance.label, "id": instance.instance_id, "reason": exc.code})
    choices = fleet({key: h.values for key, h in histories.items()}, horizon=WEEK_STEPS, workers=workers) \
        if histories else {}
    for key, choice in choices.items():
        cpu = histories[key]
        peak = float(np.max(choice.forecast.hi80[:BOUND_STEPS]))
        rec = recommend(instance=cpu.instance.label, current_type=cpu.instance.instance_type,
                        cpu=cpu.values.tolist(), forecast_upper=peak, forecast_mean=float(np.mean(choice.forecast.mean)),
                        region=clients.region, percentile=PERCENTILE, headroom=HEADROOM)
        rows.append(InstanceRow(
            name=cpu.instance.label, id=key, type=cpu.instance.instance_type, finding=rec.finding,
            recommended_type=rec.recommended_type, monthly_change_usd=round(rec.monthly_change, 2),
            forecast_peak_cpu=round(peak, 1) if np.isfinite(peak) else None,
        ))
    rows.sort(key=lambda row: (row["finding"] != UNDER, row["monthly_change_usd"], row["name"]))
    return Capacity(instances=rows, not_sized=sorted(skipped, key=lambda s: s["name"]))


def alerts(clients: Clients, *, prefix: str = DEFAULT_PREFIX) -> Alerts:
    """Every metric alarm (ALARM first) and what is out of stock (the longest out first)."""
    alarms = [AlarmRow(name=a.name, state=a.state, metric=a.metric, threshold=a.condition,
                       updated=a.updated.isoformat() if a.updated else None)
              for a in list_alarms(clients.client("cloudwatch"))]
    store = InventoryStore(clients.client("dynamodb"), prefix=prefix)
    try:
        out = sorted(store.out_of_stock(), key=lambda s: (s.out_since or 0, s.store, s.item))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        out = []  # no file was ever loaded: nothing is out
    return Alerts(alarms=alarms, out_of_stock=[
        OutRow(store=s.store, item=s.item, since=_iso(s.out_since)) for s in out[:MAX_OUT_OF_STOCK]])


def _iso(epoch: int | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) if epoch is not None else None
