"""Signals the layers above listen to (STYLE: an upper layer reacts to a lower one's change
without the lower one importing it).

`case_changed` is sent by `services.change.finish` inside the changing transaction, after the
event is written, for every change except those of an imported past case. portal/notices.py
listens to it for the parties' SMS (SPEC §14: 受理通知, 回访); a receiver that sends anything
does it after commit."""

from django.dispatch import Signal

# Arguments: case (cases.Case, as saved), event (workflows.CaseEvent, the change's one event).
case_changed = Signal()
