"""One view of a party per viewer (SPEC §11): the one function that decides which of a party's
fields a viewer sees, and how. The case page, the API, the exports and every later surface
(the party portal) show a party only through `view`.

Committee members of the case and admins see everything. Everyone else allowed to see the case
(supervisors, reviewers) sees name, role, kind, gender, ethnicity, the birth YEAR only, the ID
type with the last 4 characters of its number, the phone's last 4, the address down to the
village or community (no house number), occupation — never the full birth date together with
the end of the ID number, which would rebuild the number.
"""

from __future__ import annotations

import re
from typing import Any

from cases import scope
from cases.models import Party
from cases.scope import Viewer
from cases.validators import mask

# The place names of SPEC §11's "village/community" level, in the order they are looked for.
_VILLAGE = re.compile(r"^\D*?(?:村民委员会|居民委员会|社区|居委会|村|屯|嘎查)")


def village_address(address: str) -> str:
    """The address down to the village or community ("青山县东村3组12号" → "青山县东村"); an
    address without a recognisable village level shows nothing rather than too much."""
    found = _VILLAGE.match(address or "")
    return found.group(0) if found else ""


def sees_in_full(viewer: Viewer, party: Party) -> bool:
    return scope.sees_personal_data(viewer, party.case)


def view(viewer: Viewer, party: Party, *, full: bool | None = None) -> dict[str, Any]:
    """The party as `viewer` may see it. `full` may be passed when the caller has already
    asked `sees_in_full` for the case (a list of parties of one case)."""
    if full is None:
        full = sees_in_full(viewer, party)
    born = party.birth_date
    shown: dict[str, Any] = {
        "id": party.pk,
        "role": party.role,
        "kind": party.kind,
        "name": party.name,
        "gender": party.gender,
        "ethnicity": party.ethnicity,
        "birth_date": born if full else None,
        "birth_year": born.year if born else None,
        "id_type": party.id_type,
        "id_number": party.id_number if full else mask(party.id_number),
        "id_country": party.id_country,
        "phone": party.phone if full else mask(party.phone),
        "address": party.address if full else village_address(party.address),
        "occupation": party.occupation,
        "uscc": party.uscc,
        "legal_representative": party.legal_representative,
        "masked": not full,
    }
    return shown
