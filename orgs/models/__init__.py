"""The registry's models: the league-unit tree and the youth-organization registry."""

from .registry import (
    BACKBONE_YOUTH_THRESHOLD,
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    Organization,
    OrganizationDocument,
    SavedFilter,
    StatusChange,
    mask_id_number,
    mask_phone,
    name_initials,
)
from .units import PATH_SEGMENT_WIDTH, LeagueUnit, LeagueUnitQuerySet, path_segment

__all__ = [
    "BACKBONE_YOUTH_THRESHOLD",
    "PATH_SEGMENT_WIDTH",
    "BackboneMember",
    "ContactLog",
    "DirectContact",
    "LeagueBuilding",
    "LeagueUnit",
    "LeagueUnitQuerySet",
    "Organization",
    "OrganizationDocument",
    "SavedFilter",
    "StatusChange",
    "mask_id_number",
    "mask_phone",
    "name_initials",
    "path_segment",
]
