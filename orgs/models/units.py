"""The league-unit tree (团组织): the skeleton every other record hangs from."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hubportal.history import track
from hubportal.jurisdiction import JurisdictionQuerySet

PATH_SEGMENT_WIDTH = 8  # "00000042." — fixed width keeps sibling order and prefix tests exact


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_SEGMENT_WIDTH}d}."


class LeagueUnitQuerySet(JurisdictionQuerySet):
    def descendants_of(self, unit: LeagueUnit, include_self: bool = True) -> LeagueUnitQuerySet:
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def ancestors_of(self, unit: LeagueUnit, include_self: bool = False) -> LeagueUnitQuerySet:
        paths = unit.ancestor_paths()
        if include_self:
            paths.append(unit.path)
        return self.filter(path__in=paths).order_by("depth")


@track(exclude=["path", "depth"])
class LeagueUnit(models.Model):
    """A league body: 团省委, 团市委, 团区委/县委, 镇/街道团(工)委, 高校团委, 有关单位, 驻外团工委.

    The tree is stored as a materialized path of fixed-width id segments, so "this unit and
    everything below it" is one `path LIKE 'prefix%'` on a pattern index.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture city")
        COUNTY = "county", _("County / district")
        TOWN = "town", _("Town / subdistrict")

    class Kind(models.TextChoices):
        REGIONAL = "regional", _("Regional committee")
        UNIVERSITY = "university", _("University committee")
        DEPARTMENT = "department", _("Government department")
        MIGRANT = "migrant", _("Working committee for migrant youth (驻外团工委)")

    class Region(models.TextChoices):
        PRD = "prd", _("Pearl River Delta")
        NON_PRD = "non_prd", _("Outside the Pearl River Delta")

    LEVEL_ORDER: dict[str, int] = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.TOWN: 3}

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Administrative division code (GB/T 2260) or a generated stable code."),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REGIONAL)
    region = models.CharField(
        _("region"),
        max_length=8,
        choices=Region.choices,
        blank=True,
        help_text=_("Set on cities; units below a city inherit it."),
    )
    is_undergraduate = models.BooleanField(
        _("undergraduate university"), default=False, help_text=_("Only for university committees.")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = LeagueUnitQuerySet.as_manager()
    jurisdiction_field = ""

    class Meta:
        verbose_name = _("league unit")
        verbose_name_plural = _("league units")
        ordering = ["path"]
        indexes = [
            # `unique` on path also gives it a varchar_pattern_ops index, which serves LIKE 'prefix%'.
            models.Index(fields=["level", "kind"], name="leagueunit_level_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
                name="leagueunit_root_has_no_parent",
            ),
            models.CheckConstraint(condition=~Q(path=""), name="leagueunit_path_set"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Keep path, depth and the inherited region right, moving the subtree if needed."""
        if self.level != self.Level.CITY:
            self.region = self.parent.region if self.parent is not None else ""
        parent_path = self.parent.path if self.parent is not None else ""
        if self.path and parent_path.startswith(self.path):
            raise ValidationError(_("A unit cannot be moved below one of its own sub-units."))
        adding = self._state.adding
        with transaction.atomic():
            if self.pk is None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [self._meta.db_table])
                    self.pk = cursor.fetchone()[0]
            new_path = parent_path + path_segment(self.pk)
            old_path = self.path
            self.path, self.depth = new_path, new_path.count(".") - 1
            if adding:
                kwargs.setdefault("force_insert", True)
            super().save(*args, **kwargs)
            if not adding and old_path != new_path:
                self._move_subtree(old_path, new_path)
            if not adding:
                self._propagate_region()

    def get_absolute_url(self) -> str:
        return reverse("orgs:unit_detail", args=[self.pk])

    def _move_subtree(self, old_path: str, new_path: str) -> None:
        # One statement rewrites every descendant's path prefix and depth.
        LeagueUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (new_path.count(".") - old_path.count(".")),
        )

    def _propagate_region(self) -> None:
        LeagueUnit.objects.filter(path__startswith=self.path).exclude(pk=self.pk).exclude(
            level=self.Level.CITY
        ).exclude(region=self.region).update(region=self.region)

    # Tree helpers -------------------------------------------------------------------
    def ancestor_paths(self) -> list[str]:
        step = PATH_SEGMENT_WIDTH + 1
        return [self.path[: i * step] for i in range(1, self.depth + 1)]

    def ancestors(self) -> LeagueUnitQuerySet:
        return LeagueUnit.objects.ancestors_of(self)

    def descendants(self, include_self: bool = True) -> LeagueUnitQuerySet:
        return LeagueUnit.objects.descendants_of(self, include_self)

    def is_descendant_of(self, other: LeagueUnit) -> bool:
        return self.path.startswith(other.path) and self.pk != other.pk

    @property
    def full_path_name(self) -> str:
        """`广东省/中山市/古镇镇`: how imports and exports name a unit (one query)."""
        names = list(self.ancestors().values_list("name", flat=True))
        return "/".join([*names, self.name])

    def clean(self) -> None:
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A unit cannot be its own parent.")})
        if self.parent is not None and self.pk and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A unit cannot be moved below one of its own sub-units.")})
        if self.parent is None and self.level != self.Level.PROVINCE:
            raise ValidationError({"parent": _("Only the province has no parent unit.")})
        if self.parent is not None and self.LEVEL_ORDER[self.level] <= self.LEVEL_ORDER[self.parent.level]:
            raise ValidationError({"level": _("A unit must rank below its parent unit.")})
        if self.level == self.Level.CITY and not self.region and self.kind == self.Kind.REGIONAL:
            raise ValidationError({"region": _("Say whether the city lies in the Pearl River Delta.")})
        if self.is_undergraduate and self.kind != self.Kind.UNIVERSITY:
            raise ValidationError({"is_undergraduate": _("Only a university can be marked undergraduate.")})
