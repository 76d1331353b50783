"""Listing the CloudWatch alarms ("which alarms do we have", "any alarms firing?", "alarms on web-2?"): those in
ALARM first, each with its state in colour words, its condition and since when, as a table and as complete text."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.alarms import AlarmInfo, instance_names, list_alarms
from actions.aws.instances import InstanceControl
from actions.core.base import Skill, SkillAction
from actions.skills.alarms import wording as say
from actions.skills.servers.control_parsing import instance_named


class ActionListAlarms(SkillAction):
    action_name = "action_list_alarms"
    target = "instance"
    skill = Skill(title="List CloudWatch alarms and their states (firing ones first)", example="any alarms firing?",
                  order=18)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ec2 = self.clients.client("ec2")
        name = instance_named(self.instance_of(tracker))
        instance = await self.blocking(InstanceControl(ec2).find, name) if name else None
        alarms: list[AlarmInfo] = await self.blocking(list_alarms, self.clients.client("cloudwatch"))
        if instance is not None:
            alarms = [a for a in alarms if a.instance_id == instance.instance_id]
        ids = sorted({a.instance_id for a in alarms if a.instance_id})
        names = await self.blocking(instance_names, ec2, ids)
        dispatcher.utter_message(**say.alarm_list(alarms, names, instance=instance.label if instance else None))
        return []
