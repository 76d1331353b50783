"""Instance control: start, stop, reboot and resize an EC2 instance from chat. Each says what will happen (downtime
included) and asks; a resize asks a second time, answered only by its own button; protected instances and instances
in the wrong state are refused before anything is asked. Start, stop and resize run in the background and report
through late messages; every change writes one audit record."""
from __future__ import annotations

import json
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aws.errors import Stopped
from actions.aws.instances import RESIZE_STEPS, Change, Instance, InstanceControl, Operation, Progress
from actions.core.base import ConfirmableAction, Skill
from actions.core.confirmation import Choice, Question
from actions.core.jobs import Job
from actions.skills.servers import control_wording as say
from actions.skills.servers.control_parsing import instance_named, operation_named, target_type_in

INTENT = "instance_control"
# A change that takes the instance offline until someone acts again: its yes button is drawn red.
DANGEROUS: frozenset[str] = frozenset({"stop", "resize"})
AUDIT_ACTION: dict[Operation, str] = {
    "start": "start_instance", "stop": "stop_instance", "reboot": "reboot_instance", "resize": "resize_instance",
}
EXAMPLE_TYPE = "t3.small"


def _previous_request(tracker: Tracker) -> tuple[str, str | None, str | None]:
    """The text, operation and type of the last instance-control message before this one ("and web-1?" repeats it)."""
    users = [e for e in tracker.events if e.get("event") == "user"][:-1]
    for event in reversed(users):
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == INTENT:
            entities = {str(e.get("entity")): str(e.get("value")) for e in parse.get("entities") or []}
            return str(event.get("text") or ""), entities.get("operation"), entities.get("instance_type")
    return "", None, None


def operation_buttons(name: str) -> list[dict[str, str]]:
    """One button per operation that needs nothing else, each the request itself (asked and confirmed as typed)."""
    return [{"title": op.capitalize(), "payload": f"/{INTENT}" + json.dumps({"operation": op, "instance": name},
                                                                           separators=(",", ":"))}
            for op in say.OPERATION_BUTTONS]


class ActionInstanceControl(ConfirmableAction):
    action_name = "action_instance_control"
    kind = "instance_control"
    target = "instance"
    skill = Skill(title="Start, stop, reboot or resize an EC2 instance (asks first)", example="restart web-2",
                  order=16)
    # How often a wait asks EC2 for the state (tests lower it on an instance).
    poll_seconds: ClassVar[float] = 5.0

    def control(self) -> InstanceControl:
        return InstanceControl(self.clients.client("ec2"), poll_seconds=self.poll_seconds)

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text, operation_entity = self.text_of(tracker), self.entity(tracker, "operation")
        target = self.entity(tracker, "instance_type") or target_type_in(text)
        if (tracker.latest_message or {}).get("intent", {}).get("name") != INTENT and not operation_entity:
            # "and web-1?" after "restart web-2": the same change for the new instance
            before, operation_entity, earlier_type = _previous_request(tracker)
            target = target or earlier_type or target_type_in(before)
            text = f"{text} {before}"
        operation = operation_named(operation_entity, text, target)
        control = self.control()
        name = instance_named(self.instance_of(tracker))
        if not name:
            known = await self.blocking(control.known)
            dispatcher.utter_message(text=say.NEED_INSTANCE.format(operation=operation or "change",
                                                                   known=", ".join(known) or "none"))
            return []
        instance = await self.blocking(control.find, name)
        if operation is None:
            dispatcher.utter_message(text=say.NEED_OPERATION.format(name=instance.label),
                                     buttons=operation_buttons(instance.label))
            return []
        control.check(instance, operation)  # protected, or already in that state: said without asking
        if operation == "resize":
            if not target:
                dispatcher.utter_message(text=say.NEED_TYPE.format(name=instance.label, current=instance.instance_type,
                                                                   example=EXAMPLE_TYPE))
                return []
            await self.blocking(control.check_type, instance, target)
        return self._ask(dispatcher, instance, operation, (target or "").lower())

    def _ask(
        self, dispatcher: CollectingDispatcher, instance: Instance, operation: Operation, target: str
    ) -> list[dict[str, Any]]:
        key = "resize_stopped" if operation == "resize" and instance.state == "stopped" else operation
        ip_note = say.IP_NOTE.format(ip=instance.public_ip) if instance.public_ip else ""
        text = say.CONFIRM[key].format(name=instance.label, instance_id=instance.instance_id,
                                       type=instance.instance_type, target=target, ip_note=ip_note)
        pending = {"kind": self.kind, "operation": operation, "instance": instance.label,
                   "instance_id": instance.instance_id, "type": instance.instance_type, "target": target,
                   "stage": "first"}
        return self.propose(dispatcher, text, pending, say.YES[operation].format(name=instance.label),
                            danger=operation in DANGEROUS)

    async def confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        operation: Operation = pending["operation"]
        control = self.control()
        # Looked at again: the instance may have changed (or been tagged protected) since the question.
        instance = await self.blocking(control.refresh, str(pending["instance_id"]))
        control.check(instance, operation)
        target = str(pending.get("target") or "")
        if operation == "resize":
            await self.blocking(control.check_type, instance, target)
            if pending.get("stage") != "second":
                return self._ask_again(dispatcher, instance, target, pending)
        if operation == "reboot":
            dispatcher.utter_message(text=await self.blocking(self._change, tracker, control, instance, operation,
                                                              target, None))
            return []
        dispatcher.utter_message(text=say.WORKING[operation].format(name=instance.label, type=instance.instance_type,
                                                                    target=target))
        self.jobs.start(Job(
            sender_id=tracker.sender_id,
            work=lambda progress: self._change(tracker, control, instance, operation, target, progress),
            progress_text=lambda done, _total: say.RESIZE_PROGRESS[min(done, RESIZE_STEPS - 1)].format(
                name=instance.label, target=target),
            title=say.JOB_TITLE[operation].format(name=instance.label),
        ))
        return []

    def _ask_again(
        self, dispatcher: CollectingDispatcher, instance: Instance, target: str, pending: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The second question of a resize: only its own button answers it, so "yes" twice never takes a server
        down."""
        button = say.RESIZE_NOW.format(name=instance.label)
        template = say.CONFIRM_RESIZE_AGAIN if instance.state == "running" else say.CONFIRM_RESIZE_STOPPED_AGAIN
        question = Question(
            text=template.format(button=button, name=instance.label, target=target, type=instance.instance_type),
            yes=(Choice(button),), button_only=True, danger=True,
        )
        return self.questions.ask(dispatcher, question, {**pending, "stage": "second"})

    def _change(
        self, tracker: Tracker, control: InstanceControl, instance: Instance, operation: Operation, target: str,
        progress: Progress | None,
    ) -> str:
        """Blocking: the change between its two audit lines; returns the closing reply. A failure is raised (the job
        runner or the action says it); a resize the user stopped is put back and said here."""
        params = {"instance": instance.label, "instance_id": instance.instance_id, "operation": operation,
                  "type": instance.instance_type, **({"target": target} if target else {})}

        def call() -> Change:
            if operation == "resize":
                return control.resize(instance.instance_id, target, progress)
            return {"start": control.start, "stop": control.stop, "reboot": control.reboot}[operation](
                instance.instance_id)

        try:
            change = self.audited(tracker, AUDIT_ACTION[operation], params, call,
                                  describe=lambda c: {"state": c.after.state, "now_type": c.after.instance_type})
        except Stopped:
            now = control.refresh(instance.instance_id)
            as_before = say.AS_BEFORE if (now.state, now.instance_type) == (instance.state, instance.instance_type) \
                else ""
            return say.RESIZE_STOPPED_BY_USER.format(name=instance.label, state=now.state, type=now.instance_type,
                                                     as_before=as_before)
        return done_text(change)


def done_text(change: Change) -> str:
    after = change.after
    ip = say.PUBLIC_IP.format(ip=after.public_ip) if after.public_ip and after.state == "running" else ""
    key = "resize_stopped" if change.operation == "resize" and after.state != "running" else change.operation
    return say.DONE[key].format(name=after.label, type=after.instance_type, was_type=change.before.instance_type,
                                ip=ip)
