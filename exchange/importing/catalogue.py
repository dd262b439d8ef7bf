"""The ResourceGroups and Resources sections: replaced by MIS id, never removed by a typo."""

from __future__ import annotations

from exchange.bulk import chunked
from exchange.importing.run import ImportRun
from exchange.models import Resource, ResourceGroup


def replace_groups(run: ImportRun) -> None:
    records = run.document.groups
    # Only the MIS's own groups: those made on the portal are the clinic's staff's.
    mis_groups = ResourceGroup.objects.filter(clinic=run.clinic, mis_id__isnull=False)
    existing = {group.mis_id: group for group in mis_groups}
    # An `rg` the parser could not read keeps its group as it is: never removed by a typo.
    incoming = {record.mis_id for record in records} | run.document.unreadable_group_ids
    gone = [group.pk for mis_id, group in existing.items() if mis_id not in incoming]
    ResourceGroup.objects.filter(pk__in=gone).delete()
    created, changed = [], []
    for record in records:
        group = existing.get(record.mis_id)
        if group is None:
            created.append(
                ResourceGroup(
                    clinic=run.clinic, mis_id=record.mis_id, name=record.name, pos=record.pos
                )
            )
        elif (group.name, group.pos) != (record.name, record.pos):
            group.name, group.pos = record.name, record.pos
            changed.append(group)
    ResourceGroup.objects.bulk_create(created)
    ResourceGroup.objects.bulk_update(changed, ["name", "pos"])
    run.summary.groups_total = len(records)


def replace_resources(run: ImportRun) -> None:
    records = run.document.resources
    mis_groups = ResourceGroup.objects.filter(clinic=run.clinic, mis_id__isnull=False)
    groups = dict(mis_groups.values_list("mis_id", "pk"))
    existing = {
        resource.mis_id: resource
        for resource in Resource.objects.filter(clinic=run.clinic, mis_id__isnull=False)
    }
    created, changed = [], []
    for record in records:
        group_pk = None
        if record.group_id is not None:
            group_pk = groups.get(record.group_id)
            if group_pk is None:
                message = f"unknown group {record.group_id}: the resource is kept without a group"
                run.warn(record.line, "r", message, record.mis_id, code="unknown_group")
        values = {
            "group_id": group_pk,
            "name": record.name,
            "time_step": record.time_step,
            "pos": record.pos,
            "is_retired": False,
        }
        resource = existing.get(record.mis_id)
        if resource is None:
            created.append(Resource(clinic=run.clinic, mis_id=record.mis_id, **values))
        elif any(getattr(resource, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(resource, name, value)
            changed.append(resource)
    # Likewise an unreadable `r`: its resource is neither changed nor retired.
    incoming = {record.mis_id for record in records} | run.document.unreadable_resource_ids
    retired = [
        resource.pk
        for mis_id, resource in existing.items()
        if mis_id not in incoming and not resource.is_retired
    ]
    Resource.objects.bulk_create(created, batch_size=1000)
    Resource.objects.bulk_update(
        changed, ["group_id", "name", "time_step", "pos", "is_retired"], batch_size=1000
    )
    for chunk in chunked(retired):
        Resource.objects.filter(pk__in=chunk).update(is_retired=True)
    run.summary.resources = {
        "total": len(records),
        "created": len(created),
        "updated": len(changed),
        "retired": len(retired),
    }
