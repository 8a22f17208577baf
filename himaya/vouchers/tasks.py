from django_tasks import task

from himaya.vouchers.services import vouchers_expire


@task()
def expire_vouchers() -> int:
    """Thin: the service expires what is due; schedule it daily (see docs/vouchers.md)."""
    return vouchers_expire()
